import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate, simulate and store scenarios; write a Markdown report for each.")

        @Argument(help: "Scenario files.")
        var files: [String]

        @Option(help: "Results database (created if missing).")
        var db = "reports/yieldstack.sqlite"

        @Option(name: .customLong("report-dir"), help: "Folder for the Markdown reports (<scenario-file-stem>.md).")
        var reportDir = "reports"

        @Option(help: "Override the scenario's number of market paths.")
        var paths: Int?

        @Option(help: "Override the scenario's random seed.")
        var seed: UInt64?

        @Option(help: "Worker threads (default: one per core). Results do not depend on it.")
        var threads: Int?

        @Option(name: .customLong("store-paths"), help: "Paths whose daily rows are stored (path 0 always is).")
        var storePaths = 100

        @Flag(help: "Print one JSON object per scenario instead of the summary table.")
        var json = false

        @Flag(help: "Print nothing but errors.")
        var quiet = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one scenario file.") }
            if let paths, !(1...1_000_000).contains(paths) { throw ValidationError("--paths must be between 1 and 1000000, got \(paths).") }
            if let seed, seed > 9_007_199_254_740_991 { throw ValidationError("--seed must be at most 2^53 − 1, got \(seed).") }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256, got \(threads).") }
            if storePaths < 1 { throw ValidationError("--store-paths must be at least 1, got \(storePaths).") }
        }

        func run() throws {
            // Check every file before running any, so a typo in the third file
            // does not leave two runs behind.
            var loaded: [LoadedScenario] = []
            var failures: [ScenarioError] = []
            for file in files {
                do {
                    var l = try ScenarioLoader.load(path: file)
                    if let paths { l.scenario.paths = paths }
                    if l.scenario.paths * l.scenario.days > 50_000_000 {
                        throw ValidationError("\(file): \(l.scenario.paths) paths × \(l.scenario.days) days exceeds the limit of 50,000,000 path-days.")
                    }
                    loaded.append(l)
                    for w in l.warnings { Terminal.error(w.description) }
                } catch let e as ScenarioError {
                    failures.append(e)
                }
            }
            if !failures.isEmpty {
                for f in failures { Terminal.error(f.description) }
                let code: Int32 = failures.contains { if case .invalid = $0 { return false } else { return true } } ? 74 : 65
                throw ExitCode(code)
            }

            let store: ResultStore
            do {
                store = try ResultStore(path: db)
            } catch {
                throw Terminal.fail(.store(error))
            }
            let options = SimulationOptions(paths: paths, seed: seed, threads: threads ?? SimulationOptions.defaultThreads, storePaths: storePaths)
            for l in loaded {
                let bar = ProgressBar(label: (l.file as NSString).lastPathComponent, enabled: !quiet && Terminal.stderrIsTerminal)
                let output: RunOutput
                do {
                    output = try RunPipeline.run(l, options: options, store: store, reportDirectory: reportDir, now: Terminal.now,
                                                 progress: { done, total in bar.update(done, total) })
                } catch {
                    bar.finish()
                    throw Terminal.fail(error)
                }
                bar.finish()
                if json {
                    print(JSONWriter.write(output.json))
                } else if !quiet {
                    print(summaryTable(output))
                }
            }
        }

        func summaryTable(_ output: RunOutput) -> String {
            let run = output.stored
            var rows = [["strategy", "final equity", "return", "APY", "max drawdown", "VaR 95", "liq. prob.", "min HF"]]
            for s in run.strategies {
                rows.append([
                    s.name,
                    "\(Format.grouped(s.metric("final_equity") ?? 0)) \(run.currency)",
                    Format.percent(s.metric("total_return") ?? 0),
                    Format.percent(s.metric("apy") ?? 0),
                    Format.percent(s.metric("max_drawdown") ?? 0),
                    Format.grouped(s.metric("var_95") ?? 0),
                    Format.percent(s.metric("liquidation_probability") ?? 0),
                    s.metric("min_health_factor").map { Format.fixed($0, 3) } ?? "—",
                ])
            }
            let head = "\(run.scenarioName) — run \(run.id), \(Format.grouped(Double(run.paths), 0)) path\(run.paths == 1 ? "" : "s"), \(run.days) days from \(run.start), seed \(run.seed)"
            return head + "\n" + Terminal.table(rows) + "\nreport: \(output.reportPath ?? "-")  database: \(db)\n"
        }
    }
}

/// A progress bar on standard error, shown only on a terminal and only once
/// a run has taken more than a second.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var shown = false
    private let lock = NSLock()

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled
    }

    func update(_ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        guard shown || Date().timeIntervalSince(start) > 1 else { return }
        shown = true
        let width = 30
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(total > 0 ? 100 * done / total : 100) %".utf8))
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }
}
