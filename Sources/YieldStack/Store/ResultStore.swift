import Foundation
import GRDB
import GRDBSQLite

/// A database problem: cannot open, locked, read-only, corrupt, not ours.
/// The CLI exits 74 (EX_IOERR) on it.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    /// Where a finished run was written instead when `path` could not take
    /// it: a complete yieldstack database holding just that run, to bring in
    /// with `yieldstack import`.
    public var recoveryPath: String?

    public init(path: String, message: String, recoveryPath: String? = nil) {
        self.path = path
        self.message = message
        self.recoveryPath = recoveryPath
    }

    public var description: String { "\(path): database error: \(message)" }
}

/// How long a writer waits for other processes before giving up. Several
/// `yieldstack run`s may share one database; a run's write transaction can
/// take seconds, so a writer that gives up after one busy timeout loses a
/// finished simulation for nothing.
public struct StoreWaitPolicy: Sendable, Equatable {
    /// SQLite's own wait for a lock, per statement.
    public var busyTimeout: TimeInterval
    /// The whole wait for opening, or for saving one run: busy attempts are
    /// retried with growing pauses until this much time has passed.
    public var total: TimeInterval

    public init(busyTimeout: TimeInterval, total: TimeInterval) {
        self.busyTimeout = busyTimeout
        self.total = total
    }

    /// 5 s per attempt, 2 minutes in all.
    public static let standard = StoreWaitPolicy(busyTimeout: 5, total: 120)
}

/// A run copied by `ResultStore.importRuns(from:)`.
public struct ImportedRun: Sendable, Equatable {
    /// Its id in the file it came from.
    public var sourceID: Int64
    /// Its new id in the target database.
    public var id: Int64

    public init(sourceID: Int64, id: Int64) {
        self.sourceID = sourceID
        self.id = id
    }
}

/// What the store keeps about a run besides the simulation's numbers.
public struct RunMetadata: Sendable {
    public var scenarioFile: String
    public var scenarioJSON: String
    public var scenarioSHA256: String
    public var storedPaths: Int
    public var toolVersion: String
    /// ISO 8601 timestamps, supplied by the caller: the library reads no clock.
    public var startedAt: String
    public var finishedAt: String

    public init(scenarioFile: String, scenarioJSON: String, scenarioSHA256: String, storedPaths: Int,
                toolVersion: String = YieldStackVersion.current, startedAt: String, finishedAt: String) {
        self.scenarioFile = scenarioFile
        self.scenarioJSON = scenarioJSON
        self.scenarioSHA256 = scenarioSHA256
        self.storedPaths = storedPaths
        self.toolVersion = toolVersion
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// The version written into every run.
public enum YieldStackVersion {
    public static let current = "0.2.0"
}

/// The SQLite results database (SPEC §4). One file holds many runs; a run is
/// written in one transaction, so an interrupted run leaves nothing behind.
///
/// Several processes may open, migrate and write one file at once: the
/// schema check and the migrations run in one `BEGIN IMMEDIATE` transaction
/// (re-checked once the lock is held), busy attempts are retried with
/// backoff for `StoreWaitPolicy.total`, and a run that still cannot be
/// written goes to a recovery file beside the database instead of being lost.
public final class ResultStore: @unchecked Sendable {
    public let path: String
    /// Opened with `init(readOnlyPath:)`: SQLite refuses every write.
    public let isReadOnly: Bool
    let queue: DatabaseQueue
    let wait: StoreWaitPolicy
    /// Test hook: throw after writing this many rows, to prove atomicity.
    var failAfterRows: Int?
    /// Test hook: called each time a save meets a lock and will retry.
    var onBusyRetry: (@Sendable () -> Void)?

    enum JournalMode { case wal, delete }

    /// Opens (creating if needed) and migrates the database at `path` for
    /// writing. Refuses a file that is neither empty nor a yieldstack
    /// database, a read-only file, and a folder it cannot create files in
    /// (WAL needs `-wal` and `-shm` beside the database), so that a run
    /// fails before its simulation rather than after.
    public convenience init(path: String, wait: StoreWaitPolicy = .standard) throws(StoreError) {
        try self.init(path: path, wait: wait, journal: .wal)
    }

    init(path: String, wait: StoreWaitPolicy, journal: JournalMode) throws(StoreError) {
        self.path = path
        self.wait = wait
        isReadOnly = false
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw StoreError(path: path, message: "is a directory, not a database file")
        }
        let dir = (path as NSString).deletingLastPathComponent
        if let reason = IOErrorText.unwritableReason(directory: dir) {
            throw StoreError(path: path, message: "cannot write in the database's folder \(dir.isEmpty ? "." : dir): \(reason)")
        }
        var config = Self.configuration(wait: wait)
        config.prepareDatabase { db in
            // A run is one large transaction: keep its pages in memory, and
            // under WAL a commit needs no sync of the main file.
            try db.execute(sql: "PRAGMA cache_size = -131072")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let deadline = Self.deadline(wait)
        do {
            queue = try Self.retrying(until: deadline) { try DatabaseQueue(path: path, configuration: config) }
            try Self.retrying(until: deadline) { try self.prepareForWriting(journal: journal) }
        } catch {
            throw StoreError(path: path, message: Self.describe(error, path: path))
        }
    }

    /// Opens an existing database for reading only (`report`, `compare
    /// --db`): SQLite refuses any write, the schema is neither created nor
    /// migrated, and a read-only file or mount is no obstacle.
    public convenience init(readOnlyPath path: String, wait: StoreWaitPolicy = .standard) throws(StoreError) {
        try self.init(readOnlyPath: path, wait: wait, immutable: false)
    }

    /// `immutable`: open as SQLite's `immutable=1` URI right away (tests);
    /// otherwise only as a fallback, see below.
    init(readOnlyPath path: String, wait: StoreWaitPolicy, immutable: Bool) throws(StoreError) {
        self.path = path
        self.wait = wait
        isReadOnly = true
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StoreError(path: path, message: "no such file")
        }
        if isDirectory.boolValue { throw StoreError(path: path, message: "is a directory, not a database file") }
        var config = Self.configuration(wait: wait)
        config.readonly = true
        let deadline = Self.deadline(wait)
        do {
            let open = { (file: String) throws -> (DatabaseQueue, Kind) in
                let queue = try Self.retrying(until: deadline) { try DatabaseQueue(path: file, configuration: config) }
                return (queue, try Self.retrying(until: deadline) { try queue.read { db in try Self.classify(db) } })
            }
            // On a read-only folder or mount SQLite cannot create the -wal and
            // -shm a WAL database is read through. Without a -wal file the
            // database file is complete (its last writer checkpointed it), so
            // it can be read as immutable; no writer can be at work there.
            let immutableURI = "file:" + (path.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? path) + "?mode=ro&immutable=1"
            let opened: (DatabaseQueue, Kind)
            if immutable {
                opened = try open(immutableURI)
            } else {
                do {
                    opened = try open(path)
                } catch let e as DatabaseError where [.SQLITE_CANTOPEN, .SQLITE_READONLY].contains(e.resultCode)
                    && !FileManager.default.fileExists(atPath: path + "-wal") {
                    opened = try open(immutableURI)
                }
            }
            queue = opened.0
            switch opened.1 {
            case .ours: break
            case .empty: throw StoreError(path: path, message: "is an empty database: it holds no yieldstack runs")
            case .foreign(let tables): throw Self.foreignError(path: path, tables: tables)
            }
        } catch {
            throw StoreError(path: path, message: Self.describe(error, path: path))
        }
    }

    /// An in-memory database, for tests.
    public init(inMemory: Void = ()) throws(StoreError) {
        path = ":memory:"
        isReadOnly = false
        wait = .standard
        var config = Configuration()
        config.foreignKeysEnabled = true
        do {
            queue = try DatabaseQueue(configuration: config)
            try Self.migrate(queue)
        } catch {
            throw StoreError(path: path, message: Self.describe(error, path: path))
        }
    }

    /// Closes the connection now. The last connection to close checkpoints
    /// the WAL and removes `-wal` and `-shm`, so a finished or failed run
    /// leaves only the database file. Later calls on the store fail.
    public func close() {
        if !isReadOnly { try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") } }
        try? queue.close()
    }

    static func configuration(wait: StoreWaitPolicy) -> Configuration {
        var config = Configuration()
        config.busyMode = .timeout(wait.busyTimeout)
        config.foreignKeysEnabled = true
        return config
    }

    // MARK: Opening safely under concurrency

    enum Kind: Equatable { case empty, ours, foreign([String]) }

    /// Empty (a new file), ours (GRDB's migrations table with our first
    /// migration, or at least a `runs` table with our columns), or foreign.
    static func classify(_ db: Database) throws -> Kind {
        let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        if tables.isEmpty { return .empty }
        if tables.contains("grdb_migrations") {
            let applied = try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
            if applied.contains(StoreSchema.migrations[0].identifier) { return .ours }
            // GRDB's own migrator creates its table before the first migration's
            // transaction (yieldstack 0.1.0 did so): nothing else yet is a new file.
            if tables == ["grdb_migrations"], applied.isEmpty { return .empty }
        }
        if tables.contains("runs"), StoreSchema.runsColumns.isSubset(of: Set(try db.columns(in: "runs").map(\.name))) {
            return .ours
        }
        return .foreign(tables)
    }

    static func foreignError(path: String, tables: [String]) -> StoreError {
        let shown = tables.prefix(5).joined(separator: ", ") + (tables.count > 5 ? ", …" : "")
        return StoreError(path: path, message: """
            is an SQLite database of another program (its tables: \(shown)), not a yieldstack results database; \
            it was left untouched: give --db a new file or an existing yieldstack database
            """)
    }

    /// Whether the schema lacks a migration; throws on a foreign database or
    /// one written by a newer yieldstack.
    static func needsMigration(_ db: Database, path: String) throws -> Bool {
        switch try classify(db) {
        case .empty: return true
        case .foreign(let tables): throw foreignError(path: path, tables: tables)
        case .ours: break
        }
        guard try db.tableExists("grdb_migrations") else { return true }
        let applied = try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
        let known = Set(StoreSchema.migrations.map(\.identifier))
        if let unknown = applied.subtracting(known).sorted().first {
            throw StoreError(path: path, message: """
                was written by a newer yieldstack (it has schema migration '\(unknown)', unknown to version \(YieldStackVersion.current)); \
                use that version, or give --db another file
                """)
        }
        return !known.isSubset(of: applied)
    }

    /// Applies the missing migrations in one `BEGIN IMMEDIATE` transaction.
    /// Two processes opening a new file at once both see it unmigrated; the
    /// second to get the write lock finds the work done and commits nothing.
    static func migrate(_ queue: DatabaseQueue, path: String = ":memory:") throws {
        // Up-to-date databases need no write lock, which another run may hold for seconds.
        guard try queue.read({ db in try needsMigration(db, path: path) }) else { return }
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard try needsMigration(db, path: path) else { return .commit }
                try db.execute(sql: "CREATE TABLE IF NOT EXISTS grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
                let applied = try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations")
                for m in StoreSchema.migrations where !applied.contains(m.identifier) {
                    // A yieldstack `runs` table without bookkeeping (a hand-made
                    // copy): adopt the first migration rather than fail on CREATE.
                    let adopt = try m.identifier == StoreSchema.migrations[0].identifier && db.tableExists("runs")
                    if !adopt { try m.apply(db) }
                    try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES (?)", arguments: [m.identifier])
                }
                try db.checkForeignKeys()
                return .commit
            }
        }
    }

    /// Refuses a read-only file, sets the journal mode, migrates. Every step
    /// may meet another process's lock; the caller retries the whole.
    private func prepareForWriting(journal: JournalMode) throws {
        let readOnly = queue.inDatabase { db in sqlite3_db_readonly(db.sqliteConnection, "main") == 1 }
        if readOnly {
            throw StoreError(path: path, message: "the database file is read-only (or on a read-only file system); `yieldstack report` can still read it")
        }
        // Check before changing anything: a foreign file is left as it was.
        _ = try queue.read { db in try Self.needsMigration(db, path: path) }
        // The journal mode is stored in the file; switching needs an exclusive lock.
        let wanted = journal == .wal ? "wal" : "delete"
        try queue.writeWithoutTransaction { db in
            if try String.fetchOne(db, sql: "PRAGMA journal_mode") != wanted {
                let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = \(wanted.uppercased())")
                if mode != wanted { throw StoreError(path: path, message: "cannot switch the database to \(wanted.uppercased()) journal mode") }
            }
        }
        try Self.migrate(queue, path: path)
    }

    static func deadline(_ wait: StoreWaitPolicy) -> TimeInterval {
        ProcessInfo.processInfo.systemUptime + wait.total
    }

    static func isBusy(_ error: any Error) -> Bool {
        guard let e = error as? DatabaseError else { return false }
        return e.resultCode == .SQLITE_BUSY || e.resultCode == .SQLITE_LOCKED
    }

    /// Runs `body` until it does not fail on a lock, pausing 20 ms, 40 ms, …
    /// up to 1 s (with jitter, so that waiting writers do not retry in step)
    /// until `deadline` (monotonic seconds).
    static func retrying<T>(until deadline: TimeInterval, onRetry: (() -> Void)? = nil, _ body: () throws -> T) throws -> T {
        var pause = 0.02
        while true {
            do {
                return try body()
            } catch where isBusy(error) {
                let left = deadline - ProcessInfo.processInfo.systemUptime
                if left <= 0 { throw error }
                onRetry?()
                Thread.sleep(forTimeInterval: min(left, pause * Double.random(in: 0.5...1)))
                pause = min(pause * 2, 1)
            }
        }
    }

    /// A sentence for a failure, without SQLite's or Foundation's codes.
    static func describe(_ error: any Error, path: String = "") -> String {
        if let e = error as? StoreError { return e.message }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return "the database is locked by another process (\(e.message ?? "busy"))"
            case .SQLITE_READONLY: return "the database is read-only (read-only file or file system)"
            case .SQLITE_CANTOPEN: return "cannot open the database file: \(openFailureReason(path))"
            case .SQLITE_NOTADB: return "the file is not a database (not SQLite, so not a yieldstack results database)"
            case .SQLITE_CORRUPT: return "the database file is corrupt"
            case .SQLITE_FULL: return "no space left on device (the disk is full)"
            case .SQLITE_IOERR: return "input/output error while accessing the database"
            case .SQLITE_PERM, .SQLITE_AUTH: return "permission denied"
            default: return e.message ?? "\(e)"
            }
        }
        return IOErrorText.describe(error)
    }

    /// Why SQLite could not open `path`, found by looking at the file system.
    static func openFailureReason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return "is a directory" }
            return access(path, R_OK) == 0 ? "input/output error" : "permission denied"
        }
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) { return "no such file or directory" }
        return IOErrorText.unwritableReason(directory: dir) ?? "no such file or directory"
    }

    /// Probes, before a long simulation, that a run could be written: the
    /// folder still takes new files and the file is not read-only.
    public func checkWritable() throws(StoreError) {
        guard path != ":memory:" else { return }
        if isReadOnly { throw StoreError(path: path, message: "was opened read-only") }
        let dir = (path as NSString).deletingLastPathComponent
        if let reason = IOErrorText.unwritableReason(directory: dir) {
            throw StoreError(path: path, message: "cannot write in the database's folder \(dir.isEmpty ? "." : dir): \(reason)")
        }
        let readOnly = queue.inDatabase { db in sqlite3_db_readonly(db.sqliteConnection, "main") == 1 }
        if readOnly { throw StoreError(path: path, message: "the database file is read-only (or on a read-only file system)") }
    }

    // MARK: Writing

    /// Writes a whole run in one transaction and returns its id.
    ///
    /// Waits for other writers as `StoreWaitPolicy` says. If the database
    /// still cannot take the run (locked past the wait, disk full, made
    /// read-only meanwhile), the finished simulation is not lost: it is
    /// written to a recovery file, a yieldstack database holding just this
    /// run (`<db>.recovery-<sha8>-<n>.sqlite`, or in the temporary folder if
    /// the database's folder refuses it), and the error's message and
    /// `recoveryPath` say where it is and how to import it.
    public func save(_ result: SimulationResult, summaries: [StrategySummary], metadata: RunMetadata) throws(StoreError) -> Int64 {
        do {
            return try Self.retrying(until: Self.deadline(wait), onRetry: onBusyRetry) { try self.writeRun(result, summaries: summaries, metadata: metadata) }
        } catch let e as StoreError {
            throw e
        } catch {
            let reason = Self.describe(error, path: path)
            if !Self.isBusy(error) {
                // Give back the space a failed transaction took in the WAL (disk full).
                try? queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            }
            guard path != ":memory:" else { throw StoreError(path: path, message: reason) }
            switch writeRecovery(result, summaries: summaries, metadata: metadata) {
            case .success(let file):
                throw StoreError(path: path, message: """
                    \(reason); the finished run was saved to \(file) instead; \
                    import it with `yieldstack import --db \(path) \(file)`
                    """, recoveryPath: file)
            case .failure(let second):
                throw StoreError(path: path, message: "\(reason); saving the run to a recovery file failed too: \(second.message)")
            }
        }
    }

    private func writeRun(_ result: SimulationResult, summaries: [StrategySummary], metadata: RunMetadata) throws -> Int64 {
        try queue.writeWithoutTransaction { db in
            var runID: Int64 = 0
            try db.inTransaction(.immediate) {
                runID = try self.insert(result, summaries: summaries, metadata: metadata, db: db)
                return .commit
            }
            return runID
        }
    }

    /// Writes the run into a new single-file database (rollback journal, so
    /// no `-wal` to carry along) beside this one, or in the temporary folder.
    private func writeRecovery(_ result: SimulationResult, summaries: [StrategySummary], metadata: RunMetadata) -> Result<String, StoreError> {
        let name = (path as NSString).lastPathComponent
        let stems = [path, (NSTemporaryDirectory() as NSString).appendingPathComponent(name)]
        var last = StoreError(path: path, message: "no recovery file could be created")
        for stem in stems {
            for n in 1...999 {
                let file = "\(stem).recovery-\(metadata.scenarioSHA256.prefix(8))-\(n).sqlite"
                // O_EXCL: two failing writers never pick the same file.
                let fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0o644)
                if fd < 0 {
                    if errno == EEXIST { continue }
                    last = StoreError(path: file, message: IOErrorText.phrase(errno: errno))
                    break
                }
                Foundation.close(fd)
                do {
                    let store = try ResultStore(path: file, wait: StoreWaitPolicy(busyTimeout: 1, total: 5), journal: .delete)
                    defer { store.close() }
                    _ = try store.writeRun(result, summaries: summaries, metadata: metadata)
                    return .success(file)
                } catch {
                    last = StoreError(path: file, message: Self.describe(error, path: file))
                    unlink(file)
                    unlink(file + "-journal")
                    break
                }
            }
        }
        return .failure(last)
    }

    private func insert(_ result: SimulationResult, summaries: [StrategySummary], metadata: RunMetadata, db: Database) throws -> Int64 {
        let scenario = result.scenario
        var rows = 0
        func tick() throws {
            rows += 1
            if let limit = failAfterRows, rows >= limit {
                throw StoreError(path: path, message: "simulated failure after \(rows) rows (test hook)")
            }
        }
        try db.execute(sql: """
            INSERT INTO runs (scenario_name, scenario_file, scenario_json, scenario_sha256, seed, paths, days, start_date,
                              currency, stored_paths, tool_version, started_at, finished_at, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'completed')
            """, arguments: [scenario.name, metadata.scenarioFile, metadata.scenarioJSON, metadata.scenarioSHA256,
                             Int64(scenario.seed), scenario.paths, scenario.days, scenario.start.description,
                             scenario.currency, metadata.storedPaths, metadata.toolVersion, metadata.startedAt, metadata.finishedAt])
        let runID = db.lastInsertedRowID
        try tick()
        let dates = (0..<scenario.days).map { scenario.date(ofDay: $0).description }

        // Child rows are checked against their parents at commit, once.
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        let insertStrategy = try db.makeStatement(sql: "INSERT INTO strategies VALUES (?, ?, ?, ?, ?)")
        let insertLayer = try db.makeStatement(sql: "INSERT INTO layers VALUES (?, ?, ?, ?, ?, ?)")
        let insertAsset = try db.makeStatement(sql: "INSERT INTO run_assets VALUES (?, ?, ?)")
        // The compact tables (v3): integer keys, no per-row text, many rows per statement.
        // 32 rows a statement: 0.51 s → 0.26 s for a 100-path year of two strategies; 64 or 128 gain nothing more.
        let batch = 32
        let insertDaily = try BatchInsert(db, table: "daily_data", columns: 7, shared: 2, batch: batch)
        let insertLayerDaily = try BatchInsert(db, table: "layer_daily_data", columns: 8, shared: 2, batch: batch)
        let insertQuantile = try BatchInsert(db, table: "daily_quantiles_data", columns: 9, shared: 2, batch: batch)
        let insertPath = try BatchInsert(db, table: "path_summary_data", columns: 14, shared: 2, batch: batch)
        let insertLayerRate = try BatchInsert(db, table: "layer_rates_data", columns: 6, shared: 2, batch: batch)
        let insertMarket = try BatchInsert(db, table: "market_daily_data", columns: 6, shared: 1, batch: batch)
        // Events and metrics are few: they keep their v1 tables, keyed by name.
        let insertEvent = try BulkInsert(db, sql: """
            INSERT INTO events (run_id, strategy, path, day, date, kind, layer_id, asset, amount, value, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertMetric = try BulkInsert(db, sql: "INSERT INTO metrics VALUES (?, ?, ?, ?)")
        let compact = [insertDaily, insertLayerDaily, insertQuantile, insertPath, insertLayerRate]
        let named = [insertEvent, insertMetric]

        for (s, r) in result.strategies.enumerated() {
            let spec = scenario.strategies[s]
            let summary = summaries[s]
            let name = spec.name
            try insertStrategy.execute(arguments: [runID, s, name, spec.capitalAsset, spec.capitalAmount])
            for (l, layer) in summary.layers.enumerated() {
                try insertLayer.execute(arguments: [runID, name, l, layer.id, layer.type, layer.asset])
            }
            // Run id and strategy are the first two columns of every table written per strategy.
            for statement in compact {
                try statement.setShared(0, runID)
                try statement.setShared(1, s)
            }
            for statement in named {
                statement.bind(1, runID)
                statement.bind(2, name)
            }
            for row in r.daily {
                insertDaily.add(row.path)
                insertDaily.add(row.day)
                insertDaily.add(row.equity)
                insertDaily.add(row.debt)
                insertDaily.add(row.healthFactor)
                try insertDaily.endRow()
                try tick()
            }
            for row in r.layerDaily {
                insertLayerDaily.add(row.path)
                insertLayerDaily.add(row.day)
                insertLayerDaily.add(row.layer)
                insertLayerDaily.add(row.amount)
                insertLayerDaily.add(row.value)
                insertLayerDaily.add(row.yieldToDate)
                try insertLayerDaily.endRow()
                try tick()
            }
            for q in summary.quantiles {
                insertQuantile.add(q.day)
                for v in [q.p05, q.p25, q.p50, q.p75, q.p95, q.mean] { insertQuantile.add(v) }
                try insertQuantile.endRow()
                try tick()
            }
            for e in r.events {
                insertEvent.bind(3, e.path)
                insertEvent.bind(4, e.day)
                insertEvent.bind(5, dates[e.day])
                insertEvent.bind(6, e.kind.rawValue)
                insertEvent.bind(7, e.layer)
                insertEvent.bind(8, e.asset)
                insertEvent.bind(9, e.amount)
                insertEvent.bind(10, e.value)
                insertEvent.bind(11, e.detail)
                try insertEvent.step()
                try tick()
            }
            for (p, o) in r.paths.enumerated() {
                insertPath.add(r.firstPath + p)
                insertPath.add(o.initialValue)
                insertPath.add(o.finalEquity)
                insertPath.add(o.netFlows)
                insertPath.add(o.totalReturn)
                insertPath.add(o.maxDrawdown)
                insertPath.add(o.liquidations > 0)
                insertPath.add(o.liquidations)
                insertPath.add(o.firstLiquidationDay)
                insertPath.add(o.minHealthFactor)
                insertPath.add(o.badDebt)
                insertPath.add(o.marketReturn)
                try insertPath.endRow()
                try tick()
            }
            for (metric, value) in summary.metrics {
                insertMetric.bind(3, metric)
                insertMetric.bind(4, value.flatMap { $0.isFinite ? $0 : nil })
                try insertMetric.step()
                try tick()
            }
            for row in r.layerRates {
                insertLayerRate.add(row.path)
                insertLayerRate.add(row.day)
                insertLayerRate.add(row.layer)
                insertLayerRate.add(row.rate)
                try insertLayerRate.endRow()
                try tick()
            }
            // A strategy's rows are written before the next strategy's shared columns are bound.
            for statement in compact { try statement.finish() }
        }
        for (a, asset) in scenario.market.assets.enumerated() {
            try insertAsset.execute(arguments: [runID, a, asset.name])
        }
        try insertMarket.setShared(0, runID)
        for row in result.marketDaily {
            insertMarket.add(row.path)
            insertMarket.add(row.day)
            insertMarket.add(row.asset)
            insertMarket.add(row.price)
            insertMarket.add(row.ratio)
            try insertMarket.endRow()
            try tick()
        }
        try insertMarket.finish()
        return runID
    }

    // MARK: Reading

    /// Ids of all runs, oldest first.
    public func runIDs() throws(StoreError) -> [Int64] {
        do {
            return try queue.read { db in try Int64.fetchAll(db, sql: "SELECT id FROM runs ORDER BY id") }
        } catch {
            throw StoreError(path: path, message: Self.describe(error))
        }
    }

    /// Loads everything a report needs about one run. Reads the compact
    /// tables of schema v3, or the released tables of a v1/v2 file opened
    /// read-only (not migrated); columns by position, in both.
    public func load(run id: Int64, eventPaths: StoredRun.EventSelection = .reportPaths) throws(StoreError) -> StoredRun {
        do {
            return try queue.read { db in
                guard let run = try Row.fetchOne(db, sql: """
                    SELECT scenario_name, scenario_file, scenario_json, scenario_sha256, seed, paths, days, start_date,
                           currency, stored_paths, tool_version FROM runs WHERE id = ?
                    """, arguments: [id]) else {
                    throw StoreError(path: path, message: "no run with id \(id)")
                }
                var stored = StoredRun(
                    id: id,
                    scenarioName: run[0], scenarioFile: run[1], scenarioJSON: run[2],
                    scenarioSHA256: run[3], seed: UInt64(run[4] as Int64), paths: run[5], days: run[6],
                    start: CivilDate(iso: run[7]) ?? CivilDate(dayNumber: 0), currency: run[8],
                    storedPaths: run[9], toolVersion: run[10], strategies: [])
                let compact = try db.tableExists("daily_data")
                // v3 keys strategies by position, v1/v2 by name.
                let key = compact ? "strategy_pos" : "strategy"
                func table(_ released: String) -> String { compact ? released + "_data" : released }
                var positions: [Int: Int] = [:]
                let strategies = try Row.fetchAll(db, sql: """
                    SELECT position, name, capital_asset, capital_amount FROM strategies WHERE run_id = ? ORDER BY position
                    """, arguments: [id])
                for s in strategies {
                    let position: Int = s[0]
                    let name: String = s[1]
                    positions[position] = stored.strategies.count
                    let keyValue: any DatabaseValueConvertible = compact ? position : name
                    var strategy = StoredStrategy(name: name, capitalAsset: s[2], capitalAmount: s[3])
                    let layers = try Row.fetchCursor(db, sql: "SELECT layer_id, type, asset FROM layers WHERE run_id = ? AND strategy = ? ORDER BY position",
                                                     arguments: [id, name])
                    while let row = try layers.next() { strategy.layers.append(StoredLayer(id: row[0], type: row[1], asset: row[2])) }
                    let metrics = try Row.fetchCursor(db, sql: "SELECT name, value FROM metrics WHERE run_id = ? AND strategy = ?", arguments: [id, name])
                    while let row = try metrics.next() { strategy.metrics[row[0]] = row[1] as Double? }
                    let quantiles = try Row.fetchCursor(db, sql: """
                        SELECT day, p05, p25, p50, p75, p95, mean FROM \(table("daily_quantiles")) WHERE run_id = ? AND \(key) = ? ORDER BY day
                        """, arguments: [id, keyValue])
                    while let row = try quantiles.next() {
                        strategy.quantiles.append(DailyQuantiles(day: row[0], p05: row[1], p25: row[2], p50: row[3], p75: row[4], p95: row[5], mean: row[6]))
                    }
                    let daily = try Row.fetchCursor(db, sql: """
                        SELECT day, equity, debt, health_factor FROM \(table("daily")) WHERE run_id = ? AND \(key) = ? AND path = 0 ORDER BY day
                        """, arguments: [id, keyValue])
                    while let row = try daily.next() {
                        strategy.pathZero.append(DailyRecord(path: 0, day: row[0], equity: row[1], debt: row[2], healthFactor: row[3]))
                    }
                    let outcomes = try Row.fetchCursor(db, sql: """
                        SELECT initial_value, final_equity, net_flows, total_return, max_drawdown, liquidations, first_liquidation_day,
                               min_health_factor, bad_debt, market_return FROM \(table("path_summary")) WHERE run_id = ? AND \(key) = ? ORDER BY path
                        """, arguments: [id, keyValue])
                    while let row = try outcomes.next() {
                        strategy.paths.append(PathOutcome(initialValue: row[0], finalEquity: row[1], netFlows: row[2], totalReturn: row[3],
                                                          maxDrawdown: row[4], liquidations: row[5], firstLiquidationDay: row[6],
                                                          minHealthFactor: row[7], badDebt: row[8], marketReturn: row[9]))
                    }
                    let worst = Int(strategy.metrics[Metric.worstPath.name].flatMap { $0 } ?? 0)
                    let pathFilter: String
                    switch eventPaths {
                    case .reportPaths: pathFilter = "(path IS NULL OR path = 0 OR path = \(worst))"
                    case .all: pathFilter = "1"
                    }
                    let events = try Row.fetchCursor(db, sql: """
                        SELECT path, day, kind, layer_id, asset, amount, value, detail FROM events
                        WHERE run_id = ? AND strategy = ? AND \(pathFilter) ORDER BY id
                        """, arguments: [id, name])
                    while let row = try events.next() {
                        var e = EngineEvent(path: row[0], day: row[1], kind: EventKind(rawValue: row[2]) ?? .rule,
                                            layer: row[3], asset: row[4], amount: row[5], value: row[6])
                        e.detail = row[7]
                        strategy.events.append(e)
                    }
                    stored.strategies.append(strategy)
                }
                if compact {
                    // Asset names once; rows by day, then by asset name, as the released view sorts them.
                    let assets = try Row.fetchAll(db, sql: "SELECT position, name FROM run_assets WHERE run_id = ? ORDER BY name", arguments: [id])
                    var names: [Int: (rank: Int, name: String)] = [:]
                    for (rank, row) in assets.enumerated() { names[row[0]] = (rank, row[1]) }
                    var market: [(rank: Int, row: StoredMarketDaily)] = []
                    let rows = try Row.fetchCursor(db, sql: """
                        SELECT day, asset_pos, price, ratio FROM market_daily_data WHERE run_id = ? AND path = 0 ORDER BY day, asset_pos
                        """, arguments: [id])
                    while let row = try rows.next() {
                        guard let asset = names[row[1]] else { continue }
                        market.append((asset.rank, StoredMarketDaily(path: 0, day: row[0], asset: asset.name, price: row[2], ratio: row[3])))
                    }
                    stored.marketDaily = market.sorted { ($0.row.day, $0.rank) < ($1.row.day, $1.rank) }.map(\.row)
                    // Strategies and layers in scenario order, as everywhere else in a run.
                    let rates = try Row.fetchCursor(db, sql: """
                        SELECT strategy_pos, day, layer_pos, rate FROM layer_rates_data WHERE run_id = ? AND path = 0
                        ORDER BY strategy_pos, day, layer_pos
                        """, arguments: [id])
                    while let row = try rates.next() {
                        guard let s = positions[row[0]] else { continue }
                        let strategy = stored.strategies[s]
                        let layer: Int = row[2]
                        guard strategy.layers.indices.contains(layer) else { continue }
                        stored.layerRates.append(StoredLayerRate(strategy: strategy.name, path: 0, day: row[1], layer: strategy.layers[layer].id, rate: row[3]))
                    }
                    return stored
                }
                // A database read-only opened is not migrated: one made before v2 has neither table.
                guard try db.tableExists("market_daily"), try db.tableExists("layer_rates") else { return stored }
                let market = try Row.fetchCursor(db, sql: """
                    SELECT path, day, asset, price, ratio FROM market_daily WHERE run_id = ? AND path = 0 ORDER BY day, asset
                    """, arguments: [id])
                while let row = try market.next() {
                    stored.marketDaily.append(StoredMarketDaily(path: row[0], day: row[1], asset: row[2], price: row[3], ratio: row[4]))
                }
                let rates = try Row.fetchCursor(db, sql: """
                    SELECT r.strategy, r.path, r.day, r.layer_id, r.rate FROM layer_rates r
                    JOIN strategies s ON s.run_id = r.run_id AND s.name = r.strategy
                    JOIN layers l ON l.run_id = r.run_id AND l.strategy = r.strategy AND l.layer_id = r.layer_id
                    WHERE r.run_id = ? AND r.path = 0 ORDER BY s.position, r.day, l.position
                    """, arguments: [id])
                while let row = try rates.next() {
                    stored.layerRates.append(StoredLayerRate(strategy: row[0], path: row[1], day: row[2], layer: row[3], rate: row[4]))
                }
                return stored
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(path: path, message: Self.describe(error))
        }
    }

    /// Rows of a table for one run, as text, in key order: for tests that
    /// compare two runs' rows ignoring ids and timestamps.
    public func dump(table: String, run id: Int64) throws(StoreError) -> [String] {
        let order = Dictionary(uniqueKeysWithValues: StoreSchema.runTables.map { ($0.name, $0.order) })
        do {
            return try queue.read { db in
                let idColumn = table == "runs" ? "id" : "run_id"
                return try Row.fetchAll(db, sql: "SELECT * FROM \(table) WHERE \(idColumn) = ? ORDER BY \(order[table] ?? "rowid")", arguments: [id]).map { row in
                    row.columnNames.filter { !["id", "run_id", "started_at", "finished_at"].contains($0) }
                        .map { "\($0)=\(row[$0] as DatabaseValue)" }.joined(separator: "|")
                }
            }
        } catch {
            throw StoreError(path: path, message: Self.describe(error))
        }
    }

    /// Row count of a table (all runs), for tests.
    public func count(table: String) throws(StoreError) -> Int {
        do {
            return try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
        } catch {
            throw StoreError(path: path, message: Self.describe(error))
        }
    }
}

extension ResultStore {
    /// Copies every run of the yieldstack database at `source` (a recovery
    /// file, another machine's results) into this one, in one transaction:
    /// all of a run's rows, under new run ids, so nothing is half-imported
    /// and ids already here are never reused. The source is only read.
    /// Returns the new ids in the order of the source's ids.
    @discardableResult
    public func importRuns(from source: String) throws(StoreError) -> [ImportedRun] {
        if isReadOnly { throw StoreError(path: path, message: "was opened read-only; it cannot take imported runs") }
        let resolved = { (p: String) in URL(fileURLWithPath: p).resolvingSymlinksInPath().standardizedFileURL.path }
        if path != ":memory:", resolved(source) == resolved(path) {
            throw StoreError(path: source, message: "is the target database itself; nothing to import")
        }
        // Refuses missing, foreign and non-SQLite files with their own sentences.
        let from = try ResultStore(readOnlyPath: source, wait: wait)
        let plan: (ids: [Int64], columns: [String: [String]])
        do {
            plan = try from.queue.read { db in
                let applied = try db.tableExists("grdb_migrations")
                    ? try String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations") : []
                let known = Set(StoreSchema.migrations.map(\.identifier))
                if let unknown = applied.subtracting(known).sorted().first {
                    throw StoreError(path: source, message: "was written by a newer yieldstack (schema migration '\(unknown)'); import it with that version")
                }
                var columns: [String: [String]] = [:]
                // Released relations: tables up to v2, views over the compact tables from v3.
                for (table, _) in StoreSchema.runTables where try db.tableExists(table) || db.viewExists(table) {
                    columns[table] = try db.columns(in: table).map(\.name)
                }
                return (try Int64.fetchAll(db, sql: "SELECT id FROM runs ORDER BY id"), columns)
            }
        } catch {
            throw StoreError(path: source, message: Self.describe(error, path: source))
        }
        from.close()
        do {
            return try Self.retrying(until: Self.deadline(wait)) {
                try queue.writeWithoutTransaction { db in
                    let target = Dictionary(uniqueKeysWithValues: try StoreSchema.runTables.map { ($0.name, Set(try db.columns(in: $0.name).map(\.name))) })
                    let compact = Set(StoreSchema.compactTables.map(\.released))
                    try db.execute(sql: "ATTACH DATABASE ? AS import_source", arguments: [source])
                    defer { try? db.execute(sql: "DETACH DATABASE import_source") }
                    var imported: [ImportedRun] = []
                    try db.inTransaction(.immediate) {
                        imported = []
                        for old in plan.ids {
                            // The same run twice (an import repeated by mistake) would
                            // double every statistic over runs: refuse the whole file.
                            if let existing = try Int64.fetchOne(db, sql: """
                                SELECT m.id FROM main.runs m JOIN import_source.runs s
                                ON m.scenario_sha256 = s.scenario_sha256 AND m.seed = s.seed AND m.paths = s.paths
                                AND m.started_at = s.started_at AND m.finished_at = s.finished_at AND m.tool_version = s.tool_version
                                WHERE s.id = ? ORDER BY m.id LIMIT 1
                                """, arguments: [old]) {
                                throw StoreError(path: path, message: """
                                    already holds run \(old) of \(source) (as run \(existing): same scenario, seed, paths and timestamps); \
                                    nothing was imported from that file
                                    """)
                            }
                            var newID: Int64 = 0
                            for (table, order) in StoreSchema.runTables where !compact.contains(table) {
                                guard let available = plan.columns[table] else { continue }
                                // Ids are the target's own; a table the source predates stays empty.
                                let copied = available.filter { !["id", "run_id"].contains($0) && target[table]?.contains($0) == true }
                                let list = copied.map { "\"\($0)\"" }.joined(separator: ", ")
                                if table == "runs" {
                                    try db.execute(sql: "INSERT INTO main.runs (\(list)) SELECT \(list) FROM import_source.runs WHERE id = ?",
                                                   arguments: [old])
                                    newID = db.lastInsertedRowID
                                } else {
                                    try db.execute(sql: """
                                        INSERT INTO main.\(table) (run_id, \(list)) SELECT ?, \(list) FROM import_source.\(table)
                                        WHERE run_id = ? ORDER BY \(order)
                                        """, arguments: [newID, old])
                                }
                            }
                            // The bulky tables through the source's released names, so a v2
                            // file and a v3 one are read alike; positions are matched by name.
                            for statement in StoreSchema.fillCompactSQL(source: { "import_source.\($0)" }, importing: true,
                                                                        hasMarket: plan.columns["market_daily"] != nil && plan.columns["layer_rates"] != nil) {
                                try db.execute(sql: statement, arguments: [newID, old])
                            }
                            imported.append(ImportedRun(sourceID: old, id: newID))
                        }
                        return .commit
                    }
                    return imported
                }
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(path: path, message: "cannot import \(source): \(Self.describe(error, path: path))")
        }
    }
}

/// One asset's price on one day of one stored path (`market_daily`).
public struct StoredMarketDaily: Sendable, Equatable {
    public var path: Int
    public var day: Int
    public var asset: String
    /// In the run's currency.
    public var price: Double
    /// Peg ratio; nil for an asset without a peg.
    public var ratio: Double?

    public init(path: Int, day: Int, asset: String, price: Double, ratio: Double?) {
        self.path = path
        self.day = day
        self.asset = asset
        self.price = price
        self.ratio = ratio
    }
}

/// The rate one layer used on one day of one stored path (`layer_rates`).
public struct StoredLayerRate: Sendable, Equatable {
    public var strategy: String
    public var path: Int
    public var day: Int
    /// The layer's id.
    public var layer: String
    public var rate: Double

    public init(strategy: String, path: Int, day: Int, layer: String, rate: Double) {
        self.strategy = strategy
        self.path = path
        self.day = day
        self.layer = layer
        self.rate = rate
    }
}

/// A run as the database holds it: enough to render its report and `--json`
/// without the scenario's data files or the engine.
public struct StoredRun: Sendable {
    public enum EventSelection: Sendable { case reportPaths, all }

    public var id: Int64
    public var scenarioName: String
    public var scenarioFile: String
    public var scenarioJSON: String
    public var scenarioSHA256: String
    public var seed: UInt64
    public var paths: Int
    public var days: Int
    public var start: CivilDate
    public var currency: String
    public var storedPaths: Int
    public var toolVersion: String
    public var strategies: [StoredStrategy]
    /// Prices and peg ratios of the stored paths, by path, day and asset.
    /// Path 0's market series, what the reports chart (the table holds every stored path).
    public var marketDaily: [StoredMarketDaily] = []
    /// Rates of rate-bearing layers on the stored paths, by strategy (scenario order), path, day and layer id.
    /// Path 0's layer rates, what the reports chart (the table holds every stored path).
    public var layerRates: [StoredLayerRate] = []

    public var endDate: CivilDate { start.adding(days: days - 1) }

    /// The scenario's description, read from the stored JSON.
    public var scenarioDescription: String? {
        (try? JSONParser.parse(scenarioJSON))?["description"]?.string
    }
}

public struct StoredLayer: Sendable, Equatable {
    public var id: String
    public var type: String
    public var asset: String
}

public struct StoredStrategy: Sendable {
    public var name: String
    public var capitalAsset: String
    public var capitalAmount: Double
    public var layers: [StoredLayer] = []
    public var metrics: [String: Double?] = [:]
    public var quantiles: [DailyQuantiles] = []
    public var pathZero: [DailyRecord] = []
    public var paths: [PathOutcome] = []
    public var events: [EngineEvent] = []

    public init(name: String, capitalAsset: String, capitalAmount: Double) {
        self.name = name
        self.capitalAsset = capitalAsset
        self.capitalAmount = capitalAmount
    }

    /// A stored metric; nil when absent or stored as NULL.
    public func metric(_ name: String) -> Double? { metrics[name] ?? nil }
    /// A catalogue metric of this strategy (nil when not stored or null).
    public func metric(_ m: Metric) -> Double? { metrics[m.name] ?? nil }
}
