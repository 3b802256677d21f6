/// The `restaking` layer type's spec (SPEC §2.3, DOMAIN "Restaking").
public struct RestakingSpec: Sendable {
    public enum Mode: String, Sendable { case rebasing, exchangeRate = "exchange_rate" }
    /// The liquid restaking token (LRT), a pegged asset whose `peg.to` is the input.
    public var receipt: String
    public var apr: RateSpec
    /// Share of restaking rewards the protocol keeps.
    public var fee: Double
    public var incentives: [(asset: String, apr: RateSpec)]
    /// Days from a withdrawal request to payout: a number or a model, read on the request day.
    public var withdrawalDays: RateSpec
    public var mode: Mode
}

extension RestakingSpec: LayerConfig {
    static let typeName = "restaking"
    static let summary = "X → receipt: EigenLayer / ether.fi-style restaking with a liquid restaking token"
    static let fields: [Property] = [
        Property("receipt", ScenarioSchema.name, required: true, "the liquid restaking token: a pegged market asset whose peg target is the input asset"),
        Property("apr", .ref("signed_rate"), required: true, "restaking rewards, an annual rate before the fee; may be negative"),
        Property("fee", .number(ScenarioSchema.fraction), default: .number(0), "share of restaking rewards the protocol keeps"),
        Property("incentives", .array(items: .object(ObjectSchema("points or tokens paid daily into spot as an APR on the restaked value, at the token's price", [
            Property("asset", ScenarioSchema.name, required: true, "the reward token, a market asset"),
            Property("apr", .ref("rate"), required: true, "annual rate on the restaked value"),
        ])), minCount: 0, maxCount: 20, description: "reward tokens (at most 20)")),
        Property("withdrawal_days", .ref("day_count"), default: .number(7), "days from a withdrawal request to payout (EigenLayer's escrow); no restaking rewards accrue meanwhile"),
        Property("mode", ScenarioSchema.enumeration(["rebasing", "exchange_rate"]), default: .string("rebasing"),
                 "`rebasing` grows balances; `exchange_rate` shows wrapped units whose rate grows (weETH)"),
    ]

    static func decode(_ f: FieldReader, _ d: inout ScenarioDecoder) -> RestakingSpec? {
        guard let receipt = f.string("receipt"), let apr = d.rate("apr", f), let fee = f.double("fee"),
              let days = d.rate("withdrawal_days", f), let modeText = f.string("mode"), let mode = Mode(rawValue: modeText) else { return nil }
        var incentives: [(String, RateSpec)] = []
        for (i, inc) in (f.value("incentives")?.elements ?? []).enumerated() {
            guard let asset = inc["asset"]?.string, let rate = d.decodeRate(inc["apr"], path: f.path / "incentives" / i / "apr") else { return nil }
            incentives.append((asset, rate))
        }
        return RestakingSpec(receipt: receipt, apr: apr, fee: fee, incentives: incentives, withdrawalDays: days, mode: mode)
    }

    static var capabilities: LayerCapabilities { [.hasRate, .issuesReceipt, .convertsForLoop, .slashable] }
    var rates: [(field: String, rate: RateSpec)] { [("apr", apr)] + incentives.enumerated().map { ("incentives[\($0.offset)].apr", $0.element.apr) } }
    func outputAsset(input: String?) -> String? { receipt }
    func amountAsset(input: String) -> String { receipt }

    func loopConversion(from asset: String, market: MarketSpec) -> String? {
        market.asset(receipt)?.pegTarget == asset ? receipt : nil
    }

    func check(_ c: LayerCheck, _ sink: inout DiagnosticSink) {
        for (k, inc) in incentives.enumerated() {
            c.requireAsset(inc.asset, at: c.path / "incentives" / k / "asset", &sink)
        }
        guard let asset = c.market.asset(receipt) else {
            if !c.assetExists(receipt) { c.requireAsset(receipt, at: c.path / "receipt", &sink) }
            return
        }
        guard let target = asset.pegTarget else {
            sink.report(c.path / "receipt", "'\(receipt)' must be a pegged asset of the market (with 'peg') whose 'to' is the restaked asset")
            return
        }
        if let input = c.input, input != target {
            sink.report(c.path / "receipt", "'\(receipt)' is pegged to \(target) but this layer restakes \(input)")
        }
        let issuers = c.strategy.layers.filter { $0.id != c.layer.id && $0.capabilities.contains(.issuesReceipt) && $0.kind.outputAsset(input: nil) == receipt }
        if let other = issuers.first {
            sink.report(c.path / "receipt", "layer '\(other.id)' already issues \(receipt) in this strategy; one layer per receipt sets its rate")
        }
    }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        RestakingLayer(spec: b.spec, config: self, owner: b.owner, input: b.input, receipt: b.output ?? b.input, ledger: b.ledger, market: b.market)
    }
}

/// `restaking`: deposits X (ETH or an LST such as stETH) and mints the
/// liquid restaking token 1:1. Every balance of the token in the strategy —
/// held here, posted as collateral, in a pool, in spot — grows each day by
/// r/365 with r = apr × (1 − fee), the `restaking` source. When X is itself a
/// receipt of the strategy (stETH), the token wraps it: its balances keep
/// earning X's staking rate too, credited to X's layer, so a year holds
/// (1 + r_staking/365)^365 × (1 + r/365)^365 per unit restaked.
///
/// Incentives pay, per day, value of the restaked balances × APR / 365 in
/// their own token at its price into spot (`incentives`). A `slash` burns
/// that share of every balance of the token (`restaking`, negative).
/// Withdrawal: through the protocol at 1:1 into X after `withdrawal_days`
/// (earning no restaking rewards meanwhile), or at once on the market at the token's ratio
/// less the action's slippage.
final class RestakingLayer: LayerRuntime {
    let spec: LayerSpec
    let config: RestakingSpec
    let owner: Int
    /// The receipt (the LRT).
    let amountAsset: Int
    let underlying: Int
    let yieldTokens: PathVector
    /// Receipts minted here that no later layer took.
    let idle: PathVector
    let withdrawals: PendingRelease
    /// Cumulative growth of the receipt, the wrapped-unit exchange rate.
    let growth: PathVector
    let apr: DailyGrid
    /// Withdrawal wait by request day.
    let withdrawalDays: DailyGrid
    let incentiveSlots: [(asset: Int, apr: DailyGrid)]
    private var cachedReceipts: [Slot]?

    init(spec: LayerSpec, config: RestakingSpec, owner: Int, input: Int, receipt: Int, ledger: Ledger, market: MarketChunk) {
        self.spec = spec
        self.config = config
        self.owner = owner
        amountAsset = receipt
        underlying = input
        yieldTokens = ledger.arena.vector()
        idle = ledger.addSlot(asset: receipt, owner: owner, label: "restaked receipt")
        withdrawals = PendingRelease(asset: input, owner: owner, label: "withdrawal queue", ledger: ledger)
        growth = ledger.growth(receipt)
        apr = market.rate(config.apr, layerID: spec.id, kind: .apr)
        withdrawalDays = market.rate(config.withdrawalDays, layerID: spec.id, kind: .queueDays)
        incentiveSlots = config.incentives.enumerated().map { (i, inc) in
            (market.index(of: inc.asset) ?? 0, market.rate(inc.apr, layerID: spec.id + ".incentive\(i)", kind: .apr))
        }
        if config.mode == .exchangeRate { ledger.unitDivisors[receipt] = growth }
    }

    /// Every rebasing slot of the strategy holding the receipt (fixed once the stack is built).
    private func receiptSlots(_ ctx: StrategyContext) -> [Slot] {
        if let cachedReceipts { return cachedReceipts }
        let found = ctx.ledger.slots.filter { $0.asset == amountAsset && $0.rebases }
        cachedReceipts = found
        return found
    }

    /// The net rate: the fee is a share of rewards, so a negative rate (a
    /// loss, not a reward) passes through whole.
    @inline(__always)
    func netRate(_ d: Int, _ p: Int) -> Double {
        let r = apr[d, p]
        return r > 0 ? r * (1 - config.fee) : r
    }

    func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        for p in 0..<input.count {
            idle[p] += input[p] * keep
            ctx.bookMintAtPar(input[p], underlying: underlying, receipt: amountAsset, owner: owner, p)
        }
        return input
    }

    func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        (0..<idle.count).map { p in
            if amount > 0 {
                idle[p] += amount
                ctx.bookMintAtPar(amount, underlying: underlying, receipt: amountAsset, owner: owner, p)
                return amount
            }
            ctx.record(p, .refusedAction, layer: spec.id, asset: underlying, amount: amount, detail: [
                ("action", .string("flow")),
                ("reason", .string("a withdrawal flow cannot take the restaked asset out of a restaking layer; use an unstake rule")),
            ])
            return 0
        }
    }

    func accrue(ctx: StrategyContext) {
        let d = ctx.day
        let receipts = receiptSlots(ctx)
        let restaking = ctx.ledger.attribution(owner, .restaking)
        let incentives = ctx.ledger.attribution(owner, .incentives)
        let spots = incentiveSlots.map { ctx.ledger.spot($0.asset) }
        for p in 0..<idle.count {
            if let released = withdrawals.releaseIfDue(p, owner: owner, ctx: ctx) {
                ctx.record(p, .redemption, layer: spec.id, asset: underlying, amount: released.amount,
                           value: released.amount * ctx.price(underlying, p), detail: [("via", .string("queue"))] + released.detail)
            }
            var held = 0.0
            for slot in receipts where slot.amount[p] > 0 { held += slot.amount[p] }
            let price = ctx.price(amountAsset, p)
            for (i, inc) in incentiveSlots.enumerated() {
                let tokenPrice = ctx.price(inc.asset, p)
                guard tokenPrice > 0, held > 0 else { continue }
                let paid = held * price * inc.apr[d, p] / 365
                spots[i][p] += paid / tokenPrice
                incentives[p] += paid
            }
            let g = netRate(d, p) / 365
            growth[p] *= 1 + g
            guard g != 0 else { continue }
            let minted = ReceiptBalances.rebase(receipts, by: g, p)
            yieldTokens[p] += minted
            restaking[p] += minted * price
        }
    }

    func applyShock(_ effect: ShockSpec.Effect, ctx: StrategyContext) {
        guard case .slash(_, let fraction) = effect else { return }
        let receipts = receiptSlots(ctx)
        for p in 0..<idle.count {
            let burnt = ReceiptBalances.burn(receipts, fraction: fraction, p)
            growth[p] *= 1 - fraction
            yieldTokens[p] -= burnt
            let value = burnt * ctx.price(amountAsset, p)
            ctx.ledger.attribute(owner, .restaking, p, -value)
            if burnt > 0 {
                ctx.record(p, .shock, layer: spec.id, asset: amountAsset, amount: -burnt, value: -value, detail: [("slash", .number(fraction))])
            }
        }
    }

    /// Held receipts in display units (wrapped units in `exchange_rate` mode).
    func amount(_ p: Int) -> Double { config.mode == .exchangeRate ? idle[p] / growth[p] : idle[p] }

    func currentRate(_ p: Int, ctx: StrategyContext) -> Double? { netRate(ctx.day, p) }

    func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        let moved = LiquidHolding.release([idle], asset: amountAsset, fraction: fraction, p, ctx: ctx)
        return moved > 0 ? .done([("receipt", .number(moved))]) : .nothing
    }

    /// Exit sells every liquid receipt (this layer's and the spot wallet's) on the market.
    func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        if withdrawals.amount[p] > 0, let to = convertTo { withdrawals.convert(to: to, slippage: action.slippage, p) }
        return unstake(p, viaQueue: false, action: action, ctx: ctx)
    }

    func unstake(_ p: Int, viaQueue: Bool, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        ctx.moveToSpot(from: idle, asset: amountAsset, amount: idle[p], p)
        let spot = ctx.ledger.spot(amountAsset)
        let amount = spot[p]
        guard amount > 0 else { return .nothing }
        if viaQueue {
            // 1:1 into the restaked asset after the escrow; the receipts leave
            // at market value and the underlying arrives at par (a price effect).
            spot[p] -= amount
            ctx.ledger.attribute(owner, .price, p, amount * (ctx.price(underlying, p) - ctx.price(amountAsset, p)))
            let wait = LiquidStakingLayer.days(withdrawalDays[ctx.day, p])
            if wait == 0 {
                ctx.ledger.spot(underlying)[p] += amount
                ctx.record(p, .redemption, layer: spec.id, asset: underlying, amount: amount, value: amount * ctx.price(underlying, p), detail: [("via", .string("queue"))])
            } else {
                withdrawals.schedule(amount, releaseOn: ctx.day + wait, p)
            }
            return .done([("via", .string("queue")), ("receipt", .number(amount)), ("payout_day", .number(Double(ctx.day + wait)))])
        }
        let got = ctx.convertSpot(amount, from: amountAsset, to: underlying, slippage: action.slippage, owner: owner, p)
        ctx.record(p, .redemption, layer: spec.id, asset: underlying, amount: got, value: got * ctx.price(underlying, p), detail: [
            ("via", .string("market")), ("receipt", .number(amount)),
        ])
        return .done([("via", .string("market")), ("receipt", .number(amount)), ("received", .number(got))])
    }
}
