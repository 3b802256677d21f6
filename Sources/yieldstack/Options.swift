import ArgumentParser
import Foundation
import YieldStack

/// Simulation knobs shared by `run`, `compare` and `sweep`.
struct SimulationArguments: ParsableArguments {
    // Numbers are parsed `.unconditional`ly: `--paths -5` takes -5 as the
    // value (and validate() says what is wrong with it) instead of reading
    // it as an option and reporting a missing value.
    @Option(parsing: .unconditional,
            help: "Override the scenario's number of market paths (1 to 1000000; paths × days at most 1,000,000,000, exit 64 if --paths goes past it).")
    var paths: Int?

    // An Int, not a UInt64, so that a negative seed gets validate()'s sentence, not "invalid value".
    @Option(parsing: .unconditional, help: "Override the scenario's random seed (0 to 2^53 − 1).")
    var seed: Int?

    @Option(parsing: .unconditional, help: "Worker threads (default: one per core). Results do not depend on it.")
    var threads: Int?

    @Option(name: .customLong("store-paths"), parsing: .unconditional, help: "Paths whose daily rows are stored (path 0 always is).")
    var storePaths = 100

    func validate() throws {
        if let paths, !(1...1_000_000).contains(paths) { throw ValidationError("--paths must be between 1 and 1000000, got \(paths).") }
        if let seed, !(0...9_007_199_254_740_991).contains(seed) { throw ValidationError("--seed must be between 0 and 2^53 − 1, got \(seed).") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256, got \(threads).") }
        if storePaths < 1 { throw ValidationError("--store-paths must be at least 1, got \(storePaths).") }
    }

    var options: SimulationOptions {
        SimulationOptions(paths: paths, seed: seed.map { UInt64($0) }, threads: threads ?? SimulationOptions.defaultThreads, storePaths: storePaths)
    }

    /// Loads scenario files, all of them before any runs; prints every
    /// problem and exits 65 (74 for unreadable files) if there is one, or 64
    /// if `--paths` takes a file past the path-day limit (the message alone,
    /// without a usage banner). `checkLimits: false` is for a sweep, whose
    /// base file never runs as such: its variants are checked instead.
    func load(_ files: [String], checkLimits: Bool = true) throws -> [LoadedScenario] {
        var loaded: [LoadedScenario] = []
        var failures: [ScenarioError] = []
        var oversized: [SimulationLimits.Exceeded] = []
        for file in files {
            do throws(ScenarioError) {
                var l = try ScenarioLoader.load(path: file)
                if checkLimits, let exceeded = SimulationLimits.check(scenario: l.scenario, file: file, options: options) {
                    oversized.append(exceeded)
                    continue
                }
                if let paths { l.scenario.paths = paths }
                loaded.append(l)
                for w in ScenarioWarnings.replacingPaths(l.warnings, l.scenario, paths: paths, tree: l.tree, file: file) {
                    Terminal.error(w.description)
                }
            } catch {
                failures.append(error)
            }
        }
        if !failures.isEmpty || !oversized.isEmpty {
            for f in failures { Terminal.error(f.description) }
            for e in oversized { Terminal.error(e.description) }
            let unreadable = failures.contains { if case .invalid = $0 { return false } else { return true } }
            throw ExitCode(unreadable ? 74 : !failures.isEmpty ? 65 : oversized.map(\.exitCode).max()!)
        }
        return loaded
    }

    /// Refuses, before anything runs, a scenario (such as a sweep variant)
    /// that the options take past the path-day limit.
    func checkLimits(_ scenario: Scenario, file: String) throws {
        if let exceeded = SimulationLimits.check(scenario: scenario, file: file, options: options) {
            Terminal.error(exceeded.description)
            throw ExitCode(exceeded.exitCode)
        }
    }
}

/// Output options shared by `run`, `compare` and `sweep`.
struct OutputArguments: ParsableArguments {
    @Option(name: .customLong("report-dir"), help: "Folder for the Markdown reports.", completion: .directory)
    var reportDir = "reports"

    @Flag(help: "Print JSON instead of the summary table.")
    var json = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false
}

enum Store {
    static func open(_ path: String) throws -> ResultStore {
        do {
            return try ResultStore(path: path)
        } catch {
            throw Terminal.fail(.store(error))
        }
    }

    /// For commands that only read a database (`report`, `compare --db`).
    static func openReadOnly(_ path: String) throws -> ResultStore {
        do {
            return try ResultStore(readOnlyPath: path)
        } catch {
            throw Terminal.fail(.store(error))
        }
    }

    static func write(_ text: String, to path: String) throws {
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw Terminal.fail(.output(path: path, reason: IOErrorText.describe(error)))
        }
    }
}
