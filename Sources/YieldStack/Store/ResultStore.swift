import Foundation
import GRDB

/// A database problem: cannot open, locked, read-only, corrupt. The CLI
/// exits 74 (EX_IOERR) on it.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "\(path): database error: \(message)" }
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
    public static let current = "0.1.0"
}

/// The SQLite results database (SPEC §4). One file holds many runs; a run is
/// written in one transaction, so an interrupted run leaves nothing behind.
public final class ResultStore: @unchecked Sendable {
    public let path: String
    let queue: DatabaseQueue
    /// Test hook: throw after writing this many rows, to prove atomicity.
    var failAfterRows: Int?

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(path: String) throws(StoreError) {
        self.path = path
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(5)
        config.foreignKeysEnabled = true
        config.prepareDatabase { db in
            // A run is one large transaction: keep its pages in memory, and
            // under WAL a commit needs no sync of the main file.
            try db.execute(sql: "PRAGMA cache_size = -131072")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty, !FileManager.default.fileExists(atPath: dir) {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            }
            queue = try DatabaseQueue(path: path, configuration: config)
            try StoreSchema.migrator.migrate(queue)
        } catch {
            throw StoreError(path: path, message: Self.describe(error))
        }
    }

    /// An in-memory database, for tests.
    public init(inMemory: Void = ()) throws(StoreError) {
        path = ":memory:"
        var config = Configuration()
        config.foreignKeysEnabled = true
        do {
            queue = try DatabaseQueue(configuration: config)
            try StoreSchema.migrator.migrate(queue)
        } catch {
            throw StoreError(path: path, message: Self.describe(error))
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: return "the database is locked by another process (\(e.message ?? "busy"))"
            case .SQLITE_READONLY: return "the database is read-only"
            case .SQLITE_CANTOPEN: return "cannot open the database file"
            case .SQLITE_NOTADB, .SQLITE_CORRUPT: return "the file is not a yieldstack database or is corrupt"
            case .SQLITE_FULL: return "the disk is full"
            default: return e.message ?? "\(e)"
            }
        }
        return "\(error)"
    }

    // MARK: Writing

    /// Writes a whole run in one transaction and returns its id.
    public func save(_ result: SimulationResult, summaries: [StrategySummary], metadata: RunMetadata) throws(StoreError) -> Int64 {
        do {
            return try queue.write { db in try self.insert(result, summaries: summaries, metadata: metadata, db: db) }
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError(path: path, message: Self.describe(error))
        }
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

        let insertStrategy = try db.makeStatement(sql: "INSERT INTO strategies VALUES (?, ?, ?, ?, ?)")
        let insertLayer = try db.makeStatement(sql: "INSERT INTO layers VALUES (?, ?, ?, ?, ?, ?)")
        let insertDaily = try BulkInsert(db, sql: "INSERT INTO daily VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        let insertLayerDaily = try BulkInsert(db, sql: "INSERT INTO layer_daily VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let insertQuantile = try BulkInsert(db, sql: "INSERT INTO daily_quantiles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let insertEvent = try BulkInsert(db, sql: """
            INSERT INTO events (run_id, strategy, path, day, date, kind, layer_id, asset, amount, value, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let insertPath = try BulkInsert(db, sql: "INSERT INTO path_summary VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        let insertMetric = try BulkInsert(db, sql: "INSERT INTO metrics VALUES (?, ?, ?, ?)")
        let bulk = [insertDaily, insertLayerDaily, insertQuantile, insertEvent, insertPath, insertMetric]

        for (s, r) in result.strategies.enumerated() {
            let spec = scenario.strategies[s]
            let summary = summaries[s]
            let name = spec.name
            try insertStrategy.execute(arguments: [runID, s, name, spec.capitalAsset, spec.capitalAmount])
            for (l, layer) in summary.layers.enumerated() {
                try insertLayer.execute(arguments: [runID, name, l, layer.id, layer.type, layer.asset])
            }
            // Run id and strategy are the first two columns of every bulk table.
            for statement in bulk {
                statement.bind(1, runID)
                statement.bind(2, name)
            }
            for row in r.daily {
                insertDaily.bind(3, row.path)
                insertDaily.bind(4, row.day)
                insertDaily.bind(5, dates[row.day])
                insertDaily.bind(6, row.equity)
                insertDaily.bind(7, row.debt)
                insertDaily.bind(8, row.healthFactor)
                try insertDaily.step()
                try tick()
            }
            let layerIDs = summary.layers.map(\.id)
            let layerAssets = summary.layers.map(\.asset)
            for row in r.layerDaily {
                insertLayerDaily.bind(3, row.path)
                insertLayerDaily.bind(4, row.day)
                insertLayerDaily.bind(5, layerIDs[row.layer])
                insertLayerDaily.bind(6, layerAssets[row.layer])
                insertLayerDaily.bind(7, row.amount)
                insertLayerDaily.bind(8, row.value)
                insertLayerDaily.bind(9, row.yieldToDate)
                try insertLayerDaily.step()
                try tick()
            }
            for q in summary.quantiles {
                insertQuantile.bind(3, q.day)
                insertQuantile.bind(4, dates[q.day])
                for (k, v) in [q.p05, q.p25, q.p50, q.p75, q.p95, q.mean].enumerated() { insertQuantile.bind(Int32(5 + k), v) }
                try insertQuantile.step()
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
                insertPath.bind(3, r.firstPath + p)
                insertPath.bind(4, o.initialValue)
                insertPath.bind(5, o.finalEquity)
                insertPath.bind(6, o.netFlows)
                insertPath.bind(7, o.totalReturn)
                insertPath.bind(8, o.maxDrawdown)
                insertPath.bind(9, o.liquidations > 0)
                insertPath.bind(10, o.liquidations)
                insertPath.bind(11, o.firstLiquidationDay)
                insertPath.bind(12, o.minHealthFactor)
                insertPath.bind(13, o.badDebt)
                insertPath.bind(14, o.marketReturn)
                try insertPath.step()
                try tick()
            }
            for (metric, value) in summary.metrics {
                insertMetric.bind(3, metric)
                insertMetric.bind(4, value.flatMap { $0.isFinite ? $0 : nil })
                try insertMetric.step()
                try tick()
            }
        }
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

    /// Loads everything a report needs about one run.
    public func load(run id: Int64, eventPaths: StoredRun.EventSelection = .reportPaths) throws(StoreError) -> StoredRun {
        do {
            return try queue.read { db in
                guard let run = try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) else {
                    throw StoreError(path: path, message: "no run with id \(id)")
                }
                var stored = StoredRun(
                    id: id,
                    scenarioName: run["scenario_name"], scenarioFile: run["scenario_file"], scenarioJSON: run["scenario_json"],
                    scenarioSHA256: run["scenario_sha256"], seed: UInt64(run["seed"] as Int64), paths: run["paths"], days: run["days"],
                    start: CivilDate(iso: run["start_date"]) ?? CivilDate(dayNumber: 0), currency: run["currency"],
                    storedPaths: run["stored_paths"], toolVersion: run["tool_version"], strategies: [])
                let strategies = try Row.fetchAll(db, sql: "SELECT * FROM strategies WHERE run_id = ? ORDER BY position", arguments: [id])
                for s in strategies {
                    let name: String = s["name"]
                    var strategy = StoredStrategy(name: name, capitalAsset: s["capital_asset"], capitalAmount: s["capital_amount"])
                    strategy.layers = try Row.fetchAll(db, sql: "SELECT * FROM layers WHERE run_id = ? AND strategy = ? ORDER BY position",
                                                       arguments: [id, name]).map { StoredLayer(id: $0["layer_id"], type: $0["type"], asset: $0["asset"]) }
                    for m in try Row.fetchAll(db, sql: "SELECT name, value FROM metrics WHERE run_id = ? AND strategy = ?", arguments: [id, name]) {
                        strategy.metrics[m["name"]] = m["value"] as Double?
                    }
                    strategy.quantiles = try Row.fetchAll(db, sql: "SELECT * FROM daily_quantiles WHERE run_id = ? AND strategy = ? ORDER BY day",
                                                          arguments: [id, name]).map {
                        DailyQuantiles(day: $0["day"], p05: $0["p05"], p25: $0["p25"], p50: $0["p50"], p75: $0["p75"], p95: $0["p95"], mean: $0["mean"])
                    }
                    strategy.pathZero = try Row.fetchAll(db, sql: "SELECT * FROM daily WHERE run_id = ? AND strategy = ? AND path = 0 ORDER BY day",
                                                         arguments: [id, name]).map {
                        DailyRecord(path: 0, day: $0["day"], equity: $0["equity"], debt: $0["debt"], healthFactor: $0["health_factor"])
                    }
                    strategy.paths = try Row.fetchAll(db, sql: "SELECT * FROM path_summary WHERE run_id = ? AND strategy = ? ORDER BY path",
                                                      arguments: [id, name]).map {
                        PathOutcome(initialValue: $0["initial_value"], finalEquity: $0["final_equity"], netFlows: $0["net_flows"],
                                    totalReturn: $0["total_return"], maxDrawdown: $0["max_drawdown"], liquidations: $0["liquidations"],
                                    firstLiquidationDay: $0["first_liquidation_day"], minHealthFactor: $0["min_health_factor"], badDebt: $0["bad_debt"],
                                    marketReturn: $0["market_return"])
                    }
                    let worst = Int(strategy.metrics["worst_path"].flatMap { $0 } ?? 0)
                    let pathFilter: String
                    switch eventPaths {
                    case .reportPaths: pathFilter = "(path IS NULL OR path = 0 OR path = \(worst))"
                    case .all: pathFilter = "1"
                    }
                    strategy.events = try Row.fetchAll(db, sql: """
                        SELECT * FROM events WHERE run_id = ? AND strategy = ? AND \(pathFilter) ORDER BY id
                        """, arguments: [id, name]).map { row in
                        var e = EngineEvent(path: row["path"], day: row["day"], kind: EventKind(rawValue: row["kind"]) ?? .rule,
                                            layer: row["layer_id"], asset: row["asset"], amount: row["amount"], value: row["value"])
                        e.detail = row["detail"]
                        return e
                    }
                    stored.strategies.append(strategy)
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
        let order: [String: String] = [
            "runs": "id", "strategies": "position", "layers": "strategy, position", "daily": "strategy, path, day",
            "layer_daily": "strategy, path, day, layer_id", "daily_quantiles": "strategy, day", "events": "id",
            "path_summary": "strategy, path", "metrics": "strategy, name",
        ]
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
}
