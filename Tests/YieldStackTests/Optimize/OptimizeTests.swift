import Foundation
import Testing
@testable import YieldStack

/// A one-strategy stETH/ETH loop priced in ETH: staking at `apr` (no fee),
/// borrowing at 2 %, liquidation threshold 0.8, market oracle, three loops;
/// stETH trades at 0.9 ETH on day 30 and returns linearly to 1 by day 60.
enum OptimizeFixtures {
    static func loop(days: Int = 90, paths: Int = 1, ratio: String = #"{ "model": "constant", "value": 1.0 }"#,
                     shocks: String = #"{ "day": 30, "asset": "stETH", "ratio": 0.9, "recover_days": 30 }"#) -> String {
        """
        {
          "name": "opt loop", "start": "2025-01-01", "days": \(days), "currency": "ETH", "seed": 3, "paths": \(paths),
          "market": {
            "assets": {
              "ETH": { "price": { "model": "constant", "value": 1 } },
              "stETH": { "peg": { "to": "ETH", "ratio": \(ratio) } }
            },
            "shocks": [ \(shocks) ]
          },
          "strategies": [
            { "name": "loop", "capital": { "asset": "ETH", "amount": 100 },
              "layers": [
                { "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0.04, "protocol_fee": 0 },
                { "id": "aave", "type": "lending", "borrow": "ETH", "max_ltv": 0.79999, "liquidation_threshold": 0.8,
                  "liquidation_bonus": 0.05, "target_ltv": 0.5, "oracle": "market", "borrow_apr": 0.02,
                  "loop": { "via": "lido", "times": 3 } }
              ] }
          ]
        }
        """
    }

    /// The target LTV at which the day-30 health factor is exactly 1.
    ///
    /// Opening at LTV t posts C(1 + t + t² + t³) stETH and owes t times that
    /// (ratio 1 on day 0), so collateral/debt = 1/t whatever the loop count.
    /// Days 0 … 30 accrue 31 times: collateral × (1 + r_s/365)³¹ (rebasing),
    /// debt × (1 + r_b/365)³¹. On day 30 HF = 0.9 × 0.8 × g / t with
    /// g = ((1 + r_s/365)/(1 + r_b/365))³¹, so HF = 1 at t* = 0.72 g. Later
    /// days are safer (the ratio recovers by 0.1/30 a day, far more than the
    /// 2 %/365 the debt gains on the collateral), earlier ones have ratio 1.
    static func boundary(stakingAPR: Double = 0.04, borrowAPR: Double = 0.02) -> Double {
        0.72 * pow((1 + stakingAPR / 365) / (1 + borrowAPR / 365), 31)
    }
}

@Suite("Optimize")
struct OptimizeTests {
    func store() throws -> ResultStore { try ResultStore(path: TestSupport.tempDirectory() + "/o.sqlite") }

    func problem(_ vary: [String], _ maximize: String, _ limits: [String], strategy: String? = nil, scenario: Scenario) throws -> OptimizeProblem {
        try OptimizeProblem.parse(vary: vary, maximize: maximize, subjectTo: limits, strategy: strategy, scenario: scenario).get()
    }

    @Test("1-D: the largest LTV without liquidation is the day-30 HF = 1 boundary 0.72·g (g from 31 days of 4 % staking over 2 % debt), to 1e-3 of the range, from the feasible side")
    func loopBoundary() throws {
        let base = try TestSupport.load(OptimizeFixtures.loop())
        let p = try problem(["strategies[0].layers[1].target_ltv=0.1..0.79"], "final_equity", ["liquidation_probability<=0"], scenario: base.scenario)
        let (result, runs) = try OptimizeRun.run(base: base, problem: p, options: SimulationOptions(), store: try store(), now: { "t" })
        let tStar = OptimizeFixtures.boundary()
        expectClose(tStar, 0.721224, 1e-6, "hand value: 0.72 × (1.000109589/1.000054795)^31")
        let tol = 0.69 * Optimizer.relativeTolerance
        #expect(result.feasible)
        let t = result.optimum.values[0]
        #expect(t <= tStar && tStar - t <= tol, "optimum \(t), boundary \(tStar)")
        #expect(result.bindingLimit == 0)
        #expect(result.optimum.evaluation.limitValues == [0])
        // Every point is a stored run, in evaluation order; the grid comes first.
        #expect(runs.count == result.points.count)
        #expect(result.points.map(\.evaluation.runID) == runs.map(\.id))
        #expect(result.points.prefix(9).allSatisfy { $0.phase == "grid" })
        #expect(result.points.contains { $0.phase == "bisect" })
        // Below the boundary nothing is liquidated, above it everything is.
        for point in result.points {
            #expect(point.feasible == (point.values[0] <= tStar), "t = \(point.values[0])")
        }
        // Final equity rises with the LTV on the feasible side (4 % > 2 %).
        let feasible = result.points.filter(\.feasible).sorted { $0.values[0] < $1.values[0] }
        for (a, b) in zip(feasible, feasible.dropFirst()) {
            #expect((a.evaluation.objective ?? 0) < (b.evaluation.objective ?? 0))
        }
        // The stored variant carries the value in its JSON and its name.
        let stored = runs[result.optimumIndex]
        #expect(stored.scenarioName.hasSuffix("[strategies[0].layers[1].target_ltv=\(JSONWriter.numberText(t))]"))
    }

    /// The objective is the most leverage: the lowest mean of the per-path
    /// minimum health factor. On common random numbers each path's HF is
    /// (ratio × 0.8 × growth)/t until its first liquidation, and the minimum
    /// includes the HF just before it, so the objective is K/t, strictly
    /// rising in t, and the 5 % limit binds. (Mean APY would not do: on these
    /// markets it peaks near LTV 0.694, where P(liq) is still 0; the median
    /// APY falls by a rank whenever a path above it is liquidated.)
    @Test("1-D Monte Carlo: the returned LTV meets P(liq) ≤ 5 % over 200 paths, and an explored LTV at most 1e-3 of the range above it does not")
    func monteCarloBoundary() throws {
        let ratio = #"{ "model": "mean_reverting", "start": 1.0, "mean": 1.0, "speed": 30, "volatility": 0.3 }"#
        let base = try TestSupport.load(OptimizeFixtures.loop(days: 60, paths: 200, ratio: ratio, shocks: ""))
        let p = try problem(["strategies[0].layers[1].target_ltv=0.5..0.79"], "-min_health_factor", ["liquidation_probability<=0.05"], scenario: base.scenario)
        let (result, _) = try OptimizeRun.run(base: base, problem: p, options: SimulationOptions(), store: try store(), now: { "t" })
        #expect(result.feasible)
        let t = result.optimum.values[0]
        let pAt = result.optimum.evaluation.limitValues[0] ?? 1
        #expect(pAt <= 0.05)
        let tol = 0.29 * Optimizer.relativeTolerance
        let above = result.points.filter { $0.values[0] > t && $0.values[0] <= t + tol + 1e-12 }
        #expect(!above.isEmpty, "no explored point just above \(t)")
        #expect(above.allSatisfy { ($0.evaluation.limitValues[0] ?? 0) > 0.05 })
        // Common random numbers: P(liq) never falls as the LTV rises.
        let sorted = result.points.sorted { $0.values[0] < $1.values[0] }
        for (a, b) in zip(sorted, sorted.dropFirst()) {
            #expect((a.evaluation.limitValues[0] ?? 0) <= (b.evaluation.limitValues[0] ?? 0))
        }
        #expect(pAt > 0, "the limit should bind on these markets")
    }

    @Test("2-D on the engine: staking APR in [0, 0.04] and LTV: the optimum is APR 0.04 at the LTV boundary 0.72·g, within 1e-3 of each range")
    func twoDimensionsOnTheEngine() throws {
        let base = try TestSupport.load(OptimizeFixtures.loop())
        let p = try problem(["strategies[0].layers[0].apr=0..0.04", "strategies[0].layers[1].target_ltv=0.1..0.79"], "final_equity",
                            ["liquidation_probability<=0"], scenario: base.scenario)
        let (result, _) = try OptimizeRun.run(base: base, problem: p, options: SimulationOptions(), store: try store(), now: { "t" })
        #expect(result.feasible)
        let x = result.optimum.values
        expectClose(x[0], 0.04, 0.04 * Optimizer.relativeTolerance)
        let tStar = OptimizeFixtures.boundary(stakingAPR: x[0])
        #expect(x[1] <= tStar && tStar - x[1] <= 0.69 * Optimizer.relativeTolerance, "LTV \(x[1]), boundary \(tStar)")
        #expect(result.points.prefix(25).allSatisfy { $0.phase == "grid" })
    }

    @Test("2-D closed form: −(x − 0.3)² − (y − 0.7)² on [0, 1]² peaks at (0.3, 0.7), found to 1e-3; minimising a metric flips the sign")
    func twoDimensionsClosedForm() throws {
        let scenario = try TestSupport.load(OptimizeFixtures.loop()).scenario
        let p = try problem(["a=0..1", "b=0..1"], "final_equity", [], scenario: scenario)
        let r = Optimizer.search(p) { v in OptimizeEvaluation(objective: -pow(v[0] - 0.3, 2) - pow(v[1] - 0.7, 2), limitValues: []) }
        expectClose(r.optimum.values[0], 0.3, 1e-3)
        expectClose(r.optimum.values[1], 0.7, 1e-3)
        #expect(r.bindingLimit == nil)
        let m = try problem(["a=0..1", "b=0..1"], "-cvar_95", [], scenario: scenario)
        let s = Optimizer.search(m) { v in OptimizeEvaluation(objective: pow(v[0] - 0.3, 2) + pow(v[1] - 0.7, 2), limitValues: []) }
        expectClose(s.optimum.values[0], 0.3, 1e-3)
        expectClose(s.optimum.values[1], 0.7, 1e-3)
        // 3-D: a plane under a limit x + y + z ≤ 1, maximising x: (1, 0, 0).
        let q = try problem(["a=0..1", "b=0..1", "c=0..1"], "apy", ["max_drawdown<=1"], scenario: scenario)
        let t = Optimizer.search(q) { v in OptimizeEvaluation(objective: v[0], limitValues: [v[0] + v[1] + v[2]]) }
        expectClose(t.optimum.values[0], 1, 1e-3)
        #expect(t.optimum.feasible)
    }

    @Test("1-D closed form with a limit: maximise x subject to x² ≤ 0.5 on [0, 1] gives √0.5 to 1e-3; infeasible limits return the least-violating point, labelled")
    func closedFormLimit() throws {
        let scenario = try TestSupport.load(OptimizeFixtures.loop()).scenario
        let p = try problem(["a=0..1"], "apy", ["max_drawdown<=0.5"], scenario: scenario)
        let r = Optimizer.search(p) { v in OptimizeEvaluation(objective: v[0], limitValues: [v[0] * v[0]]) }
        #expect(r.feasible)
        #expect(r.optimum.values[0] <= 0.5.squareRoot() && 0.5.squareRoot() - r.optimum.values[0] <= 1e-3)
        #expect(r.bindingLimit == 0)
        // Bisection: 9 grid points and ⌈log2(0.125/0.001)⌉ = 7 midpoints.
        #expect(r.points.count == 9 + 7)
        // x ≥ 2 on [0, 1]: nothing is feasible; x = 1 violates least (by 1).
        let q = try problem(["a=0..1"], "apy", ["max_drawdown>=2"], scenario: scenario)
        let s = Optimizer.search(q) { v in OptimizeEvaluation(objective: -v[0], limitValues: [v[0]]) }
        #expect(!s.feasible)
        expectClose(s.optimum.values[0], 1, 1e-12)
        expectClose(s.optimum.violation, 1, 1e-12)
        #expect(s.bindingLimit == nil)
        // A strict limit: x < 0.5 excludes 0.5 itself.
        let u = try problem(["a=0..1"], "apy", ["max_drawdown<0.5"], scenario: scenario)
        let w = Optimizer.search(u) { v in OptimizeEvaluation(objective: v[0], limitValues: [v[0]]) }
        #expect(w.optimum.values[0] < 0.5 && w.optimum.values[0] >= 0.499)
    }

    @Test("argument errors: unknown metrics with a suggestion, empty or reversed ranges, more than 3 axes, unknown strategies, bad limits")
    func argumentErrors() throws {
        let scenario = try TestSupport.load(OptimizeFixtures.loop()).scenario
        func message(_ vary: [String], _ maximize: String = "apy", _ limits: [String] = [], strategy: String? = nil) -> String {
            switch OptimizeProblem.parse(vary: vary, maximize: maximize, subjectTo: limits, strategy: strategy, scenario: scenario) {
            case .success: return "accepted"
            case .failure(let e): return e.message
            }
        }
        let k = "strategies[0].layers[1].target_ltv"
        #expect(message([k + "=0.1..0.79"], "ap").contains("--maximize: unknown metric 'ap' (did you mean 'apy'?)"))
        #expect(message([k + "=0.1..0.79"], "-cvar95").contains("unknown metric 'cvar95' (did you mean 'cvar_95'?)"))
        #expect(message([k + "=0.1..0.79"], "apy", ["liquidation_probabilty<=0.01"]).contains("(did you mean 'liquidation_probability'?)"))
        #expect(message([k + "=0.1..0.79"], "apy", ["liquidation_probability=0.01"]).contains("expected METRIC<=X"))
        #expect(message([k + "=0.1..0.79"], "apy", ["liquidation_probability<=x"]).contains("the limit must be a number, got 'x'"))
        #expect(message([k + "=0.79..0.1"]).contains("the range must have LO < HI, got 0.79..0.1"))
        #expect(message([k + "=0.5..0.5"]).contains("LO < HI"))
        #expect(message([k + "=0.5"]).contains("expected a range LO..HI"))
        #expect(message(["a..b=0..1"]).contains("is not a key path"))
        #expect(message([]).contains("at least one --vary"))
        #expect(message(["a=0..1", "b=0..1", "c=0..1", "d=0..1"]).contains("at most 3 --vary"))
        #expect(message(["a=0..1", "a=0..2"]).contains("given twice"))
        #expect(message([k + "=0.1..0.79"], strategy: "lop").contains("unknown strategy 'lop' (did you mean 'loop'?)"))
        #expect(message([k + "=0.1..0.79"], "-cvar_95", ["max_drawdown>=0.1", "apy<1"], strategy: "loop") == "accepted")
    }

    @Test("a variant the validator rejects stops the search with exit 65 and its label")
    func invalidVariant() throws {
        let base = try TestSupport.load(OptimizeFixtures.loop())
        // max_ltv is 0.79999: a target LTV above it is invalid.
        let p = try problem(["strategies[0].layers[1].target_ltv=0.5..0.9"], "apy", [], scenario: base.scenario)
        do {
            _ = try OptimizeRun.run(base: base, problem: p, options: SimulationOptions(), store: try store(), now: { "t" })
            Issue.record("accepted")
        } catch let error as OptimizeFailure {
            #expect(error.exitCode == 65)
            #expect(error.description.contains("target_ltv="))
        }
    }
}

@Suite("Optimize report")
struct OptimizeReportTests {
    func result(limits: [String], _ f: @escaping ([Double]) -> OptimizeEvaluation) throws -> OptimizeResult {
        let scenario = try TestSupport.load(OptimizeFixtures.loop()).scenario
        let p = try OptimizeProblem.parse(vary: ["strategies[0].layers[1].target_ltv=0.1..0.79"], maximize: "apy", subjectTo: limits,
                                          strategy: nil, scenario: scenario).get()
        return Optimizer.search(p, evaluate: f)
    }

    @Test("one frontier chart per limit, the limit as a vertical rule at its bound and the optimum marked; one table row per point")
    func chartsAndTable() throws {
        let r = try result(limits: ["liquidation_probability<=0.25", "max_drawdown<=0.5"]) { v in
            OptimizeEvaluation(objective: v[0], limitValues: [v[0] - 0.5, v[0] / 2])
        }
        // x ≤ 0.75 binds (x/2 ≤ 0.5 does not on [0.1, 0.79]).
        #expect(r.optimum.values[0] <= 0.75 && 0.75 - r.optimum.values[0] <= 0.69e-3)
        #expect(r.bindingLimit == 0)
        let report = OptimizeReport(scenarioName: "s", file: "f.json", result: r, runs: [], databasePath: "db")
        let charts = report.charts()
        #expect(charts.map(\.id) == ["chart-optimize-0", "chart-optimize-1"])
        for (chart, bound) in zip(charts, [0.25, 0.5]) {
            let rules = chart.marks.compactMap { mark -> Double? in if case .vRule(_, let x, _, _) = mark { return x } else { return nil } }
            #expect(rules == [bound])
            let best = chart.marks.compactMap { mark -> [ChartPoint]? in if case .points("optimum", let p, _) = mark { return p } else { return nil } }
            #expect(best.first?.count == 1)
        }
        let md = report.markdown()
        #expect(md.components(separatedBy: "\n").filter { $0.hasPrefix("| ") && ($0.contains(" grid ") || $0.contains(" bisect ") || $0.contains(" refine ")) }.count == r.points.count)
        #expect(md.contains("binding limit `liquidation_probability ≤ 0.25`"))
        // Axis values show a tenth of the tolerance (0.69e-3 → 5 decimals).
        #expect(OptimizeReport.axisValue(0.704189453125, OptimizeAxis(path: "x", lo: 0.1, hi: 0.79)) == "0.70419")
        #expect(OptimizeReport.axisValue(0.5, OptimizeAxis(path: "x", lo: 0.1, hi: 0.79)) == "0.5")
        #expect(report.html().contains("<svg"))
    }

    @Test("an infeasible result says so in the headline and marks the least-violating point")
    func infeasible() throws {
        let r = try result(limits: ["apy>=2"]) { v in OptimizeEvaluation(objective: v[0], limitValues: [v[0]]) }
        let report = OptimizeReport(scenarioName: "s", file: "f.json", result: r, runs: [], databasePath: "db")
        #expect(report.headline.hasPrefix("INFEASIBLE: no explored point meets every limit. The least-violating point is strategies[0].layers[1].target_ltv = 0.79"))
        let names = report.charts()[0].marks.compactMap { mark -> String? in if case .points(let n, _, _) = mark { return n } else { return nil } }
        #expect(names.contains("least violating"))
    }
}
