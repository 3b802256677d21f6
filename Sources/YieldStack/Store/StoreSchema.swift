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

    /// Tables holding a run's rows, parents first (the order an import
    /// inserts them in), each with its `ORDER BY` for `dump(table:run:)`.
    static let runTables: [(name: String, order: String)] = [
        ("runs", "id"), ("strategies", "position"), ("layers", "strategy, position"), ("daily", "strategy, path, day"),
        ("layer_daily", "strategy, path, day, layer_id"), ("daily_quantiles", "strategy, day"), ("events", "id"),
        ("path_summary", "strategy, path"), ("metrics", "strategy, name"),
        ("market_daily", "path, day, asset"), ("layer_rates", "strategy, path, day, layer_id"),
    ]

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
                .check(sql: "kind IN (\(EventKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")))")
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
}
