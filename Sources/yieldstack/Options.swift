import ArgumentParser
import Foundation
import YieldStack

/// Simulation knobs shared by `run`, `compare` and `sweep`.
struct SimulationArguments: ParsableArguments {
    @Option(help: "Override the scenario's number of market paths.")
    var paths: Int?

    @Option(help: "Override the scenario's random seed.")
    var seed: UInt64?

    @Option(help: "Worker threads (default: one per core). Results do not depend on it.")
    var threads: Int?

    @Option(name: .customLong("store-paths"), help: "Paths whose daily rows are stored (path 0 always is).")
    var storePaths = 100

    func validate() throws {
        if let paths, !(1...1_000_000).contains(paths) { throw ValidationError("--paths must be between 1 and 1000000, got \(paths).") }
        if let seed, seed > 9_007_199_254_740_991 { throw ValidationError("--seed must be at most 2^53 − 1, got \(seed).") }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be between 1 and 256, got \(threads).") }
        if storePaths < 1 { throw ValidationError("--store-paths must be at least 1, got \(storePaths).") }
    }

    var options: SimulationOptions {
        SimulationOptions(paths: paths, seed: seed, threads: threads ?? SimulationOptions.defaultThreads, storePaths: storePaths)
    }

    /// Loads scenario files, all of them before any runs; prints every
    /// problem and exits 65 (74 for unreadable files) if there is one.
    func load(_ files: [String]) throws -> [LoadedScenario] {
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
        return loaded
    }
}

/// Output options shared by `run`, `compare` and `sweep`.
struct OutputArguments: ParsableArguments {
    @Option(name: .customLong("report-dir"), help: "Folder for the Markdown reports.")
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
