import Foundation

/// Why an optimisation stopped: a variant the validator rejects (exit 65 or
/// 74, as for `sweep`), or a run that failed (its own exit status).
public enum OptimizeFailure: Error, Sendable, CustomStringConvertible {
    case variant(SweepFailure)
    case run(RunFailure)

    /// 65 invalid variant, 74 unreadable data, or the run's own status.
    public var exitCode: Int32 {
        switch self {
        case .variant(let f): return f.exitCode
        case .run(let f): return f.exitCode
        }
    }

    public var description: String {
        switch self {
        case .variant(let f): return f.description
        case .run(let f): return f.description
        }
    }
}

/// Runs `Optimizer.search` on the engine: each point is a variant of the
/// base scenario built exactly as a `sweep` variant (`Sweep.variants` with
/// one value per axis: the JSON rewritten at the key paths, renamed
/// `name [path=value, …]`, then loaded and validated again), run through
/// `RunPipeline.run` on the scenario's seed and paths (or the options'
/// overrides, the same for every point: common random numbers) and stored as
/// a run. No per-variant report is written: the optimisation report stands
/// for them, and each run can be rendered later with `yieldstack report`.
public enum OptimizeRun {
    /// The variant of `base` at `values` (one per axis), validated.
    public static func variant(of base: LoadedScenario, axes: [OptimizeAxis], values: [Double]) -> Result<LoadedScenario, SweepFailure> {
        let sweepAxes = zip(axes, values).map { SweepAxis(path: $0.path, values: [.number($1)]) }
        return Sweep.variants(of: base, axes: sweepAxes).map { $0[0].loaded }
    }

    /// Searches, storing every evaluated variant in `store`; `progress` is
    /// told the number of points evaluated so far and the last one's values.
    public static func run(base: LoadedScenario, problem: OptimizeProblem, options: SimulationOptions, store: ResultStore,
                           now: () -> String, progress: ((Int, [Double]) -> Void)? = nil) throws(OptimizeFailure) -> (result: OptimizeResult, runs: [StoredRun]) {
        var runs: [StoredRun] = []
        let result = try Optimizer.search(problem) { (values: [Double]) throws(OptimizeFailure) -> OptimizeEvaluation in
            let loaded: LoadedScenario
            switch variant(of: base, axes: problem.axes, values: values) {
            case .success(let l): loaded = l
            case .failure(let f): throw .variant(f)
            }
            let out: RunOutput
            do throws(RunFailure) {
                out = try RunPipeline.run(loaded, options: options, store: store, reportDirectory: nil, now: now)
            } catch {
                throw .run(error)
            }
            runs.append(out.stored)
            let s = out.stored.strategies[problem.strategyIndex]
            let e = OptimizeEvaluation(objective: s.metric(problem.objective.metric),
                                       limitValues: problem.limits.map { s.metric($0.metric) }, runID: out.runID)
            progress?(runs.count, values)
            return e
        }
        return (result, runs)
    }
}
