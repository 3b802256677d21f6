/// The `--json` document of SPEC §3, built from a stored run so that it
/// always agrees with the database and the report.
public enum RunJSON {
    public static func document(run: StoredRun, databasePath: String, reportPath: String?) -> JSONValue {
        JSONBuild.object([
            ("run_id", .number(Double(run.id))),
            ("scenario", .string(run.scenarioName)),
            ("db", .string(databasePath)),
            ("report", JSONBuild.string(reportPath)),
            ("paths", .number(Double(run.paths))),
            ("days", .number(Double(run.days))),
            ("seed", .number(Double(run.seed))),
            ("currency", .string(run.currency)),
            ("strategies", JSONBuild.array(run.strategies.map(strategy))),
        ])
    }

    static func strategy(_ s: StoredStrategy) -> JSONValue {
        let m = { (k: String) in JSONBuild.number(s.metric(k)) }
        let owners = s.layers.map(\.id) + ["spot"]
        return JSONBuild.object([
            ("name", .string(s.name)),
            ("initial_value", m("initial_value")),
            ("final_equity", m("final_equity")),
            ("equity_quantiles", JSONBuild.object([("p05", m("equity_p05")), ("p50", m("equity_p50")), ("p95", m("equity_p95"))])),
            ("total_return", m("total_return")),
            ("apy", m("apy")),
            ("max_drawdown", m("max_drawdown")),
            ("var_95", m("var_95")),
            ("cvar_95", m("cvar_95")),
            ("liquidation_probability", m("liquidation_probability")),
            ("liquidations", m("liquidations")),
            ("min_health_factor", m("min_health_factor")),
            ("net_flows", m("net_flows")),
            ("var_99", m("var_99")),
            ("cvar_99", m("cvar_99")),
            ("apy_quantiles", JSONBuild.object([("p05", m("apy_p05")), ("p50", m("apy_p50")), ("p95", m("apy_p95"))])),
            ("max_drawdown_quantiles", JSONBuild.object([("p50", m("max_drawdown_p50")), ("p95", m("max_drawdown_p95")), ("worst", m("max_drawdown_worst"))])),
            ("first_liquidation_day", JSONBuild.object([("p05", m("first_liquidation_day_p05")), ("p50", m("first_liquidation_day_p50"))])),
            ("bad_debt", m("bad_debt")),
            ("probability_above", JSONBuild.object(s.metrics.keys.filter { $0.hasPrefix("prob_above.") }.sorted().map {
                (String($0.dropFirst("prob_above.".count)), m($0))
            })),
            ("layers", JSONBuild.array(s.layers.map { l in
                let lm = { (k: String) in JSONBuild.number(s.metric("layer.\(l.id).\(k)")) }
                return JSONBuild.object([
                    ("id", .string(l.id)), ("type", .string(l.type)), ("asset", .string(l.asset)),
                    ("amount", lm("amount")), ("value", lm("value")), ("debt", lm("debt")),
                    ("yield", lm("yield")), ("yield_value", lm("yield_value")),
                ])
            })),
            ("attribution", JSONBuild.object(owners.map { owner in
                (owner, JSONBuild.object(AttributionSource.allCases.map { ($0.rawValue, JSONBuild.number(s.metric("attribution.\(owner).\($0.rawValue)"))) }))
            })),
        ])
    }
}
