import GRDB

/// The results database schema (SPEC §4), created and evolved only through
/// named migrations: a results file outlives many versions of the tool.
/// Released migrations are never edited; a change is a new migration.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs") { db in
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
        return migrator
    }
}
