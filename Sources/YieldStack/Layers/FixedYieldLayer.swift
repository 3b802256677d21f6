/// The `fixed_yield` layer type's spec (SPEC §2.3, DOMAIN "Fixed yield —
/// Pendle-style principal tokens").
public struct FixedYieldSpec: Sendable {
    /// The principal token: a market asset priced by the `fixed_yield` model.
    public var token: String
    /// Share of the traded value lost on entry, on a loop step's purchase and
    /// on an early sale (the action's slippage applies to a sale by a rule).
    public var slippage: Double
}

extension FixedYieldSpec: LayerConfig {
    static let typeName = "fixed_yield"
    static let summary = "X → principal token: buys a Pendle-style PT at its price, redeemed 1:1 into the underlying at maturity"
    static let fields: [Property] = [
        Property("token", ScenarioSchema.name, required: true, "the principal token: a market asset whose price model is `fixed_yield`; the layer's input is its underlying, or any asset swapped at market"),
        Property("slippage", .number(ScenarioSchema.belowOne), default: .number(0), "share of the value lost when buying the token (entry, deposits, loop steps)"),
    ]

    static func decode(_ f: FieldReader, _ d: inout ScenarioDecoder) -> FixedYieldSpec? {
        guard let token = f.string("token"), let slippage = f.double("slippage") else { return nil }
        return FixedYieldSpec(token: token, slippage: slippage)
    }

    /// `.hasRate`: the token's implied APY, for `apr` conditions. Not
    /// `.locks`: a PT can be sold at any time (see README); `.fixesRate`:
    /// held to maturity it earns the implied APY of the purchase, so
    /// `compare` analyses it against flexible strategies as a lock.
    static var capabilities: LayerCapabilities { [.hasRate, .convertsForLoop, .fixesRate] }

    /// The token's implied APY when it is a flat number (the break-even search's variable).
    func lockRate(in market: MarketSpec) -> Double? { Self.model(of: token, in: market)?.impliedAPY.constantValue }

    /// Sets the token's implied APY to a flat `rate` in the market.
    func withLockRate(_ rate: Double, market: inout MarketSpec) -> FixedYieldSpec {
        guard let i = market.index(of: token), var model = Self.model(of: token, in: market) else { return self }
        model.impliedAPY = ConstantModel(value: rate)
        market.assets[i].pricing = .price(model)
        return self
    }
    /// The implied APY is the market's, not the layer's: no `apr` override.
    var overridableRates: Set<ShockSpec.RateKind> { [] }
    func outputAsset(input: String?) -> String? { token }
    func amountAsset(input: String) -> String { token }
    /// A loop step buys the token at market with any priced borrowed asset.
    var loopTradeCost: Double? { slippage }

    /// The `fixed_yield` model of `token`, or nil.
    static func model(of token: String, in market: MarketSpec) -> FixedYieldModel? {
        guard case .price(let m)? = market.asset(token)?.pricing else { return nil }
        return m as? FixedYieldModel
    }

    func loopConversion(from asset: String, market: MarketSpec) -> String? {
        guard Self.model(of: token, in: market) != nil, asset != token, market.asset(asset) != nil else { return nil }
        return token
    }

    func check(_ c: LayerCheck, _ sink: inout DiagnosticSink) {
        guard c.market.asset(token) != nil else {
            if !c.assetExists(token) { c.requireAsset(token, at: c.path / "token", &sink) }
            return
        }
        guard let model = Self.model(of: token, in: c.market) else {
            sink.report(c.path / "token", "'\(token)' must be a market asset with a fixed_yield price model ({\"model\": \"fixed_yield\", \"underlying\": …, \"maturity\": …, \"implied_apy\": …})")
            return
        }
        if let input = c.input, input == token {
            sink.report(c.path / "token", "this layer receives \(token), the token itself; give it the underlying \(model.underlying) (or an asset to swap at market)")
        }
        let others = c.strategy.layers.filter { $0.id != c.layer.id && ($0.kind as? FixedYieldSpec)?.token == token }
        if let other = others.first {
            sink.report(c.path / "token", "layer '\(other.id)' already buys \(token) in this strategy; one fixed_yield layer per token books its accretion")
        }
    }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        FixedYieldLayer(spec: b.spec, config: self, owner: b.owner, input: b.input, token: b.output ?? b.input, ledger: b.ledger, market: b.market)
    }
}

/// `fixed_yield`: buys a principal token (PT) that redeems 1:1 into its
/// underlying U at maturity (DOMAIN "Fixed yield").
///
/// Entry (day 0 and deposits): value in = amount × P_X, tokens bought =
/// value × (1 − slippage) / P_PT; the slippage, value × slippage, is a cost.
///
/// Accretion: every balance of the token in the strategy (held here, posted
/// as collateral, in spot) is revalued by the ledger's price effect,
/// amount × (P_d − P_{d−1}). The part earned at yesterday's implied rate y,
///
///     accretion_d = amount × P_{d−1} × ((1 + y_{d−1})^(1/365) − 1)
///                 = amount × P_{d−1} × ((U_{d−1} / P_{d−1})^(1/τ_{d−1}) − 1),
///
/// (τ = days to maturity; 0 once τ_{d−1} = 0) is moved from the holder's
/// `price` to this layer's `fixed_yield`; the rest (implied-rate moves, the
/// underlying's price) stays `price`. It is exactly the change the PT would
/// have had with y and U unchanged, so held to maturity the accretion sums to
/// amount × (U − P_entry) at a constant underlying price.
///
/// Maturity: from the maturity day on, the tokens held here and in spot are
/// redeemed 1:1 into the underlying, which then sits in spot (a `maturity`
/// event). Early sale (`withdraw`, `exit`): the tokens are sold at market for
/// the underlying less the action's slippage (duration risk: a rise of the
/// implied rate is a loss).
final class FixedYieldLayer: LayerRuntime {
    let spec: LayerSpec
    let config: FixedYieldSpec
    let owner: Int
    /// The token.
    let amountAsset: Int
    /// What the layer receives (the underlying, or an asset swapped at market).
    let input: Int
    /// The token's underlying (resolved from the market on day 0).
    private(set) var underlying: Int
    /// Accretion to date in token units at each day's price (value / P_d).
    let yieldTokens: PathVector
    /// Tokens bought here that no later layer took.
    let idle: PathVector
    /// Days from start to maturity (from the market's model).
    private var maturityDay = 0
    private var cachedSlots: [Slot]?

    init(spec: LayerSpec, config: FixedYieldSpec, owner: Int, input: Int, token: Int, ledger: Ledger, market: MarketChunk) {
        self.spec = spec
        self.config = config
        self.owner = owner
        self.input = input
        amountAsset = token
        underlying = input
        yieldTokens = ledger.arena.vector()
        idle = ledger.addSlot(asset: token, owner: owner, label: "principal tokens")
    }

    /// Every slot of the strategy that may hold the token (fixed once the stack is built).
    private func tokenSlots(_ ctx: StrategyContext) -> [Slot] {
        if let cachedSlots { return cachedSlots }
        let found = ctx.ledger.slots.filter { $0.asset == amountAsset }
        cachedSlots = found
        return found
    }

    @inline(__always)
    private func daysToMaturity(_ d: Int) -> Int { max(0, maturityDay - d) }

    /// Buys tokens with `amount` of the input on path p: returns the tokens,
    /// books the slippage as a cost.
    private func buy(_ amount: Double, _ p: Int, ctx: StrategyContext) -> Double {
        let value = amount * ctx.price(input, p)
        let price = ctx.price(amountAsset, p)
        guard amount > 0, price > 0 else { return 0 }
        if config.slippage > 0 { ctx.ledger.attribute(owner, .costs, p, -value * config.slippage) }
        return value * (1 - config.slippage) / price
    }

    func open(input amounts: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        if let model = FixedYieldSpec.model(of: config.token, in: ctx.scenario.market) {
            maturityDay = model.maturityDay
            underlying = ctx.market.index(of: model.underlying) ?? input
        }
        let output = ctx.ledger.arena.vector()
        for p in 0..<amounts.count {
            let bought = buy(amounts[p], p, ctx: ctx)
            output[p] = bought
            idle[p] += bought * keep
        }
        return output
    }

    func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        (0..<idle.count).map { p in
            if amount > 0 {
                idle[p] += buy(amount, p, ctx: ctx)
                return amount
            }
            ctx.record(p, .refusedAction, layer: spec.id, asset: input, amount: amount, detail: [
                ("action", .string("flow")),
                ("reason", .string("a withdrawal flow cannot take principal tokens out of a fixed_yield layer; use a withdraw or exit rule")),
            ])
            return 0
        }
    }

    /// Step 1 (d > 0): moves the day's accretion of every token balance from
    /// the holder's price effect to this layer's `fixed_yield`.
    func applyMarket(ctx: StrategyContext) {
        let d = ctx.day
        let tau = daysToMaturity(d - 1)
        guard tau > 0 else { return }
        let tokenGrid = ctx.market.prices[amountAsset]
        let underlyingGrid = ctx.market.prices[underlying]
        let fixedYield = ctx.ledger.attribution(owner, .fixedYield)
        for slot in tokenSlots(ctx) where ctx.ledger.mayHold(slot) {
            let price = ctx.ledger.attribution(slot.owner, .price)
            for p in 0..<idle.count {
                let amount = slot.amount[p]
                guard amount != 0 else { continue }
                let before = tokenGrid[d - 1, p]
                let accretion = amount * before * FixedYieldModel.dailyAccretion(price: before, underlying: underlyingGrid[d - 1, p], daysToMaturity: tau)
                fixedYield[p] += accretion
                price[p] -= accretion
                let today = tokenGrid[d, p]
                if today > 0 { yieldTokens[p] += accretion / today }
            }
        }
    }

    /// Step 3: from maturity on, redeems the tokens held here and in spot
    /// 1:1 into the underlying in spot. At maturity P_PT = P_U, so this is a
    /// transfer; any difference (a shocked token price) is a price effect.
    func accrue(ctx: StrategyContext) {
        guard ctx.day >= maturityDay else { return }
        let spotToken = ctx.ledger.spot(amountAsset)
        let spotUnderlying = ctx.ledger.spot(underlying)
        for p in 0..<idle.count {
            let amount = idle[p] + max(spotToken[p], 0)
            guard amount > 0 else { continue }
            let fromIdle = idle[p]
            idle[p] = 0
            spotToken[p] -= amount - fromIdle
            spotUnderlying[p] += amount
            let pu = ctx.price(underlying, p)
            ctx.ledger.attribute(owner, .price, p, amount * (pu - ctx.price(amountAsset, p)))
            ctx.record(p, .maturity, layer: spec.id, asset: underlying, amount: amount, value: amount * pu, detail: [
                ("token", .string(config.token)), ("redeemed", .number(amount)),
            ])
        }
    }

    func amount(_ p: Int) -> Double { idle[p] }

    /// The implied APY today, (U / P)^(365/τ) − 1; 0 from maturity on.
    func currentRate(_ p: Int, ctx: StrategyContext) -> Double? {
        FixedYieldModel.impliedRate(price: ctx.price(amountAsset, p), underlying: ctx.price(underlying, p), daysToMaturity: daysToMaturity(ctx.day))
    }

    /// Sells `amount` tokens moved to spot for the underlying at market less
    /// the action's slippage (a cost).
    private func sell(_ amount: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        guard amount > 0 else { return .nothing }
        let got = ctx.convertSpot(amount, from: amountAsset, to: underlying, slippage: action.slippage, owner: owner, p)
        ctx.record(p, .redemption, layer: spec.id, asset: underlying, amount: got, value: got * ctx.price(underlying, p), detail: [
            ("via", .string("market")), ("sold", .number(amount)), ("price", .number(ctx.price(amountAsset, p))),
        ])
        return .done([("sold", .number(amount)), ("received", .number(got))])
    }

    /// Sells `fraction` of the tokens held here at market (an early sale).
    func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        let amount = idle[p] * fraction
        guard amount > 0 else { return .nothing }
        ctx.moveToSpot(from: idle, asset: amountAsset, amount: amount, p)
        return sell(amount, p, action: action, ctx: ctx)
    }

    /// Sells every liquid token (this layer's and the spot wallet's) at market.
    func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        ctx.moveToSpot(from: idle, asset: amountAsset, amount: idle[p], p)
        return sell(ctx.ledger.spot(amountAsset)[p], p, action: action, ctx: ctx)
    }
}
