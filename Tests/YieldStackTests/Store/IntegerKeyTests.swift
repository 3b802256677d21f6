import Foundation
import GRDB
import Testing
@testable import YieldStack

/// Schema v3 (`v3-integer-keys`): the bulky per-path-day tables are compact
/// tables keyed by integers, behind views with the released names.
@Suite("Results database: v3 integer keys")
struct IntegerKeyTests {
    static let released = StoreSchema.compactTables.map(\.released)

    /// A database migrated to v2 only, holding one run written the v2 way
    /// (text keys, a date per row): two strategies, two layers each, two
    /// paths, days 0, 1 and 31 (2024-02-01), two assets.
    static func v2Database() throws -> String {
        let path = TestSupport.tempDirectory() + "/v2.sqlite"
        let queue = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(queue, upTo: "v2-market-daily-layer-rates")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO runs (scenario_name, scenario_file, scenario_json, scenario_sha256, seed, paths, days, start_date,
                                  currency, stored_paths, tool_version, started_at, finished_at, status)
                VALUES ('old', 'old.json', '{}', ?, 7, 2, 40, '2024-01-01', 'USD', 2, '0.2.0', 'a', 'b', 'completed')
                """, arguments: [String(repeating: "b", count: 64)])
            // Positions deliberately not in name order.
            for (position, name) in [(0, "zeta"), (1, "alpha")] {
                try db.execute(sql: "INSERT INTO strategies VALUES (1, ?, ?, 'ETH', 100)", arguments: [position, name])
                for (l, (layer, asset)) in [("lido", "stETH"), ("aave", "ETH")].enumerated() {
                    try db.execute(sql: "INSERT INTO layers VALUES (1, ?, ?, ?, 'x', ?)", arguments: [name, l, layer, asset])
                }
                for path in 0..<2 {
                    for (day, date) in [(0, "2024-01-01"), (1, "2024-01-02"), (31, "2024-02-01")] {
                        let v = Double(position * 1000 + path * 100 + day)
                        try db.execute(sql: "INSERT INTO daily VALUES (1, ?, ?, ?, ?, ?, ?, ?)",
                                       arguments: [name, path, day, date, v, v / 2, day == 1 ? nil : 1.5])
                        for (layer, asset) in [("lido", "stETH"), ("aave", "ETH")] {
                            try db.execute(sql: "INSERT INTO layer_daily VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
                                           arguments: [name, path, day, layer, asset, v + 1, v + 2, v + 3])
                        }
                        try db.execute(sql: "INSERT INTO layer_rates VALUES (1, ?, ?, ?, 'aave', ?)", arguments: [name, path, day, v / 1000])
                    }
                    try db.execute(sql: "INSERT INTO path_summary VALUES (1, ?, ?, 100, 101, 0, 0.01, 0.2, ?, ?, ?, ?, 0, -0.1)",
                                   arguments: [name, path, path == 1, path, path == 1 ? 31 : nil, path == 1 ? 0.9 : nil])
                }
                for (day, date) in [(0, "2024-01-01"), (1, "2024-01-02"), (31, "2024-02-01")] {
                    try db.execute(sql: "INSERT INTO daily_quantiles VALUES (1, ?, ?, ?, 1, 2, 3, 4, 5, 6)", arguments: [name, day, date])
                }
                try db.execute(sql: """
                    INSERT INTO events (run_id, strategy, path, day, date, kind, layer_id, asset, amount, value, detail)
                    VALUES (1, ?, 1, 31, '2024-02-01', 'liquidation', 'aave', 'ETH', 1, 2, '{}')
                    """, arguments: [name])
                try db.execute(sql: "INSERT INTO metrics VALUES (1, ?, 'worst_path', 1)", arguments: [name])
            }
            for path in 0..<2 {
                for (day, date) in [(0, "2024-01-01"), (1, "2024-01-02"), (31, "2024-02-01")] {
                    try db.execute(sql: "INSERT INTO market_daily VALUES (1, ?, ?, ?, 'stETH', ?, 0.99)", arguments: [path, day, date, 3000 + Double(day)])
                    try db.execute(sql: "INSERT INTO market_daily VALUES (1, ?, ?, ?, 'ETH', ?, NULL)", arguments: [path, day, date, 3010 + Double(day)])
                }
            }
        }
        try queue.close()
        return path
    }

    static func dumps(_ store: ResultStore, run: Int64) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (table, _) in StoreSchema.runTables { out[table] = try store.dump(table: table, run: run) }
        return out
    }

    static func compare(_ a: StoredRun, _ b: StoredRun) {
        #expect(a.strategies.map(\.name) == b.strategies.map(\.name))
        for (x, y) in zip(a.strategies, b.strategies) {
            #expect(x.layers == y.layers)
            #expect(x.pathZero == y.pathZero)
            #expect(x.paths == y.paths)
            #expect(x.quantiles == y.quantiles)
            #expect(x.events.map(\.day) == y.events.map(\.day))
            #expect(x.metrics.count == y.metrics.count)
        }
        #expect(a.marketDaily == b.marketDaily)
        #expect(a.layerRates == b.layerRates)
    }

    @Test("migrating a v2 database to v3 keeps every row, read back equal through the views and by load")
    func migratesV2() throws {
        let path = try Self.v2Database()
        let old = try ResultStore(readOnlyPath: path)
        let before = try Self.dumps(old, run: 1)
        let loadedBefore = try old.load(run: 1, eventPaths: .all)
        old.close()
        #expect(before["daily"]?.count == 12)
        #expect(before["layer_daily"]?.count == 24)
        #expect(before["market_daily"]?.count == 12)

        let store = try ResultStore(path: path)
        let after = try Self.dumps(store, run: 1)
        for table in before.keys.sorted() { #expect(after[table] == before[table], "\(table)") }
        let loadedAfter = try store.load(run: 1, eventPaths: .all)
        Self.compare(loadedAfter, loadedBefore)
        #expect(loadedAfter.strategies.map(\.name) == ["zeta", "alpha"])
        #expect(loadedAfter.marketDaily.prefix(2).map(\.asset) == ["ETH", "stETH"])
        #expect(loadedAfter.layerRates.count == 6)
        for table in Self.released {
            #expect(try store.count(table: table) == before[table]?.count, "\(table)")
        }
        // The old tables are gone: the released names are views now.
        let kinds = try store.queue.read { db in
            try Row.fetchAll(db, sql: "SELECT name, type FROM sqlite_master WHERE name IN (\(Self.released.map { "'\($0)'" }.joined(separator: ", ")))")
                .map { "\($0[0] as String):\($0[1] as String)" }.sorted()
        }
        #expect(kinds == Self.released.map { "\($0):view" }.sorted())
        #expect(try store.queue.read { db in try String.fetchAll(db, sql: "PRAGMA foreign_key_check") }.isEmpty)
    }

    @Test("the views have the released columns, in the released order, and dates from the run's start date")
    func viewsHaveReleasedColumns() throws {
        let v2 = try DatabaseQueue()
        try StoreSchema.migrator.migrate(v2, upTo: "v2-market-daily-layer-rates")
        let store = try ResultStore()
        for table in Self.released {
            let releasedColumns = try v2.read { db in try db.columns(in: table).map(\.name) }
            let viewColumns = try store.queue.read { db in try db.columns(in: table).map(\.name) }
            #expect(viewColumns == releasedColumns, "\(table)")
        }
        #expect(try StoreSchema.runTables.map(\.name).sorted() == ["daily", "daily_quantiles", "events", "layer_daily", "layer_rates",
                                                                    "layers", "market_daily", "metrics", "path_summary", "runs", "strategies"])
        // A hand-checked date: start 2024-01-01, day 31 → 2024-02-01 (golden scenario: 40 days from 2024-01-01).
        let (result, summaries, metadata) = try ConcurrentStoreTests.goldenRun()
        let id = try store.save(result, summaries: summaries, metadata: metadata)
        let dates = try store.queue.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT date FROM daily WHERE run_id = ? AND day = 31", arguments: [id])
        }
        #expect(dates == ["2024-02-01"])
        let quantileDate = try store.queue.read { db in
            try String.fetchOne(db, sql: "SELECT date FROM daily_quantiles WHERE run_id = ? AND day = 31 LIMIT 1", arguments: [id])
        }
        #expect(quantileDate == "2024-02-01")
        let layerRow = try #require(try store.dump(table: "layer_daily", run: id).first)
        #expect(layerRow.hasPrefix(#"strategy="flexible"|path=0|day=0|layer_id="earn"|asset="TOK"|amount="#))
    }

    @Test("a written run reads back equal to what the engine produced")
    func roundTrip() throws {
        let (result, summaries, metadata) = try ConcurrentStoreTests.goldenRun()
        let store = try ResultStore()
        let id = try store.save(result, summaries: summaries, metadata: metadata)
        let stored = try store.load(run: id, eventPaths: .all)
        for (s, strategy) in stored.strategies.enumerated() {
            let r = result.strategies[s]
            #expect(strategy.pathZero == r.daily.filter { $0.path == 0 })
            #expect(strategy.paths == r.paths)
            #expect(strategy.quantiles == summaries[s].quantiles)
            #expect(strategy.events.count == r.events.count)
        }
        #expect(try store.count(table: "daily") == result.strategies.reduce(0) { $0 + $1.daily.count })
        #expect(try store.count(table: "layer_daily") == result.strategies.reduce(0) { $0 + $1.layerDaily.count })
        #expect(try store.count(table: "path_summary") == result.strategies.reduce(0) { $0 + $1.paths.count })
        #expect(try store.count(table: "market_daily") == result.marketDaily.count)
    }

    @Test("the compact tables are keyed by integers and hold no text")
    func integerKeys() throws {
        let store = try ResultStore()
        for (_, compact) in StoreSchema.compactTables {
            let columns = try store.queue.read { db in try Row.fetchAll(db, sql: "PRAGMA table_info(\(compact))") }
            #expect(!columns.isEmpty, "\(compact)")
            // table_info: cid, name, type, notnull, dflt_value, pk.
            let key = columns.filter { ($0[5] as Int) > 0 }.sorted { ($0[5] as Int) < ($1[5] as Int) }
            #expect(key.first.map { $0[1] as String } == "run_id", "\(compact)")
            #expect(key.count >= 3, "\(compact)")
            for c in key { #expect(c[2] as String == "INTEGER", "\(compact).\(c[1] as String)") }
            for c in columns { #expect(c[2] as String != "TEXT", "\(compact).\(c[1] as String)") }
            #expect(!columns.contains { $0[1] as String == "date" }, "\(compact)")
        }
    }

    @Test("import copies a v2 file's run into a v3 database, equal through the views")
    func importsV2() throws {
        let source = try Self.v2Database()
        let old = try ResultStore(readOnlyPath: source)
        let before = try Self.dumps(old, run: 1)
        old.close()
        let target = try ResultStore(path: TestSupport.tempDirectory() + "/target.sqlite")
        let (result, summaries, metadata) = try ConcurrentStoreTests.goldenRun()
        _ = try target.save(result, summaries: summaries, metadata: metadata)
        let imported = try target.importRuns(from: source)
        #expect(imported == [ImportedRun(sourceID: 1, id: 2)])
        let after = try Self.dumps(target, run: 2)
        for table in before.keys.sorted() { #expect(after[table] == before[table], "\(table)") }
        // The source stays v2: import only reads it.
        #expect(try StoreSafetyTests.tables(source).contains("daily_v2") == false)
        let kind = try DatabaseQueue(path: source).read { db in
            try String.fetchOne(db, sql: "SELECT type FROM sqlite_master WHERE name = 'daily'")
        }
        #expect(kind == "table")
    }
}
