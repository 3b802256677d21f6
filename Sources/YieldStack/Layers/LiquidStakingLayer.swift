/// The `liquid_staking` layer type's spec (SPEC §2.3).
public struct LiquidStakingSpec: Sendable {
    public enum Mode: String, Sendable { case rebasing, exchangeRate = "exchange_rate" }
    public var receipt: String
    public var apr: RateSpec
    public var protocolFee: Double
    public var mode: Mode
    /// Days from a queue request to payout: a number or a model, read on the request day.
    public var queueDays: RateSpec
    public var redemptionFee: Double
}

extension LiquidStakingSpec: LayerConfig {
    static let typeName = "liquid_staking"
    static let summary = "X → receipt: Lido-style staking with a tradable receipt"
    static let fields: [Property] = [
        Property("receipt", ScenarioSchema.name, required: true, "a pegged market asset whose peg target is the input asset"),
        Property("apr", .ref("signed_rate"), required: true, "gross staking APR; may be negative (a funding-based yield such as sUSDe's): balances then shrink"),
        Property("protocol_fee", .number(ScenarioSchema.fraction), default: .number(0), "share of rewards the protocol keeps"),
        Property("mode", ScenarioSchema.enumeration(["rebasing", "exchange_rate"]), default: .string("rebasing"),
                 "`rebasing` grows balances; `exchange_rate` shows wrapped units whose rate grows"),
        Property("redemption", .object(ObjectSchema("withdrawal through the protocol's queue at 1:1", [
            Property("queue_days", .ref("day_count"), default: .number(0), "days from request to payout (a number, series or mean_reverting; a model's value on the request day, rounded)"),
            Property("fee", .number(ScenarioSchema.belowOne), default: .number(0), "share of the redeemed amount deducted"),
        ]))),
    ]

    static func decode(_ f: FieldReader, _ d: inout ScenarioDecoder) -> LiquidStakingSpec? {
        guard let receipt = f.string("receipt"), let apr = d.rate("apr", f), let fee = f.double("protocol_fee"),
              let modeText = f.string("mode"), let mode = Mode(rawValue: modeText),
              let redemption = f.object("redemption"), let queue = d.rate("queue_days", redemption), let redemptionFee = redemption.double("fee") else { return nil }
        return LiquidStakingSpec(receipt: receipt, apr: apr, protocolFee: fee, mode: mode, queueDays: queue, redemptionFee: redemptionFee)
    }

    static var capabilities: LayerCapabilities { [.hasRate, .issuesReceipt, .convertsForLoop, .slashable] }
    var rates: [(field: String, rate: RateSpec)] { [("apr", apr)] }
    func outputAsset(input: String?) -> String? { receipt }
    func amountAsset(input: String) -> String { receipt }

    func loopConversion(from asset: String, market: MarketSpec) -> String? {
        market.asset(receipt)?.pegTarget == asset ? receipt : nil
    }

    func check(_ c: LayerCheck, _ sink: inout DiagnosticSink) {
        let lp = c.path
        guard let asset = c.market.asset(receipt) else {
            if !c.assetExists(receipt) {
                sink.report(lp / "receipt", "unknown asset '\(receipt)'\(Suggest.hint(receipt, c.market.assets.map(\.name)))")
            }
            return
        }
        guard let target = asset.pegTarget else {
            sink.report(lp / "receipt", "'\(receipt)' must be a pegged asset of the market (with 'peg')")
            return
        }
        if let input = c.input, input != target {
            sink.report(lp / "receipt", "'\(receipt)' is pegged to \(target) but this layer receives \(input)")
        }
        let issuers = c.strategy.layers.filter { $0.id != c.layer.id && $0.kind.capabilities.contains(.issuesReceipt) && $0.kind.outputAsset(input: nil) == receipt }
        if let other = issuers.first {
            sink.report(lp / "receipt", "layer '\(other.id)' already issues \(receipt) in this strategy; one layer per receipt sets its staking rate")
        }
    }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        LiquidStakingLayer(spec: b.spec, config: self, owner: b.owner, input: b.input, receipt: b.output ?? b.input, ledger: b.ledger, market: b.market)
    }
}

/// `liquid_staking`: Lido-style staking with a tradable receipt (DOMAIN
/// "Liquid staking"). Deposits mint the receipt 1:1. Rewards accrue daily at
/// the net rate r = APR × (1 − protocol_fee): every receipt balance of the
/// strategy that passes rebases on — held here, posted as lending collateral,
/// sitting in a pool or in the spot wallet — grows by r/365, and the growth is
/// this layer's staking yield. In `exchange_rate` mode balances are shown in
/// wrapped units, units = rebasing amount / exchange rate, where the exchange
/// rate grows by the same factor: the value is identical.
///
/// Redemption: through the protocol's queue at 1:1 less `redemption.fee`,
/// paid out in the underlying after `queue_days` (earning nothing, exposed to
/// the underlying's price meanwhile); or at once on the market at the
/// receipt's ratio, less the action's slippage. A `slash` burns that share of
/// every receipt balance.
public final class LiquidStakingLayer: LayerRuntime {
    public let spec: LayerSpec
    let config: LiquidStakingSpec
    public let owner: Int
    /// The receipt.
    public let amountAsset: Int
    let underlying: Int
    public let yieldTokens: PathVector
    /// Receipts minted here that no later layer took.
    let idle: PathVector
    /// Underlying waiting in the redemption queue.
    let queue: PendingRelease
    /// Wrapped-to-rebasing exchange rate (starts at 1).
    let exchangeRate: PathVector
    let apr: DailyGrid
    /// Queue length by request day.
    let queueDays: DailyGrid

    init(spec: LayerSpec, config: LiquidStakingSpec, owner: Int, input: Int, receipt: Int, ledger: Ledger, market: MarketChunk) {
        self.spec = spec
        self.config = config
        self.owner = owner
        amountAsset = receipt
        underlying = input
        let arena = ledger.arena
        yieldTokens = arena.vector()
        idle = ledger.addSlot(asset: receipt, owner: owner, label: "receipt")
        queue = PendingRelease(asset: input, owner: owner, label: "redemption queue", ledger: ledger)
        exchangeRate = ledger.growth(receipt)
        apr = market.rate(config.apr, layerID: spec.id, kind: .apr)
        queueDays = market.rate(config.queueDays, layerID: spec.id, kind: .queueDays)
        if config.mode == .exchangeRate { ledger.unitDivisors[receipt] = exchangeRate }
    }

    private var cachedReceipts: [Slot]?
    private var cachedWrapped: (slots: [Slot], growth: [PathVector])?

    /// Every slot of the strategy holding this receipt and passing rebases
    /// on (slots are all created before the first day, so this is fixed).
    private func receiptSlots(_ ctx: StrategyContext) -> [Slot] {
        if let cachedReceipts { return cachedReceipts }
        let found = ctx.ledger.slots.filter { $0.asset == amountAsset && $0.rebases }
        cachedReceipts = found
        return found
    }

    /// Slots of receipts that wrap this one (restaked stETH): they keep
    /// earning this layer's rate, with their wrapped-unit growth factors.
    private func wrappedSlots(_ ctx: StrategyContext) -> (slots: [Slot], growth: [PathVector]) {
        if let cachedWrapped { return cachedWrapped }
        let outer = ctx.ledger.wrappers(of: amountAsset)
        let found = (ctx.ledger.slots.filter { outer.contains($0.asset) && $0.rebases }, outer.map { ctx.ledger.growth($0) })
        cachedWrapped = found
        return found
    }

    /// The net rate holders earn on day d, path p. The protocol fee is a
    /// share of rewards, so a negative rate (sUSDe's funding turning) passes
    /// through whole: balances shrink by r/365 and the staking yield is negative.
    @inline(__always)
    func netRate(_ d: Int, _ p: Int) -> Double {
        let r = apr[d, p]
        return r > 0 ? r * (1 - config.protocolFee) : r
    }

    public func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        for p in 0..<input.count {
            idle[p] += input[p] * keep
            ctx.bookMintAtPar(input[p], underlying: underlying, receipt: amountAsset, owner: owner, p)
        }
        return input // minted 1:1
    }

    public func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        var applied = [Double](repeating: 0, count: idle.count)
        for p in 0..<idle.count {
            if amount > 0 {
                idle[p] += amount
                applied[p] = amount
                ctx.bookMintAtPar(amount, underlying: underlying, receipt: amountAsset, owner: owner, p)
            } else {
                ctx.record(p, .refusedAction, layer: spec.id, asset: underlying, amount: amount, detail: [
                    ("action", .string("flow")),
                    ("reason", .string("a withdrawal flow cannot take the underlying out of a liquid-staking layer; use an unstake rule")),
                ])
            }
        }
        return applied
    }

    public func accrue(ctx: StrategyContext) {
        let d = ctx.day
        let n = idle.count
        // Redemptions that complete today.
        for p in 0..<n {
            guard let released = queue.releaseIfDue(p, owner: owner, ctx: ctx) else { continue }
            ctx.record(p, .redemption, layer: spec.id, asset: underlying, amount: released.amount,
                       value: released.amount * ctx.price(underlying, p), detail: [("via", .string("queue"))] + released.detail)
        }
        // Rebase every receipt balance of the strategy.
        let receipts = receiptSlots(ctx)
        let grid = ctx.market.prices[amountAsset]
        let staking = ctx.ledger.attribution(owner, .staking)
        for p in 0..<n {
            let growth = netRate(d, p) / 365
            exchangeRate[p] *= 1 + growth
            guard growth != 0 else { continue }
            let minted = ReceiptBalances.rebase(receipts, by: growth, p)
            yieldTokens[p] += minted
            staking[p] += minted * grid[d, p] * ctx.factor(amountAsset, p)
        }
        // Receipts wrapping this one grow by the same rate, valued at their own price.
        let wrapped = wrappedSlots(ctx)
        guard !wrapped.growth.isEmpty else { return }
        for p in 0..<n {
            let growth = netRate(d, p) / 365
            guard growth != 0 else { continue }
            for g in wrapped.growth { g[p] *= 1 + growth }
            var minted = 0.0, value = 0.0
            for slot in wrapped.slots {
                let amount = slot.amount[p]
                if amount > 0 {
                    slot.amount[p] = amount * (1 + growth)
                    minted += amount * growth
                    value += amount * growth * ctx.price(slot.asset, p)
                }
            }
            yieldTokens[p] += minted
            staking[p] += value
        }
    }

    public func applyShock(_ effect: ShockSpec.Effect, ctx: StrategyContext) {
        guard case .slash(_, let fraction) = effect else { return }
        let receipts = receiptSlots(ctx)
        let wrapped = wrappedSlots(ctx)
        for p in 0..<idle.count {
            var burnt = ReceiptBalances.burn(receipts, fraction: fraction, p)
            exchangeRate[p] *= 1 - fraction
            var value = burnt * ctx.price(amountAsset, p)
            // Receipts wrapping this one hold slashed stake too.
            for g in wrapped.growth { g[p] *= 1 - fraction }
            for slot in wrapped.slots where slot.amount[p] > 0 {
                let amount = slot.amount[p] * fraction
                slot.amount[p] -= amount
                burnt += amount
                value += amount * ctx.price(slot.asset, p)
            }
            yieldTokens[p] -= burnt
            ctx.ledger.attribute(owner, .staking, p, -value)
            if burnt > 0 {
                ctx.record(p, .shock, layer: spec.id, asset: amountAsset, amount: -burnt, value: -value, detail: [("slash", .number(fraction))])
            }
        }
    }

    /// A queue length from its model's value: rounded, clamped to [0, 3650].
    static func days(_ v: Double) -> Int {
        guard v.isFinite else { return v > 0 ? 3650 : 0 }
        return Int(min(max(v.rounded(), 0), 3650))
    }

    /// Held receipts in display units (wrapped units in `exchange_rate` mode).
    public func amount(_ p: Int) -> Double { displayUnits(idle[p], p) }

    func displayUnits(_ rebasing: Double, _ p: Int) -> Double {
        config.mode == .exchangeRate ? rebasing / exchangeRate[p] : rebasing
    }

    public func currentRate(_ p: Int, ctx: StrategyContext) -> Double? { netRate(ctx.day, p) }

    public func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        let moved = LiquidHolding.release([idle], asset: amountAsset, fraction: fraction, p, ctx: ctx)
        return moved > 0 ? .done([("receipt", .number(moved))]) : .nothing
    }

    /// Exit unstakes every liquid receipt (this layer's and the spot
    /// wallet's, where earlier unwinding put them) on the market.
    public func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        if queue.amount[p] > 0, let to = convertTo { queue.convert(to: to, slippage: action.slippage, p) }
        return unstake(p, viaQueue: false, action: action, ctx: ctx)
    }

    public func unstake(_ p: Int, viaQueue: Bool, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        ctx.moveToSpot(from: idle, asset: amountAsset, amount: idle[p], p)
        let spot = ctx.ledger.spot(amountAsset)
        let amount = spot[p]
        guard amount > 0 else { return .nothing }
        if viaQueue {
            // 1:1 less the protocol's fee, paid out after the queue.
            spot[p] -= amount
            let fee = amount * config.redemptionFee
            let out = amount - fee
            // Receipts leave at market value; the underlying arrives at par:
            // the difference is the depeg the queue avoids (a price effect).
            let marketValue = amount * ctx.price(amountAsset, p)
            let parValue = out * ctx.price(underlying, p)
            ctx.ledger.attribute(owner, .costs, p, -fee * ctx.price(underlying, p))
            ctx.ledger.attribute(owner, .price, p, parValue + fee * ctx.price(underlying, p) - marketValue)
            let wait = Self.days(queueDays[ctx.day, p])
            if wait == 0 {
                ctx.ledger.spot(underlying)[p] += out
                ctx.record(p, .redemption, layer: spec.id, asset: underlying, amount: out, value: parValue, detail: [("via", .string("queue")), ("fee", .number(fee))])
            } else {
                queue.schedule(out, releaseOn: ctx.day + wait, p)
            }
            return .done([("via", .string("queue")), ("receipt", .number(amount)), ("fee", .number(fee)),
                          ("payout_day", .number(Double(ctx.day + wait)))])
        }
        let got = ctx.convertSpot(amount, from: amountAsset, to: underlying, slippage: action.slippage, owner: owner, p)
        ctx.record(p, .redemption, layer: spec.id, asset: underlying, amount: got, value: got * ctx.price(underlying, p), detail: [
            ("via", .string("market")), ("receipt", .number(amount)), ("ratio", .number(ctx.price(amountAsset, p) / max(ctx.price(underlying, p), 1e-300))),
        ])
        return .done([("via", .string("market")), ("receipt", .number(amount)), ("received", .number(got))])
    }
}
