import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate, simulate and store scenarios; write a Markdown report for each.",
            discussion: """
            A run may simulate at most 1,000,000,000 path-days (paths × days), and no more than its \
            memory estimate allows (exit 65 naming the estimate). A file that asks for more \
            is an invalid scenario (exit 65); a file that --paths takes past it is a usage error \
            (exit 64), refused before anything runs, with the largest --paths that fits. \
            Warnings (a rate above 100 %, several paths that are all identical) go to standard error \
            and do not stop the run: every path asked for is run.
            """)

        @Argument(help: "Scenario files.", completion: .file(extensions: ["json"]))
        var files: [String]

        @Option(help: "Results database (created if missing).", completion: .file(extensions: ["sqlite", "db"]))
        var db = "reports/yieldstack.sqlite"

        @OptionGroup var simulation: SimulationArguments
        @OptionGroup var output: OutputArguments

        @Option(help: ArgumentHelp("Run only shard K of N (K from 0): paths ⌊K·P/N⌋ ..< ⌊(K+1)·P/N⌋, stored as a shard run for `merge`; no report.",
                                   valueName: "K/N"))
        var shard: String?

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one scenario file.") }
            if let shard {
                if case .failure(let e) = ShardSpec.parse(shard) { throw ValidationError(e.message + ".") }
                if files.count > 1 { throw ValidationError("--shard runs one scenario file at a time, got \(files.count).") }
            }
        }

        func run() throws {
            // Check every file before running any, so a typo in the third file
            // does not leave two runs behind.
            let loaded = try simulation.load(files)
            let store = try Store.open(db)
            if let text = shard, case .success(let spec) = ShardSpec.parse(text) {
                try ShardCommand.runShard(loaded[0], spec: spec, simulation: simulation, output: output, store: store, db: db)
                return
            }
            for l in loaded {
                let output = try runOne(l, store: store)
                if self.output.json {
                    print(JSONWriter.write(output.json))
                } else if !self.output.quiet {
                    print(Self.summaryTable(output, db: db))
                }
            }
        }

        func runOne(_ l: LoadedScenario, store: ResultStore) throws -> RunOutput {
            let bar = ProgressBar(label: (l.file as NSString).lastPathComponent, enabled: ProgressBar.wanted(output))
            defer { bar.finish() }
            do {
                return try RunPipeline.run(l, options: simulation.options, store: store, reportDirectory: output.reportDir, now: Terminal.now,
                                           progress: { done, total in bar.update(done, total) },
                                           rendering: { bar.phase(.rendering) })
            } catch {
                bar.finish()
                // The run is stored though its report is not: --json still prints it.
                if output.json, case .reportNotWritten(_, _, _, let partial) = error { print(JSONWriter.write(partial.json)) }
                throw Terminal.fail(error)
            }
        }

        static func summaryTable(_ output: RunOutput, db: String) -> String {
            let run = output.stored
            var rows = [["strategy", "final equity", "return", "APY", "max drawdown", "VaR 95", "liq. prob.", "min HF"]]
            for s in run.strategies {
                rows.append([
                    s.name,
                    "\(Format.grouped(s.metric(.finalEquity) ?? 0)) \(run.currency)",
                    Format.percent(s.metric(.totalReturn) ?? 0),
                    Format.percent(s.metric(.apy) ?? 0),
                    Format.percent(s.metric(.maxDrawdown) ?? 0),
                    Format.grouped(s.metric(.var95) ?? 0),
                    Format.percent(s.metric(.liquidationProbability) ?? 0),
                    s.metric(.minHealthFactor).map { Format.fixed($0, 3) } ?? "—",
                ])
            }
            let head = "\(run.scenarioName) — run \(run.id), \(Format.grouped(Double(run.paths), 0)) path\(run.paths == 1 ? "" : "s"), \(run.days) days from \(run.start), seed \(run.seed)"
            return head + "\n" + Terminal.table(rows) + "\nreport: \(output.reportPath ?? "-")  database: \(db)\n"
        }
    }
}
