import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the grid of variants of a scenario, one stored run each, and write a sweep report.",
            discussion: """
            Key paths are written as in error messages, e.g. \
            --set strategies[0].layers[1].target_ltv=0.5,0.6,0.7 --set strategies[0].layers[1].oracle=market,underlying \
            runs 6 variants. Values are JSON; unquoted words are strings.
            """)

        @Argument(help: "Scenario file.", completion: .file(extensions: ["json"]))
        var file: String

        @Option(name: .customLong("set"), help: "KEYPATH=v1,v2,... (repeatable).")
        var sets: [String] = []

        @Option(help: "Results database (created if missing).", completion: .file(extensions: ["sqlite", "db"]))
        var db = "reports/yieldstack.sqlite"

        @OptionGroup var simulation: SimulationArguments
        @OptionGroup var output: OutputArguments

        @Option(help: ArgumentHelp("Run only shard K of N (K from 0) of every variant, stored as shard runs for `merge`; no report.",
                                   valueName: "K/N"))
        var shard: String?

        func validate() throws {
            if sets.isEmpty { throw ValidationError("Give at least one --set KEYPATH=v1,v2,...") }
            if let shard, case .failure(let e) = ShardSpec.parse(shard) { throw ValidationError(e.message + ".") }
        }

        func run() throws {
            let base = try simulation.load([file], checkLimits: false)[0]
            var axes: [SweepAxis] = []
            for text in sets {
                switch SweepAxis.parse(text) {
                case .success(let axis): axes.append(axis)
                case .failure(let e):
                    Terminal.error(e.message)
                    throw ExitCode(64)
                }
            }
            let variants: [SweepVariant]
            switch YieldStack.Sweep.variants(of: base, axes: axes) {
            case .success(let v): variants = v
            case .failure(let failure):
                Terminal.error(failure.description)
                throw ExitCode(failure.exitCode)
            }
            // Every variant within the path-day limit before any runs: a
            // `--set days=...` with `--paths` can go past it where the file does not.
            for variant in variants {
                try simulation.checkLimits(variant.loaded.scenario, file: "\(file) (variant \(variant.index + 1): \(variant.label))")
            }
            let store = try Store.open(db)
            if let text = shard, case .success(let spec) = ShardSpec.parse(text) {
                for variant in variants {
                    var loaded = variant.loaded
                    if let paths = simulation.paths { loaded.scenario.paths = paths }
                    let sweep = ShardSweep(file: file, baseJSON: base.text, baseDirectory: ShardCommand.absolute(base.baseDirectory),
                                           sets: sets, variant: variant.index)
                    try ShardCommand.runShard(loaded, spec: spec, simulation: simulation, output: output, store: store, db: db, sweep: sweep)
                }
                return
            }
            var runs: [(variant: SweepVariant, run: StoredRun)] = []
            let bar = ProgressBar(label: "sweep", unit: "variants", afterLast: nil, enabled: ProgressBar.wanted(output))
            defer { bar.finish() }
            for variant in variants {
                var loaded = variant.loaded
                if let paths = simulation.paths { loaded.scenario.paths = paths }
                do {
                    let out = try RunPipeline.run(loaded, options: simulation.options, store: store, reportDirectory: nil, now: Terminal.now)
                    runs.append((variant, out.stored))
                } catch {
                    throw Terminal.fail(error)
                }
                bar.update(runs.count, variants.count)
            }
            bar.finish()
            let report = SweepReport(scenarioName: base.scenario.name, file: file, axes: axes, variants: runs, databasePath: db)
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let path = (output.reportDir as NSString).appendingPathComponent(stem + "-sweep.md")
            try Store.write(report.render(), to: path)
            if output.json {
                print(JSONWriter.write(report.json(reportPath: path)))
            } else if !output.quiet {
                var rows = [["#", "set", "strategy", "run", "APY", "CVaR 95", "liq. prob."]]
                for (v, run) in runs {
                    for s in run.strategies {
                        rows.append(["\(v.index + 1)", v.label, s.name, "\(run.id)", Format.percent(s.metric(.apy) ?? 0),
                                     Format.grouped(s.metric(.cvar95) ?? 0), Format.percent(s.metric(.liquidationProbability) ?? 0)])
                    }
                }
                print(Terminal.table(rows))
                print("sweep report: \(path)  database: \(db)")
            }
        }
    }
}
