import Foundation

/// What one evaluation of the scenario at a point returned: the objective's
/// value and each limit's metric value (nil when the metric is null), and the
/// stored run it came from (0 for evaluations that store nothing, in tests).
public struct OptimizeEvaluation: Sendable, Equatable {
    public var objective: Double?
    public var limitValues: [Double?]
    public var runID: Int64

    /// `limitValues` in the order of `OptimizeProblem.limits`.
    public init(objective: Double?, limitValues: [Double?], runID: Int64 = 0) {
        self.objective = objective
        self.limitValues = limitValues
        self.runID = runID
    }
}

/// One evaluated point, in the order the search evaluated it.
public struct OptimizePoint: Sendable, Equatable {
    /// 0-based order of evaluation.
    public var index: Int
    /// The value of each axis, in `--vary` order.
    public var values: [Double]
    public var evaluation: OptimizeEvaluation
    /// Every limit holds.
    public var feasible: Bool
    /// Σ over limits of `OptimizeLimit.violation` (0 when feasible): how the
    /// least-violating point of an infeasible problem is chosen.
    public var violation: Double
    /// Which phase evaluated it: `grid`, `bisect` or `refine`.
    public var phase: String
}

/// The answer: every evaluated point, the optimum (the best feasible point,
/// or the least-violating one when none is feasible) and the limit that
/// binds at it (the one the nearest explored point beyond it violates).
public struct OptimizeResult: Sendable {
    public var problem: OptimizeProblem
    public var points: [OptimizePoint]
    /// Index into `points` of the answer.
    public var optimumIndex: Int
    /// False when no evaluated point met every limit: `optimum` is then the least-violating point.
    public var feasible: Bool
    /// Index into `problem.limits` of the binding limit, if one binds.
    public var bindingLimit: Int?

    /// The answer point (`points[optimumIndex]`).
    public var optimum: OptimizePoint { points[optimumIndex] }
}

/// The search of `yieldstack optimize`, independent of how a point is
/// evaluated (tests pass closed forms, the CLI runs the engine).
///
/// Every evaluation of the engine runs on the scenario's seed and paths
/// (common random numbers), so the metrics are deterministic functions of the
/// varied values and a finite search on them is meaningful.
///
/// - 1 axis: a grid of `grid1D` (9) equally spaced points on [lo, hi]. If
///   the best feasible grid point has an infeasible neighbour whose objective
///   is at least as good (or null) — the objective rises toward a limit, the
///   usual "largest LTV with P(liq) ≤ x" — the boundary between them is
///   bisected (bracket [feasible, infeasible], evaluate the midpoint, keep the
///   half that still brackets) until the bracket is at most
///   tol = `relativeTolerance` × (hi − lo) wide; the answer is the feasible
///   end, within tol of the boundary. Otherwise the grid point is refined as
///   below.
/// - 2–3 axes (and a 1-axis optimum away from any limit): a grid of
///   `gridND` (5) points per axis, then refinement rounds around the best
///   feasible point x: with step hᵢ (first half the grid step), evaluate the
///   3ᵈ − 1 points x + hᵢ·{−1, 0, 1} (clamped into the box), move x to the
///   best feasible one, halve h; stop after the round whose every hᵢ ≤ tolᵢ.
///   The steps sum to the grid step, so the whole grid cell around x is
///   reachable, and the answer is within tolᵢ of the best point the rounds
///   can tell apart.
/// - No feasible point: the least-violating point (Σ violations) is the
///   answer, with `feasible = false`; refinement then moves toward less
///   violation instead of a better objective.
/// Points are evaluated once each (a repeat is answered from memory).
public enum Optimizer {
    /// Tolerance as a share of each axis range: 1e-3 (SPEC §3).
    public static let relativeTolerance = 1e-3
    /// Grid points on a single axis: step (hi − lo)/8, so 7 bisections reach 1e-3.
    public static let grid1D = 9
    /// Grid points per axis with 2–3 axes: 25 or 125 runs before refinement.
    public static let gridND = 5

    /// Runs the search; `evaluate` is called once per distinct point, in
    /// order, and may throw to stop the search (a variant that fails).
    public static func search<E: Error>(_ problem: OptimizeProblem,
                                        evaluate: ([Double]) throws(E) -> OptimizeEvaluation) throws(E) -> OptimizeResult {
        var state = SearchState(problem: problem)
        let axes = problem.axes
        let d = axes.count
        let n = d == 1 ? grid1D : gridND
        // Grid, first axis slowest.
        var grid: [[Double]] = [[]]
        for a in axes {
            let values = (0..<n).map { i in i == n - 1 ? a.hi : a.lo + a.width * Double(i) / Double(n - 1) }
            grid = grid.flatMap { p in values.map { p + [$0] } }
        }
        var gridIndex: [Int] = []
        for p in grid { gridIndex.append(try state.point(p, phase: "grid", evaluate)) }
        var best = state.bestIndex()
        let tol = axes.map { $0.width * relativeTolerance }

        var bisected = false
        if d == 1, state.anyFeasible {
            // Grid position of the best feasible point, and its neighbours.
            let pos = gridIndex.firstIndex(of: best)!
            // Bisect toward an infeasible neighbour when the objective rises
            // toward it: b beats its other neighbour, or b is at a range end.
            let score = { (i: Int) in problem.objective.score(state.points[gridIndex[i]].evaluation.objective) }
            var candidates: [Int] = []
            for (q, other) in [(pos + 1, pos - 1), (pos - 1, pos + 1)] where q >= 0 && q < n {
                let neighbour = state.points[gridIndex[q]]
                let rising = other < 0 || other >= n || !state.points[gridIndex[other]].feasible || score(pos) >= score(other)
                if !neighbour.feasible, rising { candidates.append(gridIndex[q]) }
            }
            if let beyond = candidates.first {
                var good = state.points[best].values[0]
                var bad = state.points[beyond].values[0]
                while abs(bad - good) > tol[0] {
                    let mid = (good + bad) / 2
                    let i = try state.point([mid], phase: "bisect", evaluate)
                    if state.points[i].feasible { good = mid } else { bad = mid }
                }
                best = state.bestIndex()
                bisected = true
            }
        }
        if !bisected {
            var step = axes.map { $0.width / Double(n - 1) / 2 }
            var x = state.points[best].values
            while true {
                var offsets: [[Double]] = [[]]
                for _ in 0..<d { offsets = offsets.flatMap { o in [-1.0, 0, 1].map { o + [$0] } } }
                for o in offsets where o.contains(where: { $0 != 0 }) {
                    let p = (0..<d).map { min(axes[$0].hi, max(axes[$0].lo, x[$0] + o[$0] * step[$0])) }
                    _ = try state.point(p, phase: "refine", evaluate)
                }
                best = state.bestIndex()
                x = state.points[best].values
                if zip(step, tol).allSatisfy({ $0 <= $1 }) { break }
                step = step.map { $0 / 2 }
            }
        }
        best = state.bestIndex()
        return OptimizeResult(problem: problem, points: state.points, optimumIndex: best,
                              feasible: state.points[best].feasible, bindingLimit: state.bindingLimit(at: best, tolerance: tol))
    }

    struct SearchState {
        let problem: OptimizeProblem
        var points: [OptimizePoint] = []
        var seen: [[Double]: Int] = [:]

        var anyFeasible: Bool { points.contains { $0.feasible } }

        mutating func point<E: Error>(_ values: [Double], phase: String,
                                      _ evaluate: ([Double]) throws(E) -> OptimizeEvaluation) throws(E) -> Int {
            if let i = seen[values] { return i }
            let e = try evaluate(values)
            let violations = zip(problem.limits, e.limitValues).map { $0.violation($1) }
            let feasible = zip(problem.limits, e.limitValues).allSatisfy { $0.holds($1) }
            points.append(OptimizePoint(index: points.count, values: values, evaluation: e, feasible: feasible,
                                        violation: feasible ? 0 : violations.reduce(0, +), phase: phase))
            seen[values] = points.count - 1
            return points.count - 1
        }

        /// The best feasible point by score (earliest on ties), else the least violating.
        func bestIndex() -> Int {
            var best: Int?
            for p in points {
                guard let b = best else { best = p.index; continue }
                let q = points[b]
                if p.feasible != q.feasible {
                    if p.feasible { best = p.index }
                } else if p.feasible {
                    if problem.objective.score(p.evaluation.objective) > problem.objective.score(q.evaluation.objective) { best = p.index }
                } else if p.violation < q.violation
                            || (p.violation == q.violation && problem.objective.score(p.evaluation.objective) > problem.objective.score(q.evaluation.objective)) {
                    best = p.index
                }
            }
            return best!
        }

        /// The limit violated by the nearest infeasible explored point within
        /// 4 tolerances of the optimum (a bisection ends with one within 1):
        /// what stops the search going further. Nil when no limit binds.
        func bindingLimit(at best: Int, tolerance: [Double]) -> Int? {
            let b = points[best]
            guard b.feasible else { return nil }
            var nearest: (distance: Double, point: OptimizePoint)?
            for p in points where !p.feasible {
                let distance = zip(zip(p.values, b.values), tolerance).map { abs($0.0 - $0.1) / $1 }.max() ?? 0
                if distance <= 4, nearest == nil || distance < nearest!.distance { nearest = (distance, p) }
            }
            guard let p = nearest?.point else { return nil }
            return zip(problem.limits, p.evaluation.limitValues).enumerated().first { !$0.element.0.holds($0.element.1) }?.offset
        }
    }
}
