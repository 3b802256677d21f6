import Foundation

/// What `yieldstack run` produced for one scenario file.
public struct RunOutput: Sendable {
    public var runID: Int64
    public var stored: StoredRun
    public var reportPath: String?
    /// The HTML report written beside the Markdown one (`<stem>.html`).
    public var htmlReportPath: String? = nil
    public var report: String
    public var json: JSONValue
    /// The simulation itself, for callers that analyse further (`compare`).
    public var result: SimulationResult
}

/// Any failure of a run, with the exit status the CLI reports it with.
public enum RunFailure: Error, Sendable, CustomStringConvertible {
    case scenario(ScenarioError)
    case store(StoreError)
    case engine(EngineFault)
    case output(path: String, reason: String)
    /// The run is stored but its report could not be written (h-store):
    /// `output` carries the run (its `json` has `"report": null` and an
    /// `"error"`), so `--json` still prints it.
    case reportNotWritten(path: String, reason: String, databasePath: String, output: RunOutput)

    /// sysexits: 65 invalid scenario, 74 input/output, 70 internal error.
    public var exitCode: Int32 {
        switch self {
        case .scenario(.invalid): return 65
        case .scenario(.unreadable), .scenario(.unreadableData): return 74
        case .store, .output, .reportNotWritten: return 74
        case .engine: return 70
        }
    }

    public var description: String {
        switch self {
        case .scenario(let e): return e.description
        case .store(let e): return e.description
        case .engine(let e): return e.description
        case .output(let path, let reason): return "\(path): cannot write: \(reason)"
        case .reportNotWritten(let path, let reason, let db, let output):
            return """
                \(path): cannot write the report: \(reason). Run \(output.runID) is stored in \(db); \
                render its report again with `yieldstack report --db \(db) --run \(output.runID) --out \(path)`
                """
        }
    }
}

/// The whole of a run: simulate, summarise, store in one transaction, then
/// render the report and `--json` from what was stored.
public enum RunPipeline {
    /// `now` supplies timestamps for the `runs` row; the library reads no clock itself.
    public static func run(_ loaded: LoadedScenario, options: SimulationOptions, store: ResultStore,
                           reportDirectory: String?, reportName: String? = nil, now: () -> String,
                           progress: (@Sendable (Int, Int) -> Void)? = nil,
                           rendering: (@Sendable () -> Void)? = nil) throws(RunFailure) -> RunOutput {
        // h-store: fail before a long simulation, not after, when its outputs cannot be written.
        do {
            try store.checkWritable()
        } catch {
            throw .store(error)
        }
        if let dir = reportDirectory, let reason = IOErrorText.unwritableReason(directory: dir) {
            throw .output(path: dir, reason: "the report folder cannot take files: \(reason)")
        }
        let started = now()
        let result: SimulationResult
        do {
            result = try Simulation.run(loaded.scenario, options: options, progress: progress)
        } catch {
            throw .engine(error)
        }
        return try finish(result, loaded: loaded, storePaths: options.storePaths, store: store, reportDirectory: reportDirectory,
                          reportName: reportName, started: started, now: now, rendering: rendering)
    }

    /// The tail of a run once its paths are simulated (by `run`, or joined
    /// from shards by `merge`): summarise, store, render. The same code for
    /// both is what makes a merged run identical to an unsharded one.
    public static func finish(_ result: SimulationResult, loaded: LoadedScenario, storePaths: Int, store: ResultStore,
                              reportDirectory: String?, reportName: String? = nil, started: String, now: () -> String,
                              rendering: (@Sendable () -> Void)? = nil) throws(RunFailure) -> RunOutput {
        let summaries = summarise(result)
        let metadata = RunMetadata(scenarioFile: loaded.file, scenarioJSON: loaded.text, scenarioSHA256: loaded.sha256,
                                   storedPaths: min(storePaths, result.scenario.paths), startedAt: started, finishedAt: now())
        let stored: StoredRun
        let runID: Int64
        do {
            runID = try store.save(result, summaries: summaries, metadata: metadata)
            stored = try store.load(run: runID)
        } catch {
            throw .store(error)
        }
        rendering?()
        let report = ReportRenderer(run: stored, databasePath: store.path).render()
        var reportPath: String?
        var htmlReportPath: String?
        if let dir = reportDirectory {
            let stem = reportName ?? ((loaded.file as NSString).lastPathComponent as NSString).deletingPathExtension
            let path = (dir as NSString).appendingPathComponent(stem + ".md")
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try report.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                // h-store: the run is committed; say so, and keep its JSON for --json.
                let reason = IOErrorText.describe(error)
                var json = RunJSON.document(run: stored, databasePath: store.path, reportPath: nil)
                if case .object(var members) = json {
                    members.append(JSONMember(key: "error", node: JSONNode(.string("\(path): cannot write the report: \(reason)"))))
                    json = .object(members)
                }
                let output = RunOutput(runID: runID, stored: stored, reportPath: nil, report: report, json: json, result: result)
                throw .reportNotWritten(path: path, reason: reason, databasePath: store.path, output: output)
            }
            reportPath = path
            // The HTML report, from the same stored run (SPEC §4).
            let htmlPath = (dir as NSString).appendingPathComponent(stem + ".html")
            do {
                try HTMLReportRenderer(run: stored, databasePath: store.path).render().write(toFile: htmlPath, atomically: true, encoding: .utf8)
            } catch {
                throw .output(path: htmlPath, reason: (error as NSError).localizedDescription)
            }
            htmlReportPath = htmlPath
        }
        let json = RunJSON.document(run: stored, databasePath: store.path, reportPath: reportPath)
        return RunOutput(runID: runID, stored: stored, reportPath: reportPath, htmlReportPath: htmlReportPath, report: report, json: json, result: result)
    }

    /// One shard of a run (`run --shard K/N`, or one variant of `sweep
    /// --shard`): simulates paths ⌊K·P/N⌋ ..< ⌊(K+1)·P/N⌋ and stores them,
    /// with the manifest `merge` checks, as a shard run of `store`. Nothing
    /// is summarised or reported: a slice of paths is not a run.
    public static func runShard(_ loaded: LoadedScenario, shard: ShardSpec, options: SimulationOptions, store: ResultStore,
                                sweep: ShardSweep? = nil, now: () -> String,
                                progress: (@Sendable (Int, Int) -> Void)? = nil) throws(RunFailure) -> (id: Int64, range: Range<Int>) {
        do {
            try store.checkWritable()
        } catch {
            throw .store(error)
        }
        var options = options
        let paths = options.paths ?? loaded.scenario.paths
        let seed = options.seed ?? loaded.scenario.seed
        let range = shard.range(paths: paths)
        options.pathRange = range
        let started = now()
        let result: SimulationResult
        do {
            result = try Simulation.run(loaded.scenario, options: options, progress: progress)
        } catch {
            throw .engine(error)
        }
        let base = loaded.baseDirectory.hasPrefix("/") ? loaded.baseDirectory
            : FileManager.default.currentDirectoryPath + "/" + loaded.baseDirectory
        let manifest = ShardManifest(file: store.path, runID: 0, scenarioName: loaded.scenario.name, scenarioSHA256: loaded.sha256,
                                     seed: seed, paths: paths, toolVersion: YieldStackVersion.current, shard: shard, range: range)
        let record = ShardRunRecord(manifest: manifest, scenarioFile: loaded.file, scenarioJSON: loaded.text,
                                    baseDirectory: (base as NSString).standardizingPath, days: loaded.scenario.days,
                                    storedPaths: options.storePaths, startedAt: started, finishedAt: now(), sweep: sweep)
        do {
            return (try store.saveShard(result, record: record), range)
        } catch {
            throw .store(error)
        }
    }

    /// Risk summaries of every strategy of a result.
    public static func summarise(_ result: SimulationResult) -> [StrategySummary] {
        var summaries = result.strategies.map { r in
            let spec = result.scenario.strategies[r.strategyIndex]
            return StrategySummary(result: r, scenario: result.scenario,
                                   layerAssets: StackPlan.amountAssets(strategy: spec, market: result.scenario.market))
        }
        let finals = result.strategies.map { $0.paths.map(\.finalEquity) }
        for a in summaries.indices {
            summaries[a].comparisons = summaries.indices.filter { $0 != a }.map { b in
                PairComparison.compare(finals[a], finals[b], other: summaries[b].name)
            }
        }
        return summaries
    }
}
