/// One figure of a strategy's results under a stable name: what the
/// `metrics` table stores, `--json` prints, the reports show, and `sweep`,
/// `compare` and `optimize` read. Every metric name is written once, here;
/// everything else refers to the typed value.
public struct Metric: Sendable, Hashable, CustomStringConvertible {
    /// The unit a reader needs to make sense of the number.
    public enum Unit: String, Sendable {
        /// In the scenario currency.
        case currency
        /// A fraction: 0.05 = 5 %.
        case fraction
        /// A count of events.
        case count
        /// A day index (0 = start).
        case day
        /// A dimensionless ratio (a health factor).
        case ratio
        /// A path index.
        case path
    }

    /// How a Monte Carlo figure is formed from the paths.
    public enum Scope: String, Sendable {
        /// The mean over paths of each path's figure (the figure itself for one path).
        case meanOverPaths = "mean over paths"
        /// A statistic of the distribution over paths (quantile, tail, probability).
        case acrossPaths = "across paths"
    }

    public let name: String
    public let unit: Unit
    public let scope: Scope
    public let summary: String

    public var description: String { name }

    init(_ name: String, _ unit: Unit, _ scope: Scope, _ summary: String) {
        self.name = name
        self.unit = unit
        self.scope = scope
        self.summary = summary
    }
}

extension Metric {
    public static let initialValue = Metric("initial_value", .currency, .meanOverPaths, "capital valued at day-0 prices")
    public static let finalEquity = Metric("final_equity", .currency, .meanOverPaths, "assets − debts at the end of the last day")
    public static let equityP05 = Metric("equity_p05", .currency, .acrossPaths, "5th percentile of final equity")
    public static let equityP25 = Metric("equity_p25", .currency, .acrossPaths, "25th percentile of final equity")
    public static let equityP50 = Metric("equity_p50", .currency, .acrossPaths, "median final equity")
    public static let equityP75 = Metric("equity_p75", .currency, .acrossPaths, "75th percentile of final equity")
    public static let equityP95 = Metric("equity_p95", .currency, .acrossPaths, "95th percentile of final equity")
    public static let totalReturn = Metric("total_return", .fraction, .meanOverPaths, "return over the run (Modified Dietz with flows)")
    public static let apy = Metric("apy", .fraction, .acrossPaths, "APY of the mean return: (1 + total_return)^(365/days) − 1")
    public static let apyP05 = Metric("apy_p05", .fraction, .acrossPaths, "5th percentile of the per-path APY")
    public static let apyP50 = Metric("apy_p50", .fraction, .acrossPaths, "median per-path APY")
    public static let apyP95 = Metric("apy_p95", .fraction, .acrossPaths, "95th percentile of the per-path APY")
    public static let maxDrawdown = Metric("max_drawdown", .fraction, .meanOverPaths, "largest fall of the time-weighted equity index from its running peak")
    public static let maxDrawdownP50 = Metric("max_drawdown_p50", .fraction, .acrossPaths, "median of the per-path maximum drawdown")
    public static let maxDrawdownP95 = Metric("max_drawdown_p95", .fraction, .acrossPaths, "95th percentile of the per-path maximum drawdown")
    public static let maxDrawdownWorst = Metric("max_drawdown_worst", .fraction, .acrossPaths, "worst maximum drawdown of any path")
    public static let var95 = Metric("var_95", .currency, .acrossPaths, "loss of final equity against initial capital exceeded on 5 % of paths")
    public static let cvar95 = Metric("cvar_95", .currency, .acrossPaths, "mean loss of the worst 5 % of paths (expected shortfall)")
    public static let var99 = Metric("var_99", .currency, .acrossPaths, "loss exceeded on 1 % of paths")
    public static let cvar99 = Metric("cvar_99", .currency, .acrossPaths, "mean loss of the worst 1 % of paths")
    public static let liquidationProbability = Metric("liquidation_probability", .fraction, .acrossPaths, "share of paths with at least one liquidation")
    public static let liquidations = Metric("liquidations", .count, .meanOverPaths, "liquidation calls per path")
    public static let minHealthFactor = Metric("min_health_factor", .ratio, .meanOverPaths, "lowest health factor seen, including just before a liquidation (null without debt)")
    public static let worstHealthFactor = Metric("worst_health_factor", .ratio, .acrossPaths, "lowest health factor on any path")
    public static let firstLiquidationDayP05 = Metric("first_liquidation_day_p05", .day, .acrossPaths, "5th percentile of the first liquidation's day, over liquidated paths")
    public static let firstLiquidationDayP50 = Metric("first_liquidation_day_p50", .day, .acrossPaths, "median day of the first liquidation, over liquidated paths")
    public static let badDebt = Metric("bad_debt", .currency, .meanOverPaths, "debt written off after the collateral ran out")
    public static let netFlows = Metric("net_flows", .currency, .meanOverPaths, "deposits less withdrawals, at the day's prices")
    public static let worstPath = Metric("worst_path", .path, .acrossPaths, "the path with the largest loss")
    public static let spot = Metric(Ledger.spotName, .currency, .meanOverPaths, "value of the spot wallet: idle tokens, rewards, negative balances of fixed costs")

    /// Every fixed-name metric, in the order `metrics` stores them.
    public static let catalogue: [Metric] = [
        initialValue, finalEquity, equityP05, equityP25, equityP50, equityP75, equityP95,
        totalReturn, apy, apyP05, apyP50, apyP95,
        maxDrawdown, maxDrawdownP50, maxDrawdownP95, maxDrawdownWorst,
        var95, cvar95, var99, cvar99,
        liquidationProbability, liquidations, minHealthFactor, worstHealthFactor,
        firstLiquidationDayP05, firstLiquidationDayP50, badDebt, netFlows, worstPath, spot,
    ]

    /// The metric with this name, for command-line arguments (`optimize`).
    public static func named(_ name: String) -> Metric? { catalogue.first { $0.name == name } }

    // MARK: Families

    /// Probability over paths that this strategy ends above `other`.
    public static func probabilityAbove(_ other: String) -> String { probabilityAbovePrefix + other }
    public static let probabilityAbovePrefix = "prob_above."
    /// Mean over paths of this strategy's final equity minus `other`'s.
    public static func meanDifference(_ other: String) -> String { "mean_difference." + other }
    /// A layer's own figure: `amount`, `value`, `debt`, `yield`, `yield_value`, or a layer type's extra.
    public static func layer(_ id: String, _ field: LayerField) -> String { "layer.\(id).\(field.rawValue)" }
    /// A layer type's extra figure (`borrow_apr_mean`, …), averaged over paths.
    public static func layer(_ id: String, extra: String) -> String { "layer.\(id).\(extra)" }
    /// Mean attribution of `source` to `owner` (a layer id or `spot`).
    public static func attribution(_ owner: String, _ source: AttributionSource) -> String { "attribution.\(owner).\(source.rawValue)" }

    /// A borrowing layer's borrowed tokens that no later layer took: counted
    /// in the layer's value, paying interest (`layer.<id>.borrowed_idle`).
    public static let borrowedIdle = "borrowed_idle"

    // MARK: Depth and cascades (SPEC §2.6)

    /// Shortfall against the quoted price of selling `fraction` of the
    /// strategy's holdings of `asset` through its depth, on `when` (`day0`,
    /// or `worst`: the path's lowest-equity day), in the currency.
    public static func unwindCost(_ asset: String, _ when: String, _ fraction: Double) -> String {
        "unwind.\(asset).\(when).exit_\(Int((fraction * 100).rounded()))"
    }
    /// Units of `asset` held on `when`.
    public static func unwindHeld(_ asset: String, _ when: String) -> String { "unwind.\(asset).\(when).held" }
    /// Their value at the quoted price on `when`.
    public static func unwindValue(_ asset: String, _ when: String) -> String { "unwind.\(asset).\(when).value" }
    /// The day of the lowest equity (mean over paths).
    public static let unwindWorstDay = "unwind.worst_day"
    /// Largest sale of `asset` on day 0 whose average shortfall stays within
    /// the liquidation bonus of the lending layer holding it (units).
    public static func maxSaleWithinBonus(_ asset: String) -> String { "depth.\(asset).max_sale_within_bonus" }

    public static let cascadeProbability = Metric("cascade_probability", .fraction, .acrossPaths, "share of paths with at least one cascade round")
    public static let cascadeDays = Metric("cascade_days", .count, .meanOverPaths, "days with a cascade round")
    public static let cascadeVolume = Metric("cascade_volume", .currency, .meanOverPaths, "value sold by cascades over the run, at each sale's price")
    public static let cascadePriceImpact = Metric("cascade_price_impact", .fraction, .meanOverPaths, "largest displacement of a cascaded price on any day, 1 − cascaded/modelled")

    /// The per-layer figures every layer reports (`--json` `layers`).
    public enum LayerField: String, Sendable, CaseIterable {
        case amount, value, debt
        case yieldTokens = "yield"
        case yieldValue = "yield_value"
    }
}
