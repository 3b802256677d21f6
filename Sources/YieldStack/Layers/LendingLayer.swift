/// The `lending` layer type's spec (SPEC §2.3).
public struct LendingSpec: Sendable {
    public enum Oracle: String, Sendable { case market, underlying }
    public var borrow: String
    public var maxLTV: Double
    public var liquidationThreshold: Double
    /// nil when the liquidation model supplies its own (Morpho's LIF).
    public var liquidationBonus: Double?
    public var closeFactor: Double
    public var fullLiquidationBelow: Double
    public var targetLTV: Double
    public var oracle: Oracle
    public var supplyAPR: RateSpec
    public var borrowAPR: RateSpec
    public var reserveFactor: Double
    public var loopVia: String?
    public var loopTimes: Int
    /// The liquidation rule's name in `LiquidationRegistry`.
    public var liquidationModel: String
    /// The optional fields the scenario gave explicitly (not defaulted), so a
    /// rule can refuse a knob it does not have (Morpho's `close_factor`).
    public var givenFields: Set<String> = []
}

extension LendingSpec: LayerConfig {
    static let typeName = "lending"
    static let summary = "collateral → borrowed asset: collateralised borrowing with health factor and liquidations"
    static let fields: [Property] = [
        Property("borrow", ScenarioSchema.name, required: true, "the borrowed asset"),
        Property("max_ltv", .number(ScenarioSchema.belowOne), required: true, "the most one may borrow at open, as a share of collateral value"),
        Property("liquidation_threshold", .number(ScenarioSchema.openFraction), required: true, "LT: HF = collateral value × LT / debt value (Morpho's LLTV)"),
        Property("liquidation_bonus", .number(ScenarioSchema.belowOne), "extra collateral the liquidator seizes, as a share of the repaid value; required by `aave`, optional for `morpho`"),
        Property("close_factor", .number(ScenarioSchema.openFraction), default: .number(0.5), "share of the debt one liquidation may repay (`aave` only; an error with `morpho`, which repays the whole debt)"),
        Property("full_liquidation_below", .number(ScenarioSchema.fraction), default: .number(0.95), "health factor under which the whole debt may be closed (`aave` only; an error with `morpho`)"),
        Property("target_ltv", .number(ScenarioSchema.belowOne), required: true, "LTV to open at (≤ max_ltv)"),
        Property("oracle", ScenarioSchema.enumeration(["market", "underlying"]), default: .string("market"),
                 "`market` prices the collateral at its market price; `underlying` prices a pegged collateral at its peg target (immune to depeg)"),
        Property("supply_apr", .ref("rate"), default: .number(0), "what the collateral earns"),
        Property("borrow_apr", .ref("lending_rate"), required: true, "interest on the debt"),
        Property("reserve_factor", .number(ScenarioSchema.fraction), default: .number(0), "share of borrow interest the market keeps (reporting only)"),
        Property("loop", .object(ObjectSchema("borrow, convert through a layer that turns the borrowed asset into the collateral, deposit, repeat", [
            Property("via", ScenarioSchema.name, required: true, "id of an earlier layer that converts the borrowed asset into the collateral (liquid_staking, restaking, fixed_yield)"),
            Property("times", .integer(IntegerSchema(min: 1, max: 50)), required: true, "number of loops"),
        ]))),
        Property("liquidation_model", ScenarioSchema.enumeration(LiquidationRegistry.names), default: .string("aave"), "how a liquidation closes the position: `aave` (close factor, bonus) or `morpho` (whole debt in one call, LIF = min(1.15, 1/(0.3·LLTV + 0.7)) unless `liquidation_bonus` is given)"),
    ]

    static func decode(_ f: FieldReader, _ d: inout ScenarioDecoder) -> LendingSpec? {
        guard let borrow = f.string("borrow"), let maxLTV = f.double("max_ltv"), let lt = f.double("liquidation_threshold"),
              let target = f.double("target_ltv"), let closeFactor = f.double("close_factor"),
              let fullBelow = f.double("full_liquidation_below"), let oracleText = f.string("oracle"),
              let oracle = Oracle(rawValue: oracleText), let reserve = f.double("reserve_factor"),
              let model = f.string("liquidation_model"),
              let borrowAPR = d.rate("borrow_apr", f), let supplyAPR = d.rate("supply_apr", f) else { return nil }
        let spec = LendingSpec(
            borrow: borrow, maxLTV: maxLTV, liquidationThreshold: lt, liquidationBonus: f.double("liquidation_bonus"),
            closeFactor: closeFactor, fullLiquidationBelow: fullBelow, targetLTV: target, oracle: oracle,
            supplyAPR: supplyAPR, borrowAPR: borrowAPR, reserveFactor: reserve,
            loopVia: f.value("loop")?["via"]?.string, loopTimes: f.value("loop")?["times"]?.int ?? 0,
            liquidationModel: model,
            givenFields: Set(["close_factor", "full_liquidation_below", "liquidation_bonus"].filter { f.value($0) != nil }))
        guard let rule = LiquidationRegistry.rule(named: model) else { return nil }
        let problems = rule.problems(spec)
        for (key, message) in problems { d.sink.report(f.path / key, message) }
        return problems.isEmpty ? spec : nil
    }

    static var capabilities: LayerCapabilities { [.borrows, .hasRate] }
    var rates: [(field: String, rate: RateSpec)] { [("borrow_apr", borrowAPR), ("supply_apr", supplyAPR)] }
    var overridableRates: Set<ShockSpec.RateKind> { [.borrow, .supply] }
    func outputAsset(input: String?) -> String? { borrow }

    func problem(with action: ActionSpec.Kind) -> (String, String)? {
        if case .releverage(_, let t) = action, t > maxLTV {
            return ("target_ltv", "must be <= the layer's max_ltv (\(Format.plain(maxLTV))), got \(Format.plain(t))")
        }
        return nil
    }

    /// The liquidation terms of the spec's model (validated at decode).
    var liquidationTerms: LiquidationModel.Terms {
        (LiquidationRegistry.rule(named: liquidationModel) ?? AaveLiquidation.self).terms(self)
    }

    func check(_ c: LayerCheck, _ sink: inout DiagnosticSink) {
        let lp = c.path
        let input = c.input
        if !c.assetExists(borrow) {
            sink.report(lp / "borrow", "unknown asset '\(borrow)'\(Suggest.hint(borrow, c.market.assets.map(\.name)))")
        } else if borrow == input {
            sink.report(lp / "borrow", "the borrowed asset must differ from the collateral (\(borrow))")
        }
        if targetLTV > maxLTV {
            sink.report(lp / "target_ltv", "must be <= max_ltv (\(Format.plain(maxLTV))), got \(Format.plain(targetLTV))")
        }
        if liquidationThreshold <= maxLTV {
            sink.report(lp / "liquidation_threshold", "must be greater than max_ltv (\(Format.plain(maxLTV))), got \(Format.plain(liquidationThreshold))")
        }
        if oracle == .underlying, let input, let collateral = c.market.asset(input), collateral.pegTarget == nil {
            sink.report(lp / "oracle", "'underlying' prices a pegged collateral at its peg target, but \(input) is not pegged")
        }
        guard let via = loopVia else { return }
        guard let viaLayer = c.strategy.layer(via) else {
            sink.report(lp / "loop" / "via", "unknown layer '\(via)'\(Suggest.hint(via, c.strategy.layers.map(\.id)))")
            return
        }
        guard viaLayer.kind.capabilities.contains(.convertsForLoop) else {
            sink.report(lp / "loop" / "via", "layer '\(via)' is \(viaLayer.typeName), which cannot turn a borrowed asset into collateral; a loop converts through a liquid_staking or restaking layer")
            return
        }
        if let vi = c.strategy.layerIndex(via), let li = c.strategy.layerIndex(c.layer.id), vi > li {
            sink.report(lp / "loop" / "via", "layer '\(via)' comes after this one; a loop converts through an earlier layer")
        }
        let produced = viaLayer.kind.outputAsset(input: nil)
        if let input, let produced, produced != input {
            sink.report(lp / "loop" / "via", "layer '\(via)' issues \(produced) but the collateral is \(input)")
        } else if c.assetExists(borrow), viaLayer.kind.loopConversion(from: borrow, market: c.market) == nil,
                  !convertsInTwoSteps(via: viaLayer, c) {
            let takes = produced.flatMap { c.market.asset($0)?.pegTarget } ?? "?"
            sink.report(lp / "loop" / "via", "layer '\(via)' stakes \(takes) but this layer borrows \(borrow)")
        }
    }

    /// Whether another layer of the strategy turns the borrowed asset into
    /// what `via` converts (ETH → stETH by Lido, then stETH → weETH by the
    /// restaking layer): a loop mints each step 1:1 at par.
    private func convertsInTwoSteps(via: LayerSpec, _ c: LayerCheck) -> Bool {
        c.strategy.layers.contains { first in
            guard first.id != via.id, first.capabilities.contains(.convertsForLoop),
                  let middle = first.kind.loopConversion(from: borrow, market: c.market) else { return false }
            return via.kind.loopConversion(from: middle, market: c.market) != nil
        }
    }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        LendingLayer(spec: b.spec, config: self, owner: b.owner, input: b.input, ledger: b.ledger, market: b.market)
    }
}

/// `lending`: Aave-style collateralised borrowing (DOMAIN "Lending").
///
/// Opening: the input is posted as collateral and the layer borrows up to
/// `target_ltv` at oracle prices. With `loop: { via, times }` each of the
/// first `times` borrows is staked 1:1 through the liquid-staking layer and
/// posted again, so collateral is C(1 + t + … + tⁿ) at a 1.0 ratio; the final
/// borrow, which brings the position to `target_ltv`, is the layer's output
/// (to the next layer, or kept idle).
///
/// Each day debt grows by borrow APR/365 (the borrow cost) and collateral by
/// supply APR/365 (supply interest). The health factor is
/// HF = collateral × oracle price × LT / (debt × price of the borrowed asset),
/// with the oracle either the collateral's market price or, for a pegged
/// collateral with `oracle: "underlying"`, its peg target's price (immune to
/// depeg). Liquidations follow `LiquidationModel`; the borrower loses the
/// market value of what is seized less the debt repaid, and debt left after
/// the collateral runs out is written off as bad debt (non-recourse).
public final class LendingLayer: LayerRuntime {
    public let spec: LayerSpec
    let config: LendingSpec
    public let owner: Int
    /// The collateral.
    public let amountAsset: Int
    let borrowAsset: Int
    let oracleAsset: Int
    let loops: Bool
    public let yieldTokens: PathVector
    let collateral: PathVector
    /// Negative: the debt as a ledger slot.
    let debtSlot: PathVector
    /// Borrowed tokens no later layer took.
    let idle: PathVector
    let borrowRate: DailyGrid
    let supplyRate: DailyGrid
    let utilization: DailyGrid?
    let terms: LiquidationModel.Terms
    // Run statistics for the report.
    let borrowRateSum: PathVector
    let marketSupplyRateSum: PathVector
    let minHealthFactor: PathVector
    let liquidationCount: PathIntVector
    let unitDivisor: PathVector?

    init(spec: LayerSpec, config: LendingSpec, owner: Int, input: Int, ledger: Ledger, market: MarketChunk) {
        self.spec = spec
        self.config = config
        self.owner = owner
        amountAsset = input
        borrowAsset = market.index(of: config.borrow) ?? 0
        if config.oracle == .underlying, let target = market.pegTargets[input] {
            oracleAsset = target
        } else {
            oracleAsset = input
        }
        loops = config.loopVia != nil && config.loopTimes > 0
        let arena = ledger.arena
        yieldTokens = arena.vector()
        collateral = ledger.addSlot(asset: input, owner: owner, label: "collateral")
        debtSlot = ledger.addSlot(asset: borrowAsset, owner: owner, label: "debt", rebases: false)
        idle = ledger.addSlot(asset: borrowAsset, owner: owner, label: "borrowed, idle")
        utilization = config.borrowAPR.model.utilization(market, layerID: spec.id)
        borrowRate = market.rate(config.borrowAPR, layerID: spec.id, kind: .borrow, utilization: utilization)
        supplyRate = market.rate(config.supplyAPR, layerID: spec.id, kind: .supply)
        terms = config.liquidationTerms
        borrowRateSum = arena.vector()
        marketSupplyRateSum = arena.vector()
        minHealthFactor = arena.vector(.infinity)
        liquidationCount = arena.intVector(0)
        unitDivisor = ledger.unitDivisors[input]
    }

    @inline(__always) func oraclePrice(_ p: Int, _ ctx: StrategyContext) -> Double { ctx.price(oracleAsset, p) }

    /// Borrowed-asset units that bring the position to LTV `t` at oracle prices.
    func borrowable(toLTV t: Double, _ p: Int, _ ctx: StrategyContext) -> Double {
        let pb = ctx.price(borrowAsset, p)
        guard pb > 0 else { return 0 }
        return max(0, (t * collateral[p] * oraclePrice(p, ctx) - debt(p) * pb) / pb)
    }

    public func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        let output = ctx.ledger.arena.vector()
        let t = config.targetLTV
        for p in 0..<input.count {
            collateral[p] += input[p]
            if loops {
                // Borrow, stake 1:1 into the receipt (or buy it), post it; repeat.
                for _ in 0..<config.loopTimes {
                    let b = borrowable(toLTV: t, p, ctx)
                    debtSlot[p] -= b
                    postLooped(b, p, ctx)
                }
            }
            let b = borrowable(toLTV: t, p, ctx)
            debtSlot[p] -= b
            output[p] = b
            idle[p] += b * keep
        }
        return output
    }

    /// The `loop.via` layer's `LayerConfig.loopTradeCost`, read once.
    private var cachedTradeCost: Double?? = nil
    private func tradeCost(_ ctx: StrategyContext) -> Double? {
        if let cached = cachedTradeCost { return cached }
        let cost = config.loopVia.flatMap { ctx.strategy.layer($0)?.kind.loopTradeCost }
        cachedTradeCost = .some(cost)
        return cost
    }

    /// Collateral units one borrowed unit buys in a loop step: 1 at par, or
    /// P_borrowed × (1 − s) / P_collateral bought at market with cost s.
    private func loopRate(_ p: Int, _ ctx: StrategyContext) -> Double {
        guard let s = tradeCost(ctx) else { return 1 }
        let pc = ctx.price(amountAsset, p)
        return pc > 0 ? ctx.price(borrowAsset, p) * (1 - s) / pc : 0
    }

    /// Posts `b` borrowed units as collateral in a loop step: minted 1:1 at
    /// par (the par-versus-market difference is a price effect), or bought at
    /// market, the slippage b × P_borrowed × s being this layer's cost.
    private func postLooped(_ b: Double, _ p: Int, _ ctx: StrategyContext) {
        guard let s = tradeCost(ctx) else {
            collateral[p] += b
            ctx.bookMintAtPar(b, underlying: borrowAsset, receipt: amountAsset, owner: owner, p)
            return
        }
        collateral[p] += b * loopRate(p, ctx)
        if s > 0, b > 0 { ctx.ledger.attribute(owner, .costs, p, -b * ctx.price(borrowAsset, p) * s) }
    }

    public func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        (0..<collateral.count).map { p in
            if amount > 0 {
                collateral[p] += amount
                return amount
            }
            ctx.record(p, .refusedAction, layer: spec.id, asset: amountAsset, amount: amount, detail: [
                ("action", .string("flow")),
                ("reason", .string("a withdrawal flow cannot take collateral out of a lending position; use a withdraw or deleverage rule")),
            ])
            return 0
        }
    }

    public func accrue(ctx: StrategyContext) {
        let d = ctx.day
        let borrowCost = ctx.ledger.attribution(owner, .borrowCost)
        let supplyIncome = ctx.ledger.attribution(owner, .supplyInterest)
        let pbGrid = ctx.market.prices[borrowAsset]
        let pcGrid = ctx.market.prices[amountAsset]
        for p in 0..<collateral.count {
            let br = borrowRate[d, p]
            borrowRateSum[p] += br
            if let u = utilization {
                marketSupplyRateSum[p] += br * u[d, p] * (1 - config.reserveFactor)
            }
            let owed = debt(p)
            if owed > 0 {
                let interest = owed * br / 365
                debtSlot[p] -= interest
                borrowCost[p] -= interest * pbGrid[d, p] * ctx.factor(borrowAsset, p)
            }
            let sr = supplyRate[d, p]
            if sr != 0, collateral[p] > 0 {
                let earned = collateral[p] * sr / 365
                collateral[p] += earned
                yieldTokens[p] += earned
                supplyIncome[p] += earned * pcGrid[d, p] * ctx.factor(amountAsset, p)
            }
        }
    }

    public func liquidate(ctx: StrategyContext) {
        let throughDepth = ctx.hasDepth(amountAsset)
        for p in 0..<collateral.count {
            let owed = debt(p)
            guard owed > 0 else { continue }
            if throughDepth {
                liquidateThroughDepth(p, ctx: ctx)
                continue
            }
            let oracle = oraclePrice(p, ctx)
            let pb = ctx.price(borrowAsset, p)
            guard let hf = LiquidationModel.healthFactor(collateral: collateral[p], debt: owed, collateralPrice: oracle, debtPrice: pb,
                                                         threshold: config.liquidationThreshold) else { continue }
            if hf < minHealthFactor[p] { minHealthFactor[p] = hf }
            ctx.observe(healthFactor: hf, p)
            guard hf < 1 else { continue }
            let outcome = LiquidationModel.run(collateral: collateral[p], debt: owed, collateralPrice: oracle, debtPrice: pb, terms: terms)
            let market = ctx.price(amountAsset, p)
            for round in outcome.rounds {
                let loss = round.seized * market - round.repaid * pb
                collateral[p] -= round.seized
                debtSlot[p] += round.repaid
                ctx.ledger.attribute(owner, .liquidation, p, -loss)
                ctx.noteLiquidation(p)
                liquidationCount[p] += 1
                var detail: [(String, JSONValue)] = [
                    ("health_factor_before", .number(round.healthFactorBefore)),
                    ("close_factor", .number(round.closeFactor)),
                    ("repaid", .number(round.repaid)),
                    ("seized", .number(round.seized)),
                    ("loss", .number(loss)),
                ]
                if let after = round.healthFactorAfter { detail.append(("health_factor_after", .number(after))) }
                ctx.record(p, .liquidation, layer: spec.id, asset: amountAsset, amount: round.seized, value: round.seized * market, detail: detail)
            }
            collateral[p] = outcome.collateral
            if outcome.badDebt > 0 {
                // Non-recourse: the protocol absorbs what the collateral could not cover.
                debtSlot[p] = 0
                let value = outcome.badDebt * pb
                ctx.badDebt[p] += value
                ctx.ledger.attribute(owner, .liquidation, p, value)
                ctx.record(p, .badDebt, layer: spec.id, asset: borrowAsset, amount: outcome.badDebt, value: value)
            } else {
                debtSlot[p] = -outcome.debt
            }
        }
    }

    /// Liquidation when the collateral has depth (SPEC §2.6): one liquidator
    /// call at a time, each followed by the liquidator's sale of what it
    /// seized into the pool, which lowers the price the next call sees
    /// (with a `market` oracle), until the position is healthy.
    private func liquidateThroughDepth(_ p: Int, ctx: StrategyContext) {
        let start = (collateral: collateral[p], debt: debt(p))
        var calls = 0
        while calls < 200, debt(p) > 0, collateral[p] > 0 {
            let owed = debt(p)
            let oracle = oraclePrice(p, ctx)
            let pb = ctx.price(borrowAsset, p)
            guard let hf = LiquidationModel.healthFactor(collateral: collateral[p], debt: owed, collateralPrice: oracle, debtPrice: pb,
                                                         threshold: config.liquidationThreshold) else { break }
            if hf < minHealthFactor[p] { minHealthFactor[p] = hf }
            ctx.observe(healthFactor: hf, p)
            guard hf < 1 else { break }
            let call = LiquidationModel.step(collateral: collateral[p], debt: owed, healthFactor: hf, collateralPrice: oracle,
                                             debtPrice: pb, terms: terms, forceFull: calls >= 100)
            calls += 1
            let market = ctx.price(amountAsset, p)
            let loss = call.seized * market - call.repaid * pb
            collateral[p] -= call.seized
            debtSlot[p] += call.repaid
            if debt(p) < 1e-12 * start.debt { debtSlot[p] = 0 }
            if collateral[p] < 1e-12 * start.collateral { collateral[p] = 0 }
            ctx.ledger.attribute(owner, .liquidation, p, -loss)
            ctx.noteLiquidation(p)
            liquidationCount[p] += 1
            ctx.liquidatorSale(amountAsset, call.seized, p)
            var detail: [(String, JSONValue)] = [
                ("health_factor_before", .number(hf)),
                ("close_factor", .number(call.closeFactor)),
                ("repaid", .number(call.repaid)),
                ("seized", .number(call.seized)),
                ("loss", .number(loss)),
                ("price_after_sale", .number(ctx.price(amountAsset, p))),
            ]
            if let after = healthFactor(p, ctx: ctx) { detail.append(("health_factor_after", .number(after))) }
            ctx.record(p, .liquidation, layer: spec.id, asset: amountAsset, amount: call.seized, value: call.seized * market, detail: detail)
        }
        if collateral[p] == 0, debt(p) > 0 {
            let left = debt(p)
            debtSlot[p] = 0
            let value = left * ctx.price(borrowAsset, p)
            ctx.badDebt[p] += value
            ctx.ledger.attribute(owner, .liquidation, p, value)
            ctx.record(p, .badDebt, layer: spec.id, asset: borrowAsset, amount: left, value: value)
        }
    }

    // MARK: Reporting

    public func amount(_ p: Int) -> Double {
        unitDivisor.map { collateral[p] / $0[p] } ?? collateral[p]
    }

    public func debt(_ p: Int) -> Double { max(0, -debtSlot[p]) }

    public func debtValue(_ p: Int, ctx: StrategyContext) -> Double { debt(p) * ctx.price(borrowAsset, p) }

    public func healthFactor(_ p: Int, ctx: StrategyContext) -> Double? {
        guard debt(p) > 1e-12 * max(1, collateral[p]) else { return nil }
        return LiquidationModel.healthFactor(collateral: collateral[p], debt: debt(p), collateralPrice: oraclePrice(p, ctx),
                                             debtPrice: ctx.price(borrowAsset, p), threshold: config.liquidationThreshold)
    }

    /// The same arithmetic as `healthFactor(_:ctx:)`, with the day's price
    /// rows read once.
    public func healthFactors(into out: PathVector, ctx: StrategyContext) {
        let d = ctx.day
        let oracleGrid = ctx.market.prices[oracleAsset]
        let borrowGrid = ctx.market.prices[borrowAsset]
        let lt = config.liquidationThreshold
        let depth = ctx.impact != nil
        for p in 0..<collateral.count {
            let owed = max(0, -debtSlot[p])
            let c = collateral[p]
            guard owed > 1e-12 * max(1, c) else { out[p] = .nan; continue }
            var o = oracleGrid[d, p], pb = borrowGrid[d, p]
            if depth {
                o *= ctx.factor(oracleAsset, p)
                pb *= ctx.factor(borrowAsset, p)
            }
            let debtValue = owed * pb
            out[p] = debtValue > 0 ? c * o * lt / debtValue : .nan
        }
    }

    public func ltv(_ p: Int, ctx: StrategyContext) -> Double? {
        let value = collateral[p] * oraclePrice(p, ctx)
        let owed = debt(p) * ctx.price(borrowAsset, p)
        if owed <= 0 { return 0 }
        return value > 0 ? owed / value : .infinity
    }

    public func currentRate(_ p: Int, ctx: StrategyContext) -> Double? { borrowRate[ctx.day, p] }

    public func finalMetrics(_ p: Int, days: Int) -> [(String, Double?)] {
        var m: [(String, Double?)] = [
            ("borrow_apr_mean", borrowRateSum[p] / Double(max(days, 1))),
            (Metric.minHealthFactor.name, minHealthFactor[p].isFinite ? minHealthFactor[p] : nil),
            (Metric.liquidations.name, Double(liquidationCount[p])),
            (Metric.borrowedIdle, idle[p]),
        ]
        if utilization != nil { m.append(("market_supply_apr_mean", marketSupplyRateSum[p] / Double(max(days, 1)))) }
        return m
    }

    // MARK: Actions

    /// Repays `units` of debt from the layer's idle borrowed tokens, then the
    /// spot wallet's; returns what was repaid.
    private func repayFromLiquid(_ units: Double, _ p: Int, ctx: StrategyContext, useSpot: Bool) -> Double {
        var left = min(units, debt(p))
        let fromIdle = min(idle[p], left)
        idle[p] -= fromIdle
        debtSlot[p] += fromIdle
        left -= fromIdle
        var fromSpot = 0.0
        if useSpot {
            let spot = ctx.ledger.spot(borrowAsset)
            fromSpot = min(max(spot[p], 0), left)
            spot[p] -= fromSpot
            debtSlot[p] += fromSpot
        }
        return fromIdle + fromSpot
    }

    /// Sells `amount` of collateral at market, less slippage, and repays debt
    /// with the proceeds (any excess stays idle); returns units repaid.
    @discardableResult
    private func sellCollateral(_ amount: Double, slippage: Double, _ p: Int, ctx: StrategyContext) -> Double {
        let x = min(amount, collateral[p])
        guard x > 0 else { return 0 }
        let pb = ctx.price(borrowAsset, p)
        guard pb > 0 else { return 0 }
        if let sale = ctx.depthSale(amountAsset, x, p) {
            // Through the collateral's depth (SPEC §2.6): the pool's proceeds, less slippage.
            let proceeds = sale.value * (1 - slippage) / pb
            collateral[p] -= x
            let repaid = min(proceeds, debt(p))
            debtSlot[p] += repaid
            idle[p] += proceeds - repaid
            if slippage > 0 { ctx.ledger.attribute(owner, .costs, p, -sale.value * slippage) }
            ctx.commit(sale, owner: owner, p)
            return repaid
        }
        let value = x * ctx.price(amountAsset, p)
        let proceeds = value * (1 - slippage) / pb
        collateral[p] -= x
        let repaid = min(proceeds, debt(p))
        debtSlot[p] += repaid
        idle[p] += proceeds - repaid
        if slippage > 0 { ctx.ledger.attribute(owner, .costs, p, -value * slippage) }
        return repaid
    }

    public func deleverage(_ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        let target: Double
        switch action.kind {
        case .deleverageToLTV(_, let t): target = t
        case .deleverageToHealthFactor(_, let h): target = config.liquidationThreshold / h
        default: return .nothing
        }
        guard let current = ltv(p, ctx: ctx), current > target, debt(p) > 0 else { return .nothing }
        let o = oraclePrice(p, ctx)
        let pb = ctx.price(borrowAsset, p)
        let before = (debt: debt(p), collateral: collateral[p])
        // Idle borrowed tokens first: repaying with them needs no sale.
        let excess = (debt(p) * pb - target * collateral[p] * o) / pb
        let fromIdle = repayFromLiquid(excess, p, ctx: ctx, useSpot: false)
        var sold = 0.0
        if (ltv(p, ctx: ctx) ?? 0) > target + 1e-12, ctx.hasDepth(amountAsset) {
            sold = saleReaching(ltv: target, slippage: action.slippage, p, ctx: ctx)
            sellCollateral(sold, slippage: action.slippage, p, ctx: ctx)
        } else if (ltv(p, ctx: ctx) ?? 0) > target + 1e-12 {
            let s = action.slippage
            let pm = ctx.price(amountAsset, p)
            let denominator = pm * (1 - s) - target * o
            let needed = denominator > 0
                ? (debt(p) * pb - target * collateral[p] * o) / denominator
                : debt(p) * pb / max(pm * (1 - s), 1e-300)
            sold = min(max(needed, 0), collateral[p])
            sellCollateral(sold, slippage: s, p, ctx: ctx)
        }
        return .done([("repaid_from_idle", .number(fromIdle)), ("collateral_sold", .number(sold)),
                      ("debt_repaid", .number(before.debt - debt(p))), ("ltv_after", JSONBuild.number(ltv(p, ctx: ctx)))])
    }

    /// The collateral sale q that brings the LTV to `t` when the sale goes
    /// through the collateral's depth, so that both the proceeds and (with
    /// a `market` oracle) the collateral's price after depend on q: the root
    /// of g(q) = (D − proceeds(q)/P_b)·P_b − t·(C − q)·o(q), found by a scan
    /// for the first sign change and bisection to machine precision. When
    /// no sale reaches `t` (the impact outruns the repayment) the sale that
    /// gets nearest, all the collateral at most.
    private func saleReaching(ltv t: Double, slippage s: Double, _ p: Int, ctx: StrategyContext) -> Double {
        let c = collateral[p], owed = debt(p)
        let pb = ctx.price(borrowAsset, p)
        let oracleMoves = oracleAsset == amountAsset
        let o0 = oraclePrice(p, ctx)
        let own0 = ctx.factor(amountAsset, p)
        func g(_ q: Double) -> Double {
            guard q > 0 else { return owed * pb - t * c * o0 }
            guard let sale = ctx.depthSale(amountAsset, q, p) else { return owed * pb - t * c * o0 }
            let proceeds = sale.value * (1 - s) / pb
            let o = oracleMoves && own0 > 0 ? o0 * sale.own / own0 : o0
            return max(owed - proceeds, 0) * pb - t * (c - q) * o
        }
        guard c > 0, g(0) > 0 else { return 0 }
        // Scan for the first sign change: the impact can make g turn back up.
        let steps = 64
        var lo = 0.0, hi = c
        var best = (q: c, g: g(c))
        var found = false
        for i in 1...steps {
            let q = c * Double(i) / Double(steps)
            let v = g(q)
            if v < best.g { best = (q, v) }
            if v <= 0 {
                hi = q
                lo = c * Double(i - 1) / Double(steps)
                found = true
                break
            }
        }
        guard found else { return best.q }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid <= lo || mid >= hi { break }
            if g(mid) > 0 { lo = mid } else { hi = mid }
        }
        return hi
    }

    /// The collateral sale whose proceeds through the depth, less slippage,
    /// are `units` of the borrowed asset (bisection: proceeds grow with the
    /// sale); all the collateral when even that is not enough.
    private func saleRaising(_ units: Double, slippage s: Double, _ p: Int, ctx: StrategyContext) -> Double {
        let c = collateral[p]
        let pb = ctx.price(borrowAsset, p)
        guard c > 0, pb > 0, units > 0 else { return 0 }
        func proceeds(_ q: Double) -> Double { (ctx.depthSale(amountAsset, q, p)?.value ?? 0) * (1 - s) / pb }
        if proceeds(c) <= units { return c }
        var lo = 0.0, hi = c
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid <= lo || mid >= hi { break }
            if proceeds(mid) < units { lo = mid } else { hi = mid }
        }
        return hi
    }

    public func releverage(_ p: Int, target t: Double, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        guard let current = ltv(p, ctx: ctx), current < t - 1e-12, collateral[p] > 0 else { return .nothing }
        let o = oraclePrice(p, ctx)
        let pb = ctx.price(borrowAsset, p)
        let gap = t * collateral[p] * o - debt(p) * pb
        guard gap > 0, pb > 0 else { return .nothing }
        let borrowed: Double
        if loops {
            // Borrow y, stake it 1:1 (k = 1) or buy k per unit, and post it:
            // (D + y·Pb) = t·(C + k·y)·o.
            let denominator = tradeCost(ctx) == nil ? pb - t * o : pb - t * loopRate(p, ctx) * o
            guard denominator > 0 else { return .refused("target LTV \(Format.plain(t)) cannot be reached by looping at today's prices") }
            borrowed = gap / denominator
            postLooped(borrowed, p, ctx)
        } else {
            borrowed = gap / pb
            idle[p] += borrowed
        }
        debtSlot[p] -= borrowed
        return .done([("borrowed", .number(borrowed)), ("looped", .bool(loops)), ("ltv_after", JSONBuild.number(ltv(p, ctx: ctx)))])
    }

    /// Unwinds `fraction` of the position: repays that share of the debt from
    /// idle and spot borrowed tokens, selling collateral for the rest, then
    /// moves that share of the collateral to the spot wallet.
    private func unwind(_ fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        let startCollateral = collateral[p]
        let startDebt = debt(p)
        guard startCollateral > 0 || startDebt > 0 || idle[p] > 0 else { return .nothing }
        let target = startDebt * fraction
        let liquid = repayFromLiquid(target, p, ctx: ctx, useSpot: true)
        var sold = 0.0
        let short = target - liquid
        if short > 1e-15 * max(1, startDebt) {
            let pm = ctx.price(amountAsset, p)
            let pb = ctx.price(borrowAsset, p)
            sold = ctx.hasDepth(amountAsset)
                ? saleRaising(short, slippage: action.slippage, p, ctx: ctx)
                : min(collateral[p], short * pb / max(pm * (1 - action.slippage), 1e-300))
            sellCollateral(sold, slippage: action.slippage, p, ctx: ctx)
        }
        if fraction >= 1, debt(p) > 1e-12 * max(1, startDebt) {
            return .refused("the collateral does not cover the debt; \(Format.plain(debt(p))) \(ctx.assetName(borrowAsset)) remain owed")
        }
        if fraction >= 1 { debtSlot[p] = 0 }
        let release = max(0, min(collateral[p], startCollateral * fraction - sold))
        ctx.moveToSpot(from: collateral, asset: amountAsset, amount: release, p)
        let idleOut = idle[p] * fraction
        ctx.moveToSpot(from: idle, asset: borrowAsset, amount: idleOut, p)
        return .done([("debt_repaid", .number(startDebt - debt(p))), ("collateral_sold", .number(sold)),
                      ("collateral_withdrawn", .number(release)), ("borrowed_idle_withdrawn", .number(idleOut))])
    }

    public func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        unwind(fraction, p, action: action, ctx: ctx)
    }

    public func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        unwind(1, p, action: action, ctx: ctx)
    }
}
