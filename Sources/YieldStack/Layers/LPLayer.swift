/// `lp`: a liquidity position in a two-asset pool (DOMAIN "Liquidity pools").
///
/// Entry swaps part of the input into the other asset at the market price,
/// which arbitrage keeps equal to the pool's, so that the position has the
/// pool's composition (half and half for constant product). Each day, after
/// prices move, arbitrage rebalances the holdings along the curve: the value
/// change against keeping yesterday's holdings is the day's impermanent loss.
///
/// Fees: `fee_apr` pays position value × APR / 365 a day; or `fee_rate` ×
/// `daily_volume` × share, where share = entry value / `pool_value` is the
/// position's fixed share of the pool. Constant-product and StableSwap fees
/// stay in the pool (they compound); concentrated fees are collected beside
/// the position, and only while the price is in range. Incentives pay
/// position value × APR / 365 a day in their own token, at its price.
public final class LPLayer: LayerRuntime {
    public let spec: LayerSpec
    let config: LPSpec
    let model: any AMMModel
    public let owner: Int
    let pair0: Int
    let pair1: Int
    /// Amounts are counted in pair[1] units (the position's value in it).
    public var amountAsset: Int { pair1 }
    public let yieldTokens: PathVector
    let x: PathVector
    let y: PathVector
    let liquidity: PathVector
    let fees: PathVector
    let incentiveSlots: [(asset: Int, slot: PathVector, apr: DailyGrid)]
    let feeAPR: DailyGrid?
    let volume: DailyGrid?
    let share: PathVector
    let daysInRange: PathIntVector
    /// The pool price (pair[0] in pair[1]) last seen, for `amount`.
    let lastPrice: PathVector
    /// The asset this layer receives: one of the pair.
    let inputAsset: Int

    init(spec: LayerSpec, config: LPSpec, owner: Int, input: Int, ledger: Ledger, market: MarketChunk) {
        self.spec = spec
        self.config = config
        self.owner = owner
        inputAsset = input
        model = AMMRegistry.model(config)
        pair0 = market.index(of: config.pair.0) ?? 0
        pair1 = market.index(of: config.pair.1) ?? 0
        let arena = ledger.arena
        yieldTokens = arena.vector()
        x = ledger.addSlot(asset: pair0, owner: owner, label: "pool \(config.pair.0)", rebases: model.passesRebases)
        y = ledger.addSlot(asset: pair1, owner: owner, label: "pool \(config.pair.1)", rebases: model.passesRebases)
        fees = ledger.addSlot(asset: pair1, owner: owner, label: "collected fees", rebases: false)
        liquidity = arena.vector()
        incentiveSlots = config.incentives.enumerated().map { (i, inc) in
            let asset = market.index(of: inc.asset) ?? 0
            return (asset, ledger.addSlot(asset: asset, owner: owner, label: "incentive \(inc.asset)"),
                    market.rate(inc.apr, layerID: spec.id + ".incentive\(i)", kind: .apr))
        }
        feeAPR = config.feeAPR.map { market.rate($0, layerID: spec.id, kind: .apr) }
        volume = config.dailyVolume.map { market.rate($0, layerID: spec.id + ".volume", kind: .apr) }
        share = arena.vector()
        daysInRange = arena.intVector(0)
        lastPrice = arena.vector()
    }

    /// Price of pair[0] in pair[1].
    @inline(__always)
    func poolPrice(_ p: Int, _ ctx: StrategyContext) -> Double {
        let p1 = ctx.price(pair1, p)
        return p1 > 0 ? ctx.price(pair0, p) / p1 : 0
    }

    func position(_ p: Int) -> AMMPosition { AMMPosition(x: x[p], y: y[p], liquidity: liquidity[p]) }

    /// Adds `amount` of `asset` to the position at today's price (a value-neutral swap).
    private func add(_ amount: Double, of asset: Int, _ p: Int, ctx: StrategyContext) {
        guard amount > 0 else { return }
        let price = poolPrice(p, ctx)
        let p1 = ctx.price(pair1, p)
        guard price > 0, p1 > 0 else { return }
        let value = amount * ctx.price(asset, p) / p1
        let entry = model.enter(value: value, price: price)
        lastPrice[p] = price
        x[p] += entry.x
        y[p] += entry.y
        liquidity[p] += entry.liquidity
        if let pool = config.poolValue { share[p] += value * p1 / pool }
    }

    public func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        for p in 0..<input.count { add(input[p], of: inputAsset, p, ctx: ctx) }
        return nil
    }

    public func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        let asset = inputAsset
        return (0..<x.count).map { p in
            if amount > 0 {
                add(amount, of: asset, p, ctx: ctx)
                return amount
            }
            ctx.record(p, .refusedAction, layer: spec.id, asset: asset, amount: amount, detail: [
                ("action", .string("flow")),
                ("reason", .string("a withdrawal flow cannot take tokens out of a liquidity position; use a withdraw rule")),
            ])
            return 0
        }
    }

    /// Arbitrage to today's price; the value change is impermanent loss.
    public func applyMarket(ctx: StrategyContext) {
        let il = ctx.ledger.attribution(owner, .impermanentLoss)
        for p in 0..<x.count where x[p] > 0 || y[p] > 0 {
            let price = poolPrice(p, ctx)
            let next = model.rebalance(position(p), to: price)
            let p0 = ctx.price(pair0, p), p1 = ctx.price(pair1, p)
            il[p] += (next.x - x[p]) * p0 + (next.y - y[p]) * p1
            lastPrice[p] = price
            x[p] = next.x
            y[p] = next.y
            // Concentrated positions keep L; StableSwap carries its invariant as a warm start.
            liquidity[p] = next.liquidity
        }
    }

    public func accrue(ctx: StrategyContext) {
        let d = ctx.day
        let feeIncome = ctx.ledger.attribution(owner, .lpFees)
        let incentiveIncome = ctx.ledger.attribution(owner, .incentives)
        let compounding = config.amm != .concentrated
        for p in 0..<x.count {
            let p0 = ctx.price(pair0, p), p1 = ctx.price(pair1, p)
            let value = x[p] * p0 + y[p] * p1
            guard value > 0 else { continue }
            let price = p1 > 0 ? p0 / p1 : 0
            let earning = model.inRange(position(p), price: price)
            if earning { daysInRange[p] += 1 }
            var feeValue = 0.0
            if earning {
                if let feeAPR { feeValue = value * feeAPR[d, p] / 365 }
                if let volume, let rate = config.feeRate { feeValue = rate * volume[d, p] * share[p] }
            }
            if feeValue > 0 {
                if compounding {
                    let factor = 1 + feeValue / value
                    x[p] *= factor
                    y[p] *= factor
                } else if p1 > 0 {
                    fees[p] += feeValue / p1
                }
                feeIncome[p] += feeValue
                if p1 > 0 { yieldTokens[p] += feeValue / p1 }
            }
            for inc in incentiveSlots {
                let pi = ctx.price(inc.asset, p)
                guard pi > 0 else { continue }
                let paid = value * inc.apr[d, p] / 365
                inc.slot[p] += paid / pi
                incentiveIncome[p] += paid
            }
        }
    }

    public func applyShock(_ effect: ShockSpec.Effect, ctx: StrategyContext) {
        if case .exploit(_, let fraction) = effect {
            for p in 0..<liquidity.count { liquidity[p] *= 1 - fraction }
        }
    }

    /// Position value in pair[1] units at the pool price last seen.
    public func amount(_ p: Int) -> Double { x[p] * lastPrice[p] + y[p] + fees[p] }

    public func currentRate(_ p: Int, ctx: StrategyContext) -> Double? {
        let d = ctx.day
        if let feeAPR { return feeAPR[d, p] }
        if let volume, let rate = config.feeRate {
            let p0 = ctx.price(pair0, p), p1 = ctx.price(pair1, p)
            let value = x[p] * p0 + y[p] * p1
            return value > 0 ? rate * volume[d, p] * share[p] * 365 / value : 0
        }
        return 0
    }

    public func finalMetrics(_ p: Int, days: Int) -> [(String, Double?)] {
        var m: [(String, Double?)] = []
        if config.amm == .concentrated { m.append(("days_in_range_share", Double(daysInRange[p]) / Double(max(days, 1)))) }
        return m
    }

    public func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        var moved = LiquidHolding.release([x], asset: pair0, fraction: fraction, p, ctx: ctx)
        moved += LiquidHolding.release([y, fees], asset: pair1, fraction: fraction, p, ctx: ctx)
        for inc in incentiveSlots {
            moved += LiquidHolding.release([inc.slot], asset: inc.asset, fraction: fraction, p, ctx: ctx)
        }
        liquidity[p] *= 1 - fraction
        share[p] *= 1 - fraction
        return moved > 0 ? .done([("fraction", .number(fraction))]) : .nothing
    }

    public func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        withdraw(fraction: 1, p, action: action, ctx: ctx)
    }
}
