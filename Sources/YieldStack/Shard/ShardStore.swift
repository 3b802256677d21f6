import Foundation
import GRDB
import GRDBSQLite

/// A sweep shard's place in its sweep, so that `merge` can write the sweep
/// report: the base file, its text, the `--set` axes and the variant.
public struct ShardSweep: Sendable, Equatable {
    public var file: String
    public var baseJSON: String
    public var baseDirectory: String
    public var sets: [String]
    /// 0-based index of the variant in the sweep's grid.
    public var variant: Int

    public init(file: String, baseJSON: String, baseDirectory: String, sets: [String], variant: Int) {
        self.file = file
        self.baseJSON = baseJSON
        self.baseDirectory = baseDirectory
        self.sets = sets
        self.variant = variant
    }
}

/// Everything a shard database keeps about one shard run besides its
/// results: the manifest `merge` checks, and what it needs to summarise,
/// store and report the merged run as `run` would have.
public struct ShardRunRecord: Sendable, Equatable {
    public var manifest: ShardManifest
    public var scenarioFile: String
    public var scenarioJSON: String
    /// Where the scenario's data files are found (absolute when the shard ran).
    public var baseDirectory: String
    public var days: Int
    public var storedPaths: Int
    public var startedAt: String
    public var finishedAt: String
    public var sweep: ShardSweep?
}

extension StoreSchema {
    /// Shard runs (issue 12): a manifest row per shard run and its results
    /// as exact binary parts (0: the stored market rows, 1 + s: strategy s),
    /// in a rowid table so that parts are written and read through SQLite's
    /// incremental blob I/O.
    /// A shard database has no `runs` rows: nothing in it is a whole run
    /// until `merge` makes one.
    @Sendable static func v5ShardRuns(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE shard_runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                kind TEXT NOT NULL CHECK (kind IN ('run', 'sweep')),
                scenario_name TEXT NOT NULL,
                scenario_file TEXT NOT NULL,
                scenario_json TEXT NOT NULL,
                scenario_sha256 TEXT NOT NULL CHECK (length(scenario_sha256) = 64),
                base_directory TEXT NOT NULL,
                seed INTEGER NOT NULL CHECK (seed >= 0),
                paths INTEGER NOT NULL CHECK (paths >= 1),
                days INTEGER NOT NULL CHECK (days >= 1),
                stored_paths INTEGER NOT NULL,
                shard_index INTEGER NOT NULL CHECK (shard_index >= 0 AND shard_index < shard_count),
                shard_count INTEGER NOT NULL CHECK (shard_count >= 1),
                first_path INTEGER NOT NULL CHECK (first_path >= 0),
                end_path INTEGER NOT NULL CHECK (end_path >= first_path AND end_path <= paths),
                tool_version TEXT NOT NULL,
                started_at TEXT NOT NULL,
                finished_at TEXT NOT NULL,
                sweep_file TEXT,
                sweep_json TEXT,
                sweep_base_directory TEXT,
                sweep_sets TEXT,
                sweep_variant INTEGER
            );
            CREATE TABLE shard_parts (
                shard_run_id INTEGER NOT NULL REFERENCES shard_runs(id) ON DELETE CASCADE,
                part INTEGER NOT NULL,
                data BLOB NOT NULL,
                PRIMARY KEY (shard_run_id, part)
            );
            """)
    }
}

extension ResultStore {
    /// Writes one shard run (its manifest and results) in one transaction.
    /// A shard run already in the file for the same scenario, seed, path
    /// count and shard is replaced: a scheduler's retry of a task writes
    /// over its own earlier attempt instead of making an overlap.
    public func saveShard(_ result: SimulationResult, record: ShardRunRecord) throws(StoreError) -> Int64 {
        let m = record.manifest
        do {
            return try Self.retrying(until: Self.deadline(wait), onRetry: onBusyRetry) {
                try queue.writeWithoutTransaction { db in
                    var id: Int64 = 0
                    try db.inTransaction(.immediate) {
                        try db.execute(sql: """
                            DELETE FROM shard_runs WHERE scenario_sha256 = ? AND seed = ? AND paths = ? AND shard_index = ? AND shard_count = ?
                            """, arguments: [m.scenarioSHA256, Int64(bitPattern: m.seed), m.paths, m.shard.index, m.shard.count])
                        var sets: String?
                        if let s = record.sweep { sets = JSONWriter.write(.array(s.sets.map { JSONNode(.string($0)) })) }
                        try db.execute(sql: """
                            INSERT INTO shard_runs (kind, scenario_name, scenario_file, scenario_json, scenario_sha256, base_directory, seed,
                                paths, days, stored_paths, shard_index, shard_count, first_path, end_path, tool_version, started_at, finished_at,
                                sweep_file, sweep_json, sweep_base_directory, sweep_sets, sweep_variant)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [
                                record.sweep == nil ? "run" : "sweep", m.scenarioName, record.scenarioFile, record.scenarioJSON,
                                m.scenarioSHA256, record.baseDirectory, Int64(bitPattern: m.seed), m.paths, record.days, record.storedPaths,
                                m.shard.index, m.shard.count, m.range.lowerBound, m.range.upperBound, m.toolVersion, record.startedAt,
                                record.finishedAt, record.sweep?.file, record.sweep?.baseJSON, record.sweep?.baseDirectory, sets,
                                record.sweep?.variant,
                            ])
                        id = db.lastInsertedRowID
                        var market = ByteWriter()
                        MarketDailyRecord.encode(result.marketDaily, &market)
                        try Self.writePart(db, run: id, part: 0, market.bytes)
                        for (s, strategy) in result.strategies.enumerated() {
                            var w = ByteWriter(reservingCapacity: strategy.encodedSizeEstimate)
                            strategy.encode(&w)
                            try Self.writePart(db, run: id, part: s + 1, w.bytes)
                        }
                        return .commit
                    }
                    return id
                }
            }
        } catch {
            throw StoreError(path: path, message: Self.describe(error, path: path))
        }
    }

    /// The shard runs in this file, in id order (none in a database made
    /// before shards existed, or without any).
    public func shardRuns() throws(StoreError) -> [ShardRunRecord] {
        do {
            return try queue.read { db in
                guard try db.tableExists("shard_runs") else { return [] }
                return try Row.fetchAll(db, sql: """
                    SELECT id, scenario_name, scenario_file, scenario_json, scenario_sha256, base_directory, seed, paths, days, stored_paths,
                        shard_index, shard_count, first_path, end_path, tool_version, started_at, finished_at,
                        sweep_file, sweep_json, sweep_base_directory, sweep_sets, sweep_variant
                    FROM shard_runs ORDER BY id
                    """).map { row in
                    let manifest = ShardManifest(
                        file: path, runID: row[0], scenarioName: row[1], scenarioSHA256: row[4], seed: UInt64(bitPattern: row[6] as Int64),
                        paths: row[7], toolVersion: row[14], shard: ShardSpec(index: row[10], count: row[11]), range: (row[12] as Int)..<(row[13] as Int))
                    var sweep: ShardSweep?
                    if let file: String = row[17], let json: String = row[18], let base: String = row[19], let setsText: String = row[20],
                       let variant: Int = row[21] {
                        let sets = (try? JSONParser.parse(setsText))?.elements?.compactMap { $0.string } ?? []
                        sweep = ShardSweep(file: file, baseJSON: json, baseDirectory: base, sets: sets, variant: variant)
                    }
                    return ShardRunRecord(manifest: manifest, scenarioFile: row[2], scenarioJSON: row[3], baseDirectory: row[5], days: row[8],
                                          storedPaths: row[9], startedAt: row[15], finishedAt: row[16], sweep: sweep)
                }
            }
        } catch {
            throw StoreError(path: path, message: Self.describe(error, path: path))
        }
    }

    /// How to say that this file has no run with the id asked for: its run
    /// ids, or that it holds only shard runs, which `merge` turns into one.
    public func missingRunNote(ids: [Int64]) -> String {
        if !ids.isEmpty { return "its runs are \(ids.first!)–\(ids.last!)" }
        let shards = (try? shardRuns().count) ?? 0
        guard shards > 0 else { return "it has no runs" }
        return "it has no runs, only \(shards) shard run\(shards == 1 ? "" : "s") (from --shard): join the shards with `yieldstack merge --db OUT SHARD_DB...` first"
    }

    /// The stored market rows of shard run `id`.
    public func shardMarket(run id: Int64) throws(StoreError) -> [MarketDailyRecord] {
        var r = try shardPart(run: id, part: 0)
        do {
            return try MarketDailyRecord.decodeAll(&r)
        } catch {
            throw StoreError(path: path, message: "shard run \(id): \(error.description)")
        }
    }

    /// Strategy `index`'s results in shard run `id`.
    public func shardStrategy(run id: Int64, index: Int) throws(StoreError) -> StrategyResult {
        var r = try shardPart(run: id, part: index + 1)
        do {
            let result = try StrategyResult(decoding: &r)
            guard r.atEnd, result.strategyIndex == index else { throw ByteReader.Truncated() }
            return result
        } catch let error as ByteReader.Truncated {
            throw StoreError(path: path, message: "shard run \(id), strategy \(index): \(error.description)")
        } catch {
            throw StoreError(path: path, message: "shard run \(id), strategy \(index): \(error)")
        }
    }

    /// Inserts a part as a zero blob, then fills it in 1 MiB pieces through
    /// SQLite's incremental blob I/O: a part of hundreds of megabytes is not
    /// copied again into a bound parameter.
    static func writePart(_ db: Database, run id: Int64, part: Int, _ bytes: [UInt8]) throws {
        try db.execute(sql: "INSERT INTO shard_parts VALUES (?, ?, zeroblob(?))", arguments: [id, part, bytes.count])
        guard !bytes.isEmpty else { return }
        var blob: OpaquePointer?
        var rc = sqlite3_blob_open(db.sqliteConnection, "main", "shard_parts", "data", db.lastInsertedRowID, 1, &blob)
        defer { sqlite3_blob_close(blob) }
        let piece = 1 << 20
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while rc == SQLITE_OK, offset < raw.count {
                let n = min(piece, raw.count - offset)
                rc = sqlite3_blob_write(blob, raw.baseAddress! + offset, Int32(n), Int32(offset))
                offset += n
            }
            if rc != SQLITE_OK { throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
        }
    }

    /// A part's bytes, read in 1 MiB pieces straight into the array; nil when absent.
    static func readPart(_ db: Database, run id: Int64, part: Int) throws -> [UInt8]? {
        guard let row = try Row.fetchOne(db, sql: "SELECT rowid, length(data) FROM shard_parts WHERE shard_run_id = ? AND part = ?",
                                         arguments: [id, part]) else { return nil }
        let rowid: Int64 = row[0], length: Int = row[1]
        guard length > 0 else { return [] }
        var blob: OpaquePointer?
        var rc = sqlite3_blob_open(db.sqliteConnection, "main", "shard_parts", "data", rowid, 0, &blob)
        defer { sqlite3_blob_close(blob) }
        let piece = 1 << 20
        let bytes = [UInt8](unsafeUninitializedCapacity: length) { buffer, initialized in
            var offset = 0
            while rc == SQLITE_OK, offset < length {
                let n = min(piece, length - offset)
                rc = sqlite3_blob_read(blob, buffer.baseAddress! + offset, Int32(n), Int32(offset))
                offset += n
            }
            if rc != SQLITE_OK { buffer.initialize(repeating: 0) }
            initialized = length
        }
        if rc != SQLITE_OK { throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection))) }
        return bytes
    }

    private func shardPart(run id: Int64, part: Int) throws(StoreError) -> ByteReader {
        let bytes: [UInt8]?
        do {
            bytes = try queue.read { db in try Self.readPart(db, run: id, part: part) }
        } catch {
            throw StoreError(path: path, message: Self.describe(error, path: path))
        }
        guard let bytes else { throw StoreError(path: path, message: "shard run \(id) has no part \(part): the file is incomplete") }
        return ByteReader(bytes)
    }
}
