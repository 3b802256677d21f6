import Foundation

/// Why `merge` could not make its runs: shards that do not make one run
/// (exit 65, naming the files), a file it cannot read or a database it
/// cannot write (74), or a failure of the merged run's tail.
public enum MergeFailure: Error, Sendable, CustomStringConvertible {
    case shards(ShardError)
    case run(RunFailure)

    public var exitCode: Int32 {
        switch self {
        case .shards: return 65
        case .run(let f): return f.exitCode
        }
    }

    public var description: String {
        switch self {
        case .shards(let e): return e.message
        case .run(let f): return f.description
        }
    }
}

/// What `merge` wrote: each whole run (as `run` would report it) and, for
/// shards of a sweep, the sweep report.
public struct MergeOutput {
    public struct SweepOutput {
        public var report: SweepReport
        public var path: String?
        public var text: String
    }

    public var runs: [RunOutput] = []
    public var sweeps: [SweepOutput] = []
}

/// `merge --db OUT SHARD_DB...` (SPEC §3): checks that the shards make whole
/// runs (`ShardSet.group`), then joins each run's shards in path order and
/// hands the result to the same summarise-store-report tail as `run`, so
/// the merged run is the unsharded run, row for row and bit for bit.
///
/// Memory: the merged run's per-path results (as the unsharded run holds
/// them) plus one shard strategy's part at a time. Shard files are opened
/// one at a time (no `ATTACH`, so no limit on their number).
public enum ShardMerge {
    /// Reads every file's shard runs; a file without any is refused.
    public static func records(files: [String]) throws(MergeFailure) -> [ShardRunRecord] {
        var records: [ShardRunRecord] = []
        var problems: [String] = []
        for file in files {
            let runs: [ShardRunRecord]
            do {
                let store = try openShard(file)
                defer { store.close() }
                runs = try store.shardRuns()
            } catch {
                throw .run(.store(error))
            }
            if runs.isEmpty {
                problems.append("\(file) holds no shard runs: it was not written by `run --shard` or `sweep --shard`")
            }
            records += runs
        }
        if !problems.isEmpty { throw .shards(ShardError(problems.joined(separator: "\n"))) }
        return records
    }

    /// Merges the shard databases `files` into `store`. Reports go to
    /// `reportDirectory` (nil: none), named as `run` and `sweep` name them.
    public static func merge(files: [String], into store: ResultStore, reportDirectory: String?, now: () -> String) throws(MergeFailure) -> MergeOutput {
        do {
            try store.checkWritable()
        } catch {
            throw .run(.store(error))
        }
        let all = try records(files: files)
        let groups: [ShardSet.Group]
        switch ShardSet.group(all.map(\.manifest)) {
        case .success(let g): groups = g
        case .failure(let e): throw .shards(e)
        }
        func record(_ m: ShardManifest) -> ShardRunRecord { all.first { $0.manifest.file == m.file && $0.manifest.runID == m.runID }! }
        var problems: [String] = []
        for g in groups {
            let first = record(g.shards[0])
            for m in g.shards {
                let r = record(m)
                if m.toolVersion != YieldStackVersion.current {
                    problems.append("\(m.file) was made by yieldstack \(m.toolVersion); this is \(YieldStackVersion.current): merge with the version that ran the shards")
                }
                if r.storedPaths != first.storedPaths {
                    problems.append("\(first.manifest.file) and \(m.file) stored different numbers of paths (--store-paths \(first.storedPaths) and \(r.storedPaths))")
                }
                if r.sweep.map({ SweepKey($0) }) != first.sweep.map({ SweepKey($0) }) {
                    problems.append("\(first.manifest.file) and \(m.file) hold '\(m.scenarioName)' from different commands (a run and a sweep, or two sweeps)")
                }
            }
        }
        if !problems.isEmpty { throw .shards(ShardError(orderedUnique(problems).joined(separator: "\n"))) }

        var output = MergeOutput()
        // Plain runs in the order they first appear; each sweep once, at its first variant.
        var sweepsDone = Set<SweepKey>()
        for g in groups {
            let first = record(g.shards[0])
            guard let sweep = first.sweep else {
                output.runs.append(try mergeRun(g.shards.map(record), into: store, reportDirectory: reportDirectory, now: now))
                continue
            }
            let key = SweepKey(sweep)
            guard sweepsDone.insert(key).inserted else { continue }
            output.sweeps.append(try mergeSweep(sweep, groups: groups.filter { record($0.shards[0]).sweep.map(SweepKey.init) == key }.map { $0.shards.map(record) },
                                                into: store, reportDirectory: reportDirectory, now: now))
        }
        return output
    }

    /// One sweep: identified by its base file, text and axes.
    struct SweepKey: Hashable {
        var file: String
        var baseJSON: String
        var sets: [String]
        init(_ s: ShardSweep) {
            file = s.file
            baseJSON = s.baseJSON
            sets = s.sets
        }
    }

    /// Joins one run's shards (in path order) and runs the tail of `run`.
    static func mergeRun(_ shards: [ShardRunRecord], into store: ResultStore, reportDirectory: String?, reportName: String? = nil,
                         now: () -> String) throws(MergeFailure) -> RunOutput {
        let head = shards[0]
        var loaded: LoadedScenario
        do {
            loaded = try ScenarioLoader.load(text: head.scenarioJSON, file: head.scenarioFile, baseDirectory: head.baseDirectory)
        } catch {
            throw .run(.scenario(error))
        }
        guard loaded.sha256 == head.manifest.scenarioSHA256 else {
            throw .shards(ShardError("\(head.manifest.file): the stored scenario does not match its SHA-256: the file is damaged"))
        }
        let paths = head.manifest.paths
        loaded.scenario.paths = paths
        loaded.scenario.seed = head.manifest.seed
        var strategies: [StrategyResult] = []
        var market: [MarketDailyRecord] = []
        for s in loaded.scenario.strategies.indices {
            var joined: StrategyResult?
            for shard in shards where !shard.manifest.range.isEmpty {
                let part: StrategyResult
                do {
                    let source = try openShard(shard.manifest.file)
                    defer { source.close() }
                    part = try source.shardStrategy(run: shard.manifest.runID, index: s)
                    if s == 0 { market += try source.shardMarket(run: shard.manifest.runID) }
                } catch {
                    throw .run(.store(error))
                }
                guard part.firstPath == shard.manifest.range.lowerBound, part.count == shard.manifest.range.count,
                      part.days == loaded.scenario.days else {
                    throw .shards(ShardError("\(shard.manifest.label): its stored results do not cover the paths its manifest names"))
                }
                if joined == nil {
                    joined = StrategyResult.empty(like: part, firstPath: 0, totalPaths: paths)
                    joined!.reserve(paths: paths)
                }
                joined!.append(part)
            }
            guard let joined, joined.count == paths else {
                throw .shards(ShardError("\(head.manifest.file): the shards of '\(head.manifest.scenarioName)' hold no results for strategy \(s)"))
            }
            strategies.append(joined)
        }
        var result = SimulationResult(scenario: loaded.scenario, strategies: strategies)
        // Canonical order (path, day, asset), as `Simulation.run` leaves it.
        result.marketDaily = market.sorted { ($0.path, $0.day, $0.asset) < ($1.path, $1.day, $1.asset) }
        let started = shards.map(\.startedAt).min() ?? now()
        do {
            return try RunPipeline.finish(result, loaded: loaded, storePaths: head.storedPaths, store: store, reportDirectory: reportDirectory,
                                          reportName: reportName, started: started, now: now)
        } catch {
            throw .run(error)
        }
    }

    /// One sweep: every variant merged in grid order (found by its
    /// scenario's SHA-256 among the groups), then the sweep report.
    static func mergeSweep(_ sweep: ShardSweep, groups: [[ShardRunRecord]], into store: ResultStore, reportDirectory: String?,
                           now: () -> String) throws(MergeFailure) -> MergeOutput.SweepOutput {
        let base: LoadedScenario
        do {
            base = try ScenarioLoader.load(text: sweep.baseJSON, file: sweep.file, baseDirectory: sweep.baseDirectory)
        } catch {
            throw .run(.scenario(error))
        }
        var axes: [SweepAxis] = []
        for text in sweep.sets {
            guard case .success(let axis) = SweepAxis.parse(text) else {
                throw .shards(ShardError("\(groups[0][0].manifest.file): the stored sweep axis '\(text)' does not parse: the file is damaged"))
            }
            axes.append(axis)
        }
        let variants: [SweepVariant]
        switch Sweep.variants(of: base, axes: axes) {
        case .success(let v): variants = v
        case .failure(let e): throw .shards(ShardError("\(groups[0][0].manifest.file): the stored sweep no longer makes its variants: \(e.description)"))
        }
        let bySHA = Dictionary(groups.map { ($0[0].manifest.scenarioSHA256, $0) }, uniquingKeysWith: { a, _ in a })
        var missing: [String] = []
        for v in variants where bySHA[v.loaded.sha256] == nil { missing.append("variant \(v.index + 1) (\(v.label))") }
        if !missing.isEmpty {
            let files = orderedUnique(groups.flatMap { $0.map(\.manifest.file) }).joined(separator: ", ")
            throw .shards(ShardError("the sweep of \(sweep.file) in \(files) lacks \(missing.joined(separator: ", ")): no shard holds it"))
        }
        var runs: [(variant: SweepVariant, run: StoredRun)] = []
        for v in variants {
            let out = try mergeRun(bySHA[v.loaded.sha256]!, into: store, reportDirectory: nil, now: now)
            runs.append((v, out.stored))
        }
        let report = SweepReport(scenarioName: base.scenario.name, file: sweep.file, axes: axes, variants: runs, databasePath: store.path)
        let text = report.render()
        var path: String?
        if let dir = reportDirectory {
            let stem = ((sweep.file as NSString).lastPathComponent as NSString).deletingPathExtension
            let file = (dir as NSString).appendingPathComponent(stem + "-sweep.md")
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
                try text.write(toFile: file, atomically: true, encoding: .utf8)
            } catch {
                throw .run(.output(path: file, reason: IOErrorText.describe(error)))
            }
            path = file
        }
        return MergeOutput.SweepOutput(report: report, path: path, text: text)
    }

    /// A shard file, read-only. A shard whose writer finished has no `-wal`
    /// (its last connection checkpointed it): it is read as immutable, so
    /// reading leaves no `-wal` and `-shm` beside it and needs no lock.
    static func openShard(_ file: String) throws(StoreError) -> ResultStore {
        let finished = !FileManager.default.fileExists(atPath: file + "-wal")
        return try ResultStore(readOnlyPath: file, wait: .standard, immutable: finished)
    }

    private static func orderedUnique(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }
}
