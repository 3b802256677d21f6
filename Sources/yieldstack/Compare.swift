import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare strategies of one scenario, or two stored runs, side by side.",
            discussion: """
            yieldstack compare FILE [--strategies a,b]   runs FILE (stored like `run`) and writes \
            reports/<stem>-compare.md: side-by-side figures, head-to-head probabilities on the same \
            paths and, for a flexible and a locked strategy, the extra yield of locking, the loss when \
            a crash comes while locked and the break-even lock APRs.
            yieldstack compare --db PATH RUN_ID RUN_ID   compares two stored runs.
            """)

        @Argument(help: "A scenario file, or (with --db) two run ids.", completion: .file(extensions: ["json"]))
        var inputs: [String]

        @Option(help: "Comma-separated strategy names to compare (default: all).")
        var strategies: String?

        @Option(help: "Results database: read for two run ids; written for a scenario file (default reports/yieldstack.sqlite).",
                completion: .file(extensions: ["sqlite", "db"]))
        var db: String?

        @Option(help: "Write the comparison here instead of the default place (or standard output for two runs).", completion: .file())
        var out: String?

        @OptionGroup var simulation: SimulationArguments
        @OptionGroup var output: OutputArguments

        var runIDs: (Int64, Int64)? {
            guard inputs.count == 2, let a = Int64(inputs[0]), let b = Int64(inputs[1]) else { return nil }
            return (a, b)
        }

        func validate() throws {
            if db != nil, runIDs == nil, !inputs.isEmpty, inputs.allSatisfy({ Int64($0) != nil }) {
                // `compare --db DB 3`: ids, but not two of them (a file named "3" is not what was meant).
                throw ValidationError("compare --db needs two run ids, got \(inputs.count): \(inputs.joined(separator: " ")).")
            }
            if runIDs != nil {
                if db == nil { throw ValidationError("Comparing two runs needs --db PATH.") }
                if strategies != nil { throw ValidationError("--strategies applies to a scenario file, not to two runs.") }
            } else if inputs.count != 1 {
                throw ValidationError("Give one scenario file, or --db PATH and two run ids.")
            }
        }

        func run() throws {
            if let (a, b) = runIDs { try compareRuns(a, b) } else { try compareStrategies(inputs[0]) }
        }

        /// One flexible-versus-locked pair in words whose verb carries the
        /// sign, as the comparison report words it: "extra yield of locking
        /// -0.50 %" and "locked − flexible = -12.00" made the reader do the
        /// sign; a lock that earned less or fell behind now says so.
        static func lockLine(flexible: String, locked: String, extraYield: Double, crashDifference: Double,
                             breakEvenMean: Double?, breakEvenCVaR: Double?, currency: String) -> String {
            let yield = Format.sign(extraYield, 4) < 0
                ? "locking earned \(Format.percent(-extraYield)) a year less on initial value"
                : "locking added \(Format.percent(extraYield)) a year on initial value"
            let sign = Format.sign(crashDifference)
            let crash = sign > 0 ? "on crash paths the locked one is ahead by \(Format.grouped(crashDifference)) \(currency)"
                : sign < 0 ? "on crash paths the locked one is behind by \(Format.grouped(-crashDifference)) \(currency)"
                : "on crash paths no difference"
            return "\(flexible) vs \(locked): \(yield); \(crash); "
                + "break-even lock APR \(breakEvenMean.map { Format.percent($0, 3) } ?? "none") (mean), "
                + "\(breakEvenCVaR.map { Format.percent($0, 3) } ?? "none") (CVaR 95)"
        }

        private func compareRuns(_ a: Int64, _ b: Int64) throws {
            let path = db!
            guard FileManager.default.fileExists(atPath: path) else {
                Terminal.error("\(path): cannot read file: no such file")
                throw ExitCode(74)
            }
            let store = try Store.openReadOnly(path)
            let ids: [Int64]
            do { ids = try store.runIDs() } catch { throw Terminal.fail(.store(error)) }
            for id in [a, b] where !ids.contains(id) {
                Terminal.error("\(path): no run with id \(id); \(store.missingRunNote(ids: ids))")
                throw ExitCode(64)
            }
            let runs: (StoredRun, StoredRun)
            do { runs = (try store.load(run: a), try store.load(run: b)) } catch { throw Terminal.fail(.store(error)) }
            let text = ComparisonReport.render(runs.0, runs.1, databasePath: path)
            if let out { try Store.write(text, to: out) } else { print(text, terminator: "") }
        }

        private func compareStrategies(_ file: String) throws {
            let loaded = try simulation.load([file])[0]
            let names = loaded.scenario.strategies.map(\.name)
            var selected = names
            if let strategies {
                switch StrategySelection.resolve(strategies, names: names, file: file) {
                case .success(let picked): selected = picked
                case .failure(let e):
                    Terminal.error(e.message)
                    throw ExitCode(64)
                }
            }
            let dbPath = db ?? "reports/yieldstack.sqlite"
            let store = try Store.open(dbPath)
            let options = simulation.options
            let runOutput: RunOutput
            let bar = ProgressBar(label: (file as NSString).lastPathComponent, enabled: ProgressBar.wanted(output))
            do {
                defer { bar.finish() }
                runOutput = try RunPipeline.run(loaded, options: options, store: store, reportDirectory: output.reportDir, now: Terminal.now,
                                                progress: { done, total in bar.update(done, total) })
            } catch {
                throw Terminal.fail(error)
            }
            // Each flexible strategy against each locked one among those selected.
            let result = runOutput.result
            var analyses: [LockAnalysis] = []
            let indices = selected.compactMap { n in result.scenario.strategies.firstIndex { $0.name == n } }
            for f in indices where !LockAnalyzer.isLocked(result.scenario.strategies[f]) {
                for l in indices where LockAnalyzer.isLocked(result.scenario.strategies[l]) {
                    do {
                        analyses.append(try LockAnalyzer.analyze(result: result, flexible: f, locked: l, options: options))
                    } catch {
                        throw Terminal.fail(.engine(error))
                    }
                }
            }
            let text = ComparisonReport.render(run: runOutput.stored, strategies: selected, analyses: analyses, databasePath: dbPath)
            let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            let path = out ?? (output.reportDir as NSString).appendingPathComponent(stem + "-compare.md")
            try Store.write(text, to: path)
            if output.json {
                print(JSONWriter.write(JSONBuild.object([
                    ("run_id", .number(Double(runOutput.runID))),
                    ("db", .string(dbPath)),
                    ("report", JSONBuild.string(runOutput.reportPath)),
                    ("comparison_report", .string(path)),
                    ("strategies", JSONBuild.array(selected.map { .string($0) })),
                    ("flexible_vs_locked", JSONBuild.array(analyses.map { a in
                        JSONBuild.object([
                            ("flexible", .string(a.flexible)), ("locked", .string(a.locked)),
                            ("lock_apr", JSONBuild.number(a.lockAPR)), ("extra_yield", JSONBuild.number(a.extraYield)),
                            ("apy_difference", JSONBuild.number(a.apyDifference)),
                            ("crash_paths", .number(Double(a.crashPaths))), ("crash_difference", JSONBuild.number(a.crashDifference)),
                            ("break_even_apr_mean", JSONBuild.number(a.breakEvenMeanAPR)),
                            ("break_even_apr_cvar_95", JSONBuild.number(a.breakEvenCVaRAPR)),
                        ])
                    })),
                ])))
            } else if !output.quiet {
                print(Run.summaryTable(runOutput, db: dbPath), terminator: "")
                for a in analyses {
                    print(Self.lockLine(flexible: a.flexible, locked: a.locked, extraYield: a.extraYield, crashDifference: a.crashDifference,
                                        breakEvenMean: a.breakEvenMeanAPR, breakEvenCVaR: a.breakEvenCVaRAPR, currency: runOutput.stored.currency))
                }
                print("comparison: \(path)")
            }
        }
    }
}
