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
        let m = { (k: Metric) in JSONBuild.number(s.metric(k)) }
        /// A top-level figure under its catalogue name.
        let e = { (k: Metric) in (k.name, JSONBuild.number(s.metric(k))) }
        let owners = s.layers.map(\.id) + [Ledger.spotName]
        return JSONBuild.object([
            ("name", .string(s.name)),
            e(.initialValue),
            e(.finalEquity),
            ("equity_quantiles", JSONBuild.object([("p05", m(.equityP05)), ("p50", m(.equityP50)), ("p95", m(.equityP95))])),
            e(.totalReturn),
            e(.apy),
            e(.maxDrawdown),
            e(.var95),
            e(.cvar95),
            e(.liquidationProbability),
            e(.liquidations),
            e(.minHealthFactor),
            e(.netFlows),
            e(.spot),
            e(.var99),
            e(.cvar99),
            ("apy_quantiles", JSONBuild.object([("p05", m(.apyP05)), ("p50", m(.apyP50)), ("p95", m(.apyP95))])),
            ("max_drawdown_quantiles", JSONBuild.object([("p50", m(.maxDrawdownP50)), ("p95", m(.maxDrawdownP95)), ("worst", m(.maxDrawdownWorst))])),
            ("first_liquidation_day", JSONBuild.object([("p05", m(.firstLiquidationDayP05)), ("p50", m(.firstLiquidationDayP50))])),
            e(.badDebt),
            ("probability_above", JSONBuild.object(s.metrics.keys.filter { $0.hasPrefix(Metric.probabilityAbovePrefix) }.sorted().map {
                (String($0.dropFirst(Metric.probabilityAbovePrefix.count)), JSONBuild.number(s.metric($0)))
            })),
            ("layers", JSONBuild.array(s.layers.map { l in
                let lm = { (k: Metric.LayerField) in JSONBuild.number(s.metric(Metric.layer(l.id, k))) }
                return JSONBuild.object([
                    ("id", .string(l.id)), ("type", .string(l.type)), ("asset", .string(l.asset)),
                    (Metric.LayerField.amount.rawValue, lm(.amount)), (Metric.LayerField.value.rawValue, lm(.value)), (Metric.LayerField.debt.rawValue, lm(.debt)),
                    (Metric.LayerField.yieldTokens.rawValue, lm(.yieldTokens)), (Metric.LayerField.yieldValue.rawValue, lm(.yieldValue)),
                ])
            })),
            ("attribution", JSONBuild.object(owners.map { owner in
                (owner, JSONBuild.object(AttributionSource.allCases.map { ($0.rawValue, JSONBuild.number(s.metric(Metric.attribution(owner, $0)))) }))
            })),
        ])
    }
}
