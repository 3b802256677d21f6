/// `depth` on an asset (SPEC §2.1, §2.6): the market's liquidity for it, as a
/// virtual two-sided pool against its quote asset (its peg target, or the
/// scenario currency for an asset with its own price) holding `liquidity`
/// quote units of each side at the modelled price.
public struct DepthSpec: Sendable, Equatable {
    /// `constant_product` or `stableswap` (`DepthRegistry`).
    public var amm: String
    /// A StableSwap pool's on-chain `A()`.
    public var amplification: Double?
    /// Quote units on each side of the undisplaced pool.
    public var liquidity: Double
    /// Days over which a displacement returns linearly to the model; 0: gone the next day.
    public var recoverDays: Int

    public init(amm: String, amplification: Double? = nil, liquidity: Double, recoverDays: Int = 0) {
        self.amm = amm
        self.amplification = amplification
        self.liquidity = liquidity
        self.recoverDays = recoverDays
    }

    static let schema = ObjectSchema("the market's liquidity for this asset: a virtual pool against its quote asset (its peg target, or the currency) that every trade of the asset by a strategy, and every cascade sale, goes through", [
        Property("amm", ScenarioSchema.enumeration(DepthRegistry.names), required: true, "the pool's curve"),
        Property("amplification", .number(NumberSchema(min: 1, max: 100_000, "in [1, 100000]")), "a stableswap pool's on-chain A()"),
        Property("liquidity", .number(NumberSchema(min: 1e-6, max: 1e12, "quote units, in [1e-6, 1e12]")), required: true, "quote units on each side of the pool at the modelled price"),
        Property("recover_days", .integer(IntegerSchema(min: 0, max: 3650)), default: .number(0), "days over which a displaced price returns linearly to the model (0: the next day)"),
    ])

    static func decode(_ node: JSONNode) -> DepthSpec? {
        guard let amm = node["amm"]?.string, let liquidity = node["liquidity"]?.double else { return nil }
        return DepthSpec(amm: amm, amplification: node["amplification"]?.double, liquidity: liquidity,
                         recoverDays: node["recover_days"]?.int ?? 0)
    }

    /// Displacement on day `day` of one set on `since` to `value`: returns
    /// linearly to 1 over `recoverDays` (Δ(d) = 1 − (1 − Δ₀)(1 − (d − d₀)/R)),
    /// or at once the next day when R = 0.
    @inline(__always)
    static func decayed(_ value: Double, since: Int, day: Int, recoverDays r: Int) -> Double {
        let k = day - since
        if k <= 0 { return value }
        if k >= r { return 1 }
        return 1 - (1 - value) * (1 - Double(k) / Double(r))
    }
}

/// `market.cascades[i]` (SPEC §2.6): the other borrowers of a lending market,
/// as health-factor buckets. Bucket j holds `share_j` of `collateral_amount`
/// and, fixed at day 0, the debt that puts it at `hf_j` at day-0 oracle
/// prices: debt_j = c_j·P_c(0)·LT / (hf_j·P_d(0)).
public struct CascadeSpec: Sendable, Equatable {
    public struct Bucket: Sendable, Equatable {
        public var healthFactor: Double
        public var share: Double
    }

    public var collateral: String
    public var debt: String
    public var collateralAmount: Double
    public var buckets: [Bucket]
    public var liquidationThreshold: Double
    public var liquidationBonus: Double
    public var closeFactor: Double
    public var fullLiquidationBelow: Double
    public var oracle: LendingSpec.Oracle

    static let schema = ObjectSchema("other borrowers of a lending market, as health-factor buckets: liquidated each day the price puts them under 1, their seized collateral sold into the collateral's depth", [
        Property("collateral", ScenarioSchema.name, required: true, "the collateral asset (it needs `depth`)"),
        Property("debt", ScenarioSchema.name, required: true, "the borrowed asset"),
        Property("collateral_amount", .number(ScenarioSchema.amount), required: true, "collateral units held by these borrowers (0: none, to compare a run without the cascade)"),
        Property("health_factors", .array(items: .array(items: .number(NumberSchema(min: 0, exclusiveMin: true, max: 100, "in (0, 100]")), minCount: 2, maxCount: 2,
                                                        description: "[health factor at day 0, share of collateral_amount]"),
                                          minCount: 1, maxCount: 1000, description: "buckets: [hf, share] pairs; shares in (0, 1], adding up to at most 1"), required: true),
        Property("liquidation_threshold", .number(ScenarioSchema.openFraction), required: true, "LT of the market"),
        Property("liquidation_bonus", .number(ScenarioSchema.belowOne), required: true, "extra collateral a liquidator seizes, as a share of the repaid value"),
        Property("close_factor", .number(ScenarioSchema.openFraction), default: .number(0.5), "share of the debt one liquidation may repay"),
        Property("full_liquidation_below", .number(ScenarioSchema.fraction), default: .number(0.95), "health factor under which the whole debt may be closed"),
        Property("oracle", ScenarioSchema.enumeration(["market", "underlying"]), default: .string("market"),
                 "`market`: the collateral's market price, cascade included; `underlying`: a pegged collateral at its peg target's price"),
    ])

    static func decode(_ node: JSONNode) -> CascadeSpec? {
        guard let collateral = node["collateral"]?.string, let debt = node["debt"]?.string,
              let amount = node["collateral_amount"]?.double, let lt = node["liquidation_threshold"]?.double,
              let bonus = node["liquidation_bonus"]?.double, let pairs = node["health_factors"]?.elements else { return nil }
        var buckets: [Bucket] = []
        for pair in pairs {
            guard let e = pair.elements, e.count == 2, let hf = e[0].double, let share = e[1].double else { return nil }
            buckets.append(Bucket(healthFactor: hf, share: share))
        }
        let oracle = node["oracle"]?.string.flatMap(LendingSpec.Oracle.init(rawValue:)) ?? .market
        return CascadeSpec(collateral: collateral, debt: debt, collateralAmount: amount, buckets: buckets,
                           liquidationThreshold: lt, liquidationBonus: bonus, closeFactor: node["close_factor"]?.double ?? 0.5,
                           fullLiquidationBelow: node["full_liquidation_below"]?.double ?? 0.95, oracle: oracle)
    }

    /// The liquidation terms of `LiquidationModel` (Aave's rule).
    var terms: LiquidationModel.Terms {
        LiquidationModel.Terms(liquidationThreshold: liquidationThreshold, bonus: liquidationBonus,
                               closeFactor: closeFactor, fullLiquidationBelow: fullLiquidationBelow)
    }
}
