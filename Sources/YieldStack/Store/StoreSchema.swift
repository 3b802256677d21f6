import GRDB

/// The results database schema (SPEC §4), created and evolved only through
/// named migrations: a results file outlives many versions of the tool.
/// Released migrations are never edited; a change is a new migration.
enum StoreSchema {
    /// One named step of the schema. Applied in order, each recorded in
    /// GRDB's `grdb_migrations` table under its identifier.
    struct Migration: Sendable {
        var identifier: String
        var apply: @Sendable (Database) throws -> Void
    }

    /// The migrations in order. `ResultStore` applies them itself inside one
    /// `BEGIN IMMEDIATE` transaction (see `ResultStore.migrate`), so that
    /// processes opening a new file at once cannot both create `runs`.
    static let migrations: [Migration] = [
        Migration(identifier: "v1-runs", apply: v1Runs),
        Migration(identifier: "v2-market-daily-layer-rates", apply: v2MarketDailyLayerRates),
        Migration(identifier: "v3-integer-keys", apply: v3IntegerKeys),
        Migration(identifier: "v4-cascade-events", apply: v4CascadeEvents),
        Migration(identifier: "v5-shard-runs", apply: v5ShardRuns),
    ]

    /// The same migrations for GRDB's `DatabaseMigrator` (same identifiers,
    /// same bookkeeping table), for tools and tests that use GRDB directly.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for m in migrations { migrator.registerMigration(m.identifier, migrate: m.apply) }
        return migrator
    }

    /// Columns of `runs` that identify a yieldstack database whose
    /// migration bookkeeping is missing (for example a copy made by hand).
    static let runsColumns: Set<String> = [
        "id", "scenario_name", "scenario_file", "scenario_json", "scenario_sha256", "seed", "paths", "days",
        "start_date", "currency", "stored_paths", "tool_version", "started_at", "finished_at", "status",
    ]

    /// Relations holding a run's rows under their released names, parents
    /// first (the order an import inserts them in), each with its `ORDER BY`
    /// for `dump(table:run:)`. From v3 the bulky ones (`compactTables`) are
    /// views; an import fills their compact tables instead.
    static let runTables: [(name: String, order: String)] = [
        ("runs", "id"), ("strategies", "position"), ("layers", "strategy, position"), ("daily", "strategy, path, day"),
        ("layer_daily", "strategy, path, day, layer_id"), ("daily_quantiles", "strategy, day"), ("events", "id"),
        ("path_summary", "strategy, path"), ("metrics", "strategy, name"),
        ("market_daily", "path, day, asset"), ("layer_rates", "strategy, path, day, layer_id"),
    ]

    /// The event kinds of 0.1.0 and 0.2.0, as v1 created its CHECK.
    static let v1EventKinds = ["shock", "flow", "reward_payout", "maturity", "unbonded", "redemption", "liquidation",
                               "bad_debt", "rule", "refused_action"]

    /// Released 0.1.0. Never edit: a change is a new migration.
    @Sendable static func v1Runs(_ db: Database) throws {
        try db.create(table: "runs") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("scenario_name", .text).notNull()
            t.column("scenario_file", .text).notNull()
            t.column("scenario_json", .text).notNull()
            t.column("scenario_sha256", .text).notNull().check { length($0) == 64 }
            t.column("seed", .integer).notNull().check { $0 >= 0 }
            t.column("paths", .integer).notNull().check { $0 >= 1 }
            t.column("days", .integer).notNull().check { $0 >= 1 }
            t.column("start_date", .text).notNull()
            t.column("currency", .text).notNull()
            t.column("stored_paths", .integer).notNull()
            t.column("tool_version", .text).notNull()
            t.column("started_at", .text).notNull()
            t.column("finished_at", .text).notNull()
            t.column("status", .text).notNull().check(sql: "status IN ('completed')")
        }
        try db.create(table: "strategies") { t in
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("position", .integer).notNull()
            t.column("name", .text).notNull()
            t.column("capital_asset", .text).notNull()
            t.column("capital_amount", .double).notNull()
            t.primaryKey(["run_id", "name"])
            t.uniqueKey(["run_id", "position"])
        }
        try db.create(table: "layers") { t in
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("position", .integer).notNull()
            t.column("layer_id", .text).notNull()
            t.column("type", .text).notNull()
            t.column("asset", .text).notNull()
            t.primaryKey(["run_id", "strategy", "layer_id"])
            t.foreignKey(["run_id", "strategy"], references: "strategies", columns: ["run_id", "name"], onDelete: .cascade)
        }
        try db.create(table: "daily", options: [.withoutRowID]) { t in
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("path", .integer).notNull()
            t.column("day", .integer).notNull()
            t.column("date", .text).notNull()
            t.column("equity", .double).notNull()
            t.column("debt", .double).notNull()
            t.column("health_factor", .double)
            t.primaryKey(["run_id", "strategy", "path", "day"])
            t.foreignKey(["run_id", "strategy"], references: "strategies", columns: ["run_id", "name"], onDelete: .cascade)
        }
        try db.create(table: "layer_daily", options: [.withoutRowID]) { t in
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("path", .integer).notNull()
            t.column("day", .integer).notNull()
            t.column("layer_id", .text).notNull()
            t.column("asset", .text).notNull()
            t.column("amount", .double).notNull()
            t.column("value", .double).notNull()
            t.column("yield_to_date", .double).notNull()
            t.primaryKey(["run_id", "strategy", "path", "day", "layer_id"])
            t.foreignKey(["run_id", "strategy", "layer_id"], references: "layers", columns: ["run_id", "strategy", "layer_id"], onDelete: .cascade)
        }
        try db.create(table: "daily_quantiles", options: [.withoutRowID]) { t in
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("day", .integer).notNull()
            t.column("date", .text).notNull()
            for c in ["p05", "p25", "p50", "p75", "p95", "mean"] { t.column(c, .double).notNull() }
            t.primaryKey(["run_id", "strategy", "day"])
            t.foreignKey(["run_id", "strategy"], references: "strategies", columns: ["run_id", "name"], onDelete: .cascade)
        }
        try db.create(table: "events") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("path", .integer)
            t.column("day", .integer).notNull()
            t.column("date", .text).notNull()
            t.column("kind", .text).notNull()
                .check(sql: "kind IN (\(v1EventKinds.map { "'\($0)'" }.joined(separator: ", ")))")
            t.column("layer_id", .text)
            t.column("asset", .text)
            t.column("amount", .double)
            t.column("value", .double)
            t.column("detail", .text).notNull().check(sql: "json_valid(detail)")
            t.foreignKey(["run_id", "strategy"], references: "strategies", columns: ["run_id", "name"], onDelete: .cascade)
        }
        try db.create(index: "events_by_path", on: "events", columns: ["run_id", "strategy", "path", "day"])
        try db.create(table: "path_summary", options: [.withoutRowID]) { t in
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("path", .integer).notNull()
            t.column("initial_value", .double).notNull()
            t.column("final_equity", .double).notNull()
            t.column("net_flows", .double).notNull()
            t.column("total_return", .double).notNull()
            t.column("max_drawdown", .double).notNull()
            t.column("liquidated", .boolean).notNull()
            t.column("liquidations", .integer).notNull()
            t.column("first_liquidation_day", .integer)
            t.column("min_health_factor", .double)
            t.column("bad_debt", .double).notNull()
            t.column("market_return", .double).notNull()
            t.primaryKey(["run_id", "strategy", "path"])
            t.foreignKey(["run_id", "strategy"], references: "strategies", columns: ["run_id", "name"], onDelete: .cascade)
        }
        try db.create(table: "metrics", options: [.withoutRowID]) { t in
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("strategy", .text).notNull()
            t.column("name", .text).notNull()
            t.column("value", .double)
            t.primaryKey(["run_id", "strategy", "name"])
        }
    }

    /// SPEC §4: the market each path saw and the rate each rate-bearing
    /// layer used, for the same paths as `daily`, so that health factor, peg
    /// and rates can be plotted together from SQL.
    @Sendable static func v2MarketDailyLayerRates(_ db: Database) throws {
        try db.create(table: "market_daily", options: [.withoutRowID]) { t in
            t.column("run_id", .integer).notNull().references("runs", onDelete: .cascade)
            t.column("path", .integer).notNull().check { $0 >= 0 }
            t.column("day", .integer).notNull().check { $0 >= 0 }
            t.column("date", .text).notNull()
            t.column("asset", .text).notNull()
            // In the scenario's currency.
            t.column("price", .double).notNull()
            // Peg ratio to the underlying; NULL for an asset without a peg.
            t.column("ratio", .double)
            t.primaryKey(["run_id", "path", "day", "asset"])
        }
        try db.create(table: "layer_rates", options: [.withoutRowID]) { t in
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("path", .integer).notNull().check { $0 >= 0 }
            t.column("day", .integer).notNull().check { $0 >= 0 }
            t.column("layer_id", .text).notNull()
            t.column("rate", .double).notNull()
            t.primaryKey(["run_id", "strategy", "path", "day", "layer_id"])
            t.foreignKey(["run_id", "strategy", "layer_id"], references: "layers", columns: ["run_id", "strategy", "layer_id"], onDelete: .cascade)
        }
    }

    // MARK: v3: integer keys

    /// Compact tables behind the released names of v3: the released
    /// relation, its compact table, and the view that shows the compact
    /// table under the released name and columns.
    static let compactTables: [(released: String, compact: String)] = [
        ("daily", "daily_data"), ("layer_daily", "layer_daily_data"), ("daily_quantiles", "daily_quantiles_data"),
        ("path_summary", "path_summary_data"), ("market_daily", "market_daily_data"), ("layer_rates", "layer_rates_data"),
    ]

    /// The view `date` column: the run's start date plus `day` days.
    static func dateSQL(_ day: String) -> String { "date(r.start_date, '+' || \(day) || ' days')" }

    /// The views with the released names and columns (SPEC §4), in the
    /// released column order, over the compact tables.
    static let releasedViews: [(name: String, sql: String)] = [
        ("daily", """
            SELECT d.run_id, s.name AS strategy, d.path, d.day, \(dateSQL("d.day")) AS date, d.equity, d.debt, d.health_factor
            FROM daily_data d JOIN strategies s ON s.run_id = d.run_id AND s.position = d.strategy_pos JOIN runs r ON r.id = d.run_id
            """),
        ("layer_daily", """
            SELECT d.run_id, s.name AS strategy, d.path, d.day, l.layer_id, l.asset, d.amount, d.value, d.yield_to_date
            FROM layer_daily_data d JOIN strategies s ON s.run_id = d.run_id AND s.position = d.strategy_pos
            JOIN layers l ON l.run_id = d.run_id AND l.strategy = s.name AND l.position = d.layer_pos
            """),
        ("daily_quantiles", """
            SELECT d.run_id, s.name AS strategy, d.day, \(dateSQL("d.day")) AS date, d.p05, d.p25, d.p50, d.p75, d.p95, d.mean
            FROM daily_quantiles_data d JOIN strategies s ON s.run_id = d.run_id AND s.position = d.strategy_pos JOIN runs r ON r.id = d.run_id
            """),
        ("path_summary", """
            SELECT d.run_id, s.name AS strategy, d.path, d.initial_value, d.final_equity, d.net_flows, d.total_return, d.max_drawdown,
                   d.liquidated, d.liquidations, d.first_liquidation_day, d.min_health_factor, d.bad_debt, d.market_return
            FROM path_summary_data d JOIN strategies s ON s.run_id = d.run_id AND s.position = d.strategy_pos
            """),
        ("market_daily", """
            SELECT d.run_id, d.path, d.day, \(dateSQL("d.day")) AS date, a.name AS asset, d.price, d.ratio
            FROM market_daily_data d JOIN run_assets a ON a.run_id = d.run_id AND a.position = d.asset_pos JOIN runs r ON r.id = d.run_id
            """),
        ("layer_rates", """
            SELECT d.run_id, s.name AS strategy, d.path, d.day, l.layer_id, d.rate
            FROM layer_rates_data d JOIN strategies s ON s.run_id = d.run_id AND s.position = d.strategy_pos
            JOIN layers l ON l.run_id = d.run_id AND l.strategy = s.name AND l.position = d.layer_pos
            """),
    ]

    /// Creates the compact tables (integer keys, no date text: a run's
    /// `start_date` gives every date) and `run_assets`, the asset names of a run.
    static func createCompactTables(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE run_assets (
                run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                name TEXT NOT NULL,
                PRIMARY KEY (run_id, position),
                UNIQUE (run_id, name)
            ) WITHOUT ROWID;
            CREATE TABLE daily_data (
                run_id INTEGER NOT NULL, strategy_pos INTEGER NOT NULL, path INTEGER NOT NULL, day INTEGER NOT NULL,
                equity REAL NOT NULL, debt REAL NOT NULL, health_factor REAL,
                PRIMARY KEY (run_id, strategy_pos, path, day),
                FOREIGN KEY (run_id, strategy_pos) REFERENCES strategies(run_id, position) ON DELETE CASCADE
            ) WITHOUT ROWID;
            CREATE TABLE layer_daily_data (
                run_id INTEGER NOT NULL, strategy_pos INTEGER NOT NULL, path INTEGER NOT NULL, day INTEGER NOT NULL,
                layer_pos INTEGER NOT NULL, amount REAL NOT NULL, value REAL NOT NULL, yield_to_date REAL NOT NULL,
                PRIMARY KEY (run_id, strategy_pos, path, day, layer_pos),
                FOREIGN KEY (run_id, strategy_pos) REFERENCES strategies(run_id, position) ON DELETE CASCADE
            ) WITHOUT ROWID;
            CREATE TABLE daily_quantiles_data (
                run_id INTEGER NOT NULL, strategy_pos INTEGER NOT NULL, day INTEGER NOT NULL,
                p05 REAL NOT NULL, p25 REAL NOT NULL, p50 REAL NOT NULL, p75 REAL NOT NULL, p95 REAL NOT NULL, mean REAL NOT NULL,
                PRIMARY KEY (run_id, strategy_pos, day),
                FOREIGN KEY (run_id, strategy_pos) REFERENCES strategies(run_id, position) ON DELETE CASCADE
            ) WITHOUT ROWID;
            CREATE TABLE path_summary_data (
                run_id INTEGER NOT NULL, strategy_pos INTEGER NOT NULL, path INTEGER NOT NULL,
                initial_value REAL NOT NULL, final_equity REAL NOT NULL, net_flows REAL NOT NULL, total_return REAL NOT NULL,
                max_drawdown REAL NOT NULL, liquidated BOOLEAN NOT NULL, liquidations INTEGER NOT NULL,
                first_liquidation_day INTEGER, min_health_factor REAL, bad_debt REAL NOT NULL, market_return REAL NOT NULL,
                PRIMARY KEY (run_id, strategy_pos, path),
                FOREIGN KEY (run_id, strategy_pos) REFERENCES strategies(run_id, position) ON DELETE CASCADE
            ) WITHOUT ROWID;
            CREATE TABLE market_daily_data (
                run_id INTEGER NOT NULL, path INTEGER NOT NULL CHECK (path >= 0), day INTEGER NOT NULL CHECK (day >= 0),
                asset_pos INTEGER NOT NULL, price REAL NOT NULL, ratio REAL,
                PRIMARY KEY (run_id, path, day, asset_pos),
                FOREIGN KEY (run_id, asset_pos) REFERENCES run_assets(run_id, position) ON DELETE CASCADE
            ) WITHOUT ROWID;
            CREATE TABLE layer_rates_data (
                run_id INTEGER NOT NULL, strategy_pos INTEGER NOT NULL, path INTEGER NOT NULL CHECK (path >= 0),
                day INTEGER NOT NULL CHECK (day >= 0), layer_pos INTEGER NOT NULL, rate REAL NOT NULL,
                PRIMARY KEY (run_id, strategy_pos, path, day, layer_pos),
                FOREIGN KEY (run_id, strategy_pos) REFERENCES strategies(run_id, position) ON DELETE CASCADE
            ) WITHOUT ROWID;
            """)
    }

    /// `INSERT … SELECT` statements filling the compact tables from the
    /// released relations (v2 tables or v3 views) that `source` names.
    /// `importing`: copy the source's run `?2` under the id `?1` here;
    /// otherwise every run under its own id (the migration). Strategies and
    /// layers are matched by name among rows already in `main`, so the
    /// positions are this database's.
    static func fillCompactSQL(source: (String) -> String, importing: Bool, hasMarket: Bool) -> [String] {
        let newID = importing ? "?1" : "x.run_id"
        let only = importing ? "WHERE x.run_id = ?2" : ""
        let strategy = "JOIN main.strategies s ON s.run_id = \(newID) AND s.name = x.strategy"
        let layer = "JOIN main.layers l ON l.run_id = \(newID) AND l.strategy = x.strategy AND l.layer_id = x.layer_id"
        var sql = [
            """
            INSERT INTO main.daily_data SELECT \(newID), s.position, x.path, x.day, x.equity, x.debt, x.health_factor
            FROM \(source("daily")) x \(strategy) \(only) ORDER BY 1, 2, 3, 4
            """,
            """
            INSERT INTO main.layer_daily_data SELECT \(newID), s.position, x.path, x.day, l.position, x.amount, x.value, x.yield_to_date
            FROM \(source("layer_daily")) x \(strategy) \(layer) \(only) ORDER BY 1, 2, 3, 4, 5
            """,
            """
            INSERT INTO main.daily_quantiles_data SELECT \(newID), s.position, x.day, x.p05, x.p25, x.p50, x.p75, x.p95, x.mean
            FROM \(source("daily_quantiles")) x \(strategy) \(only) ORDER BY 1, 2, 3
            """,
            """
            INSERT INTO main.path_summary_data SELECT \(newID), s.position, x.path, x.initial_value, x.final_equity, x.net_flows,
                x.total_return, x.max_drawdown, x.liquidated, x.liquidations, x.first_liquidation_day, x.min_health_factor,
                x.bad_debt, x.market_return
            FROM \(source("path_summary")) x \(strategy) \(only) ORDER BY 1, 2, 3
            """,
        ]
        if hasMarket {
            sql += [
                // Asset positions in name order: only the names are ever shown.
                """
                INSERT INTO main.run_assets SELECT \(newID), (SELECT COUNT(DISTINCT y.asset) FROM \(source("market_daily")) y
                    WHERE y.run_id = x.run_id AND y.asset < x.asset), x.asset
                FROM (SELECT DISTINCT run_id, asset FROM \(source("market_daily"))) x \(only)
                """,
                """
                INSERT INTO main.market_daily_data SELECT \(newID), x.path, x.day, a.position, x.price, x.ratio
                FROM \(source("market_daily")) x JOIN main.run_assets a ON a.run_id = \(newID) AND a.name = x.asset \(only) ORDER BY 1, 2, 3, 4
                """,
                """
                INSERT INTO main.layer_rates_data SELECT \(newID), s.position, x.path, x.day, l.position, x.rate
                FROM \(source("layer_rates")) x \(strategy) \(layer) \(only) ORDER BY 1, 2, 3, 4, 5
                """,
            ]
        }
        return sql
    }

    /// The bulky per-path-day tables become compact tables keyed by
    /// integers, without a date text per row, behind views with the
    /// released names and columns, so that SQL written against v1/v2 still
    /// reads the same rows: writing a 100-path run took ~0.6 s of text keys,
    /// foreign-key lookups by name and dates. Existing rows are moved.
    @Sendable static func v3IntegerKeys(_ db: Database) throws {
        try createCompactTables(db)
        // Nothing refers to these tables, so renaming them rewrites nothing else.
        for (released, _) in compactTables { try db.execute(sql: "ALTER TABLE \(released) RENAME TO \(released)_v2") }
        for statement in fillCompactSQL(source: { "main.\($0)_v2" }, importing: false, hasMarket: true) {
            try db.execute(sql: statement)
        }
        for (released, _) in compactTables { try db.execute(sql: "DROP TABLE \(released)_v2") }
        for view in releasedViews { try db.execute(sql: "CREATE VIEW \(view.name) AS \(view.sql)") }
    }

    /// The event kinds `events.kind` accepts from v4 on: 0.2.0's and
    /// `cascade` (SPEC §2.6). Written out, not read from `EventKind`, so the
    /// migration means the same in every later version; a new kind is a new
    /// migration.
    static let v4EventKinds = ["shock", "flow", "reward_payout", "maturity", "unbonded", "redemption", "liquidation",
                               "bad_debt", "rule", "refused_action", "cascade"]

    /// SQLite cannot alter a CHECK constraint, so `events` is rebuilt with
    /// the same columns, rows, ids and index and the wider kind list.
    @Sendable static func v4CascadeEvents(_ db: Database) throws {
        try db.execute(sql: "ALTER TABLE events RENAME TO events_v3")
        try db.execute(sql: "DROP INDEX IF EXISTS events_by_path")
        try db.create(table: "events") { t in
            t.autoIncrementedPrimaryKey("id")
            t.column("run_id", .integer).notNull()
            t.column("strategy", .text).notNull()
            t.column("path", .integer)
            t.column("day", .integer).notNull()
            t.column("date", .text).notNull()
            t.column("kind", .text).notNull()
                .check(sql: "kind IN (\(v4EventKinds.map { "'\($0)'" }.joined(separator: ", ")))")
            t.column("layer_id", .text)
            t.column("asset", .text)
            t.column("amount", .double)
            t.column("value", .double)
            t.column("detail", .text).notNull().check(sql: "json_valid(detail)")
            t.foreignKey(["run_id", "strategy"], references: "strategies", columns: ["run_id", "name"], onDelete: .cascade)
        }
        try db.execute(sql: "INSERT INTO events SELECT * FROM events_v3")
        try db.execute(sql: "DROP TABLE events_v3")
        try db.create(index: "events_by_path", on: "events", columns: ["run_id", "strategy", "path", "day"])
    }
}
