import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    /// `yieldstack optimize`: the values of 1–3 keys that maximise (or
    /// minimise) a metric of one strategy under limits on others, searched on
    /// common random numbers to 1e-3 of each range (see `Optimizer`).
    struct Optimize: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find the values of up to 3 keys that maximise a metric under risk limits; every evaluated variant is stored as a run.",
            discussion: """
            For example --vary strategies[0].layers[1].target_ltv=0.5..0.79 --maximize apy_p50 \
            --subject-to 'liquidation_probability<=0.01' finds the largest-return LTV at P(liq) ≤ 1 %. \
            A leading '-' minimises (--maximize -cvar_95). Limits: METRIC<=X, >=, <, >. Every point runs on \
            the scenario's seed and paths (common random numbers). An infeasible problem exits 0 with the \
            least-violating point, labelled INFEASIBLE.
            """)

        @Argument(help: "Scenario file.", completion: .file(extensions: ["json"]))
        var file: String

        @Option(name: .customLong("vary"), help: "KEYPATH=LO..HI (1 to 3 times).")
        var vary: [String] = []

        // .unconditional so that `--maximize -cvar_95` takes the minus sign as the value.
        @Option(parsing: .unconditional, help: "Metric to maximise; '-metric' minimises it.")
        var maximize: String?

        @Option(name: .customLong("subject-to"), help: "A limit METRIC<=X, METRIC>=X, METRIC<X or METRIC>X (repeatable).")
        var subjectTo: [String] = []

        @Option(help: "Strategy whose metrics are optimised (default: the first).")
        var strategy: String?

        @Option(help: "Results database (created if missing).", completion: .file(extensions: ["sqlite", "db"]))
        var db = "reports/yieldstack.sqlite"

        @OptionGroup var simulation: SimulationArguments
        @OptionGroup var output: OutputArguments

        func validate() throws {
            if vary.isEmpty { throw ValidationError("Give at least one --vary KEYPATH=LO..HI.") }
            if vary.count > OptimizeProblem.maxAxes { throw ValidationError("At most \(OptimizeProblem.maxAxes) --vary are searched at once, got \(vary.count).") }
            if maximize == nil { throw ValidationError("Give the objective: --maximize METRIC (or -METRIC to minimise).") }
            for text in vary {
                if case .failure(let e) = OptimizeAxis.parse(text) { throw ValidationError(e.message) }
            }
            if case .failure(let e) = OptimizeObjective.parse(maximize!) { throw ValidationError(e.message) }
            for text in subjectTo {
                if case .failure(let e) = OptimizeLimit.parse(text) { throw ValidationError(e.message) }
            }
        }

        func run() throws {
            let base = try simulation.load([file], checkLimits: false)[0]
            let problem: OptimizeProblem
            switch OptimizeProblem.parse(vary: vary, maximize: maximize ?? "", subjectTo: subjectTo, strategy: strategy, scenario: base.scenario) {
            case .success(let p): problem = p
            case .failure(let e):
                Terminal.error(e.message)
                throw ExitCode(64)
            }
            // The path-day limit: the varied keys may include `days`, so check the
            // far corner of the box as well as the file itself.
            for values in [problem.axes.map(\.lo), problem.axes.map(\.hi)] {
                if case .success(let v) = OptimizeRun.variant(of: base, axes: problem.axes, values: values) {
                    try simulation.checkLimits(v.scenario, file: file)
                }
            }
            let store = try Store.open(db)
            let bar = ProgressBar(label: "optimize", unit: "points", afterLast: nil, enabled: ProgressBar.wanted(output))
            defer { bar.finish() }
            let outcome: (result: OptimizeResult, runs: [StoredRun])
            do throws(OptimizeFailure) {
                outcome = try OptimizeRun.run(base: base, problem: problem, options: simulation.options, store: store, now: Terminal.now) { n, _ in
                    // The number of points is not known ahead; the grid is a lower bound.
                    let grid = problem.axes.count == 1 ? Optimizer.grid1D : Int(pow(Double(Optimizer.gridND), Double(problem.axes.count)))
                    bar.update(n, max(n + 1, grid))
                }
            } catch {
                bar.finish()
                Terminal.error(error.description)
                throw ExitCode(error.exitCode)
            }
            bar.finish()
            let report = OptimizeReport(scenarioName: base.scenario.name, file: file, result: outcome.result, runs: outcome.runs, databasePath: db)
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let md = (output.reportDir as NSString).appendingPathComponent(stem + "-optimize.md")
            let html = (output.reportDir as NSString).appendingPathComponent(stem + "-optimize.html")
            try Store.write(report.markdown(), to: md)
            try Store.write(report.html(), to: html)
            if output.json {
                print(JSONWriter.write(report.json(reportPath: md, htmlPath: html)))
            } else if !output.quiet {
                print(report.headline)
                print("\(outcome.result.points.count) points evaluated; optimisation report: \(md)  database: \(db)")
            }
        }
    }
}
