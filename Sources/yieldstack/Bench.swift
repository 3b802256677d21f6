import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Bench: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure simulation speed: path-days and layer-days per second, each phase of a run, peak memory; or two builds side by side.",
            discussion: """
            Build with -c release for meaningful numbers. Runs into a temporary database. \
            Each phase is reported in seconds and in nanoseconds per path-day (seconds × 1e9 / (paths × days)); \
            peak RSS is this process's largest resident set size over the whole bench.

            --compare OLD NEW runs `OLD run FILE ...` and `NEW run FILE ...` as child processes, \
            alternately (A B A B ...) --repeat times each, and reports each build's best wall and CPU \
            time, median CPU time and peak RSS, and the ratios B/A. --store-paths is passed on only if \
            given. If a run fails, bench prints its command and standard error and exits with its status.
            """)

        static let defaultFile = "scenarios/steth-aave-curve.json"
        static let defaultStorePaths = 100

        @Argument(help: "Scenario to run (default: \(defaultFile)).", completion: .file(extensions: ["json"]))
        var file: String?

        @Option(parsing: .unconditional, help: "Market paths.")
        var paths = 10_000

        @Option(parsing: .unconditional, help: "Worker threads (default: one per core).")
        var threads: Int?

        @Option(name: .customLong("repeat"), parsing: .unconditional, help: "Repetitions; the best time of each phase is reported (with --compare: runs of each build).")
        var repetitions = 3

        @Option(name: .customLong("store-paths"), parsing: .unconditional, help: "Paths whose daily rows are stored (default: \(defaultStorePaths)).")
        var storePaths: Int?

        @Option(parsing: .upToNextOption,
                help: ArgumentHelp("Two yieldstack executables, the old build then the new, to run side by side.", valueName: "binary"),
                completion: .file())
        var compare: [String] = []

        /// The scenario: the argument, or with `--compare A B FILE` the third
        /// value (`--compare` takes every word up to the next option).
        var scenarioFile: String {
            file ?? (compare.count == 3 ? compare[2] : Self.defaultFile)
        }

        func validate() throws {
            if !(1...1_000_000).contains(paths) { throw ValidationError("--paths must be between 1 and 1000000, got \(paths).") }
            if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256, got \(threads).") }
            if let storePaths, storePaths < 1 { throw ValidationError("--store-paths must be at least 1, got \(storePaths).") }
            if repetitions < 1 { throw ValidationError("--repeat must be at least 1.") }
            if !compare.isEmpty {
                if compare.count != 2 && !(compare.count == 3 && file == nil) {
                    throw ValidationError("--compare takes two executables, the old build then the new, got \(compare.count): \(compare.joined(separator: " ")).")
                }
                for binary in compare.prefix(2) {
                    var isDirectory: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: binary, isDirectory: &isDirectory) else {
                        throw ValidationError("--compare: \(binary): no such file.")
                    }
                    if isDirectory.boolValue { throw ValidationError("--compare: \(binary) is a folder, not an executable.") }
                    if !FileManager.default.isExecutableFile(atPath: binary) { throw ValidationError("--compare: \(binary) is not executable.") }
                }
            }
        }

        func run() throws {
            let file = scenarioFile
            var loaded: LoadedScenario
            do {
                loaded = try ScenarioLoader.load(path: file)
            } catch {
                throw Terminal.fail(error)
            }
            if let exceeded = SimulationLimits.check(scenario: loaded.scenario, file: file, options: SimulationOptions(paths: paths)) {
                Terminal.error(exceeded.description)
                throw ExitCode(exceeded.exitCode)
            }
            loaded.scenario.paths = paths
            let scenario = loaded.scenario
            let threadCount = threads ?? SimulationOptions.defaultThreads
            let dir = NSTemporaryDirectory() + "yieldstack-bench-\(ProcessInfo.processInfo.processIdentifier)"
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            if !compare.isEmpty {
                try runComparison(file: file, scenario: scenario, threads: threadCount, directory: dir)
                return
            }
            let storePaths = self.storePaths ?? Self.defaultStorePaths
            let options = SimulationOptions(threads: threadCount, storePaths: storePaths)

            func time(_ body: () throws -> Void) rethrows -> Double {
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            var best: [String: Double] = [:]
            func keep(_ name: String, _ t: Double) { best[name] = min(best[name] ?? .infinity, t) }

            for i in 0..<repetitions {
                keep("market generation", time { _ = BenchmarkPhases.generateMarkets(scenario, threads: threadCount) })
                var result: SimulationResult?
                do {
                    try keep("simulation (market + engine)", time { result = try Simulation.run(scenario, options: options) })
                } catch {
                    throw Terminal.fail(.engine(error as! EngineFault))
                }
                var summaries: [StrategySummary] = []
                keep("risk statistics", time { summaries = RunPipeline.summarise(result!) })
                let store = try ResultStore(path: dir + "/bench-\(i).sqlite")
                let metadata = RunMetadata(scenarioFile: file, scenarioJSON: loaded.text, scenarioSHA256: loaded.sha256,
                                           storedPaths: storePaths, startedAt: "bench", finishedAt: "bench")
                var id: Int64 = 0
                try keep("database write", time { id = try store.save(result!, summaries: summaries, metadata: metadata) })
                var stored: StoredRun?
                try keep("database read + report", time {
                    stored = try store.load(run: id)
                    _ = ReportRenderer(run: stored!, databasePath: store.path).render()
                })
                try keep("end to end (run command)", time {
                    let s = try ResultStore(path: dir + "/e2e-\(i).sqlite")
                    _ = try RunPipeline.run(loaded, options: options, store: s, reportDirectory: dir, now: { "bench" })
                })
            }
            let pathDays = Double(scenario.paths * scenario.days)
            let layerDays = Double(BenchmarkPhases.layerDays(scenario))
            let sim = best["simulation (market + engine)"]!
            print("yieldstack bench — \(file): \(scenario.paths) paths × \(scenario.days) days, \(scenario.strategies.count) strategies, "
                  + "\(scenario.strategies.map(\.layers.count).reduce(0, +)) layers, \(threadCount) thread\(threadCount == 1 ? "" : "s"), best of \(repetitions)")
            let order = ["market generation", "simulation (market + engine)", "risk statistics", "database write",
                         "database read + report", "end to end (run command)"]
            var rows = [["phase", "seconds", "ns / path-day"]]
            for name in order {
                let ns = BenchFigures.nanosecondsPerPathDay(seconds: best[name]!, paths: scenario.paths, days: scenario.days)
                rows.append([name, Format.fixed(best[name]!, 3), Format.grouped(ns, 1)])
            }
            print(Terminal.table(rows))
            let engine = max(sim - best["market generation"]!, 1e-9)
            print("simulation: \(Format.grouped(pathDays / sim / 1e6, 1)) million path-days/s, \(Format.grouped(layerDays / sim / 1e6, 1)) million layer-days/s")
            print("engine alone (simulation − market generation): \(Format.grouped(layerDays / engine / 1e6, 1)) million layer-days/s")
            if let peak = ProcessMemory.peakResidentBytes() {
                print("peak RSS: \(Format.grouped(ProcessMemory.mebibytes(peak), 1)) MiB "
                      + "(\(Format.grouped(BenchFigures.mebibytesPerThousandPaths(bytes: peak, paths: scenario.paths), 1)) MiB per 1,000 paths)")
            }
        }

        /// `--compare`: both builds' `run` as child processes, alternated;
        /// this process only loads the scenario (for the header and the
        /// path-day limit), so its own memory stays out of the children's peaks.
        func runComparison(file: String, scenario: Scenario, threads: Int, directory: String) throws {
            var comparison = BenchComparison(
                a: .init(label: "A", path: compare[0]), b: .init(label: "B", path: compare[1]),
                workload: .init(file: file, paths: paths, threads: threads, storePaths: storePaths))
            try comparison.measure(repetitions: repetitions, directory: directory)
            print("yieldstack bench --compare — \(file): \(scenario.paths) paths × \(scenario.days) days, "
                  + "\(threads) thread\(threads == 1 ? "" : "s"), \(repetitions) run\(repetitions == 1 ? "" : "s") of each, alternated A B")
            print(comparison.table())
            print(comparison.ratios())
        }
    }
}
