/// The `lp` layer type's spec (SPEC §2.3).
public struct LPSpec: @unchecked Sendable {
    /// The curve's name in `AMMRegistry`.
    public var amm: String
    public var pair: (String, String)
    public var amplification: Double?
    public var range: (lower: Double, upper: Double)?
    public var feeAPR: RateSpec?
    public var feeRate: Double?
    public var dailyVolume: RateSpec?
    public var poolValue: Double?
    public var incentives: [(asset: String, apr: RateSpec)]
}

extension LPSpec: LayerConfig {
    static let typeName = "lp"
    static let summary = "one or both pair assets → LP share"
    static let fields: [Property] = [
        Property("amm", ScenarioSchema.enumeration(AMMRegistry.names), required: true, "the pool's curve"),
        Property("pair", .array(items: ScenarioSchema.name, minCount: 2, maxCount: 2, description: "two asset names"), required: true),
        Property("amplification", .number(NumberSchema(min: 1, max: 1_000_000)), "StableSwap amplification as the pool's on-chain `A()` (Curve's A·nⁿ⁻¹ = 2A in the whitepaper's terms), copied as is from the pool"),
        Property("range", .array(items: .number(ScenarioSchema.positivePrice), minCount: 2, maxCount: 2, description: "[lower, upper] price of pair[0] in pair[1]")),
        Property("fee_apr", .ref("rate"), "fees as an APR on position value"),
        Property("fee_rate", .number(ScenarioSchema.belowOne), "fee per unit of volume"),
        Property("daily_volume", .ref("amount_rate"), "pool volume a day, in the scenario currency"),
        Property("pool_value", .number(ScenarioSchema.positiveAmount), "total pool value in the scenario currency at entry; with `fee_rate` and `daily_volume` sets the position's share"),
        Property("incentives", .array(items: .object(ObjectSchema("reward tokens paid as an APR on position value", [
            Property("asset", ScenarioSchema.name, required: true),
            Property("apr", .ref("rate"), required: true),
        ])), minCount: 0, maxCount: 20, description: "reward tokens (at most 20)")),
    ]

    static func decode(_ f: FieldReader, _ d: inout ScenarioDecoder) -> LPSpec? {
        guard let amm = f.string("amm"), AMMRegistry.curve(named: amm) != nil,
              let pair = f.value("pair")?.elements, pair.count == 2,
              let a = pair[0].string, let b = pair[1].string else { return nil }
        var range: (Double, Double)?
        if let r = f.value("range")?.elements, r.count == 2, let lo = r[0].double, let hi = r[1].double { range = (lo, hi) }
        var incentives: [(String, RateSpec)] = []
        for (i, inc) in (f.value("incentives")?.elements ?? []).enumerated() {
            if let asset = inc["asset"]?.string, let apr = d.decodeRate(inc["apr"], path: f.path / "incentives" / i / "apr") {
                incentives.append((asset, apr))
            }
        }
        return LPSpec(
            amm: amm, pair: (a, b),
            amplification: f.double("amplification"),
            range: range,
            feeAPR: f.value("fee_apr") == nil ? nil : d.rate("fee_apr", f),
            feeRate: f.double("fee_rate"),
            dailyVolume: f.value("daily_volume") == nil ? nil : d.rate("daily_volume", f),
            poolValue: f.double("pool_value"),
            incentives: incentives)
    }

    static var capabilities: LayerCapabilities { [.hasRate] }
    var rates: [(field: String, rate: RateSpec)] { (feeAPR.map { [("fee_apr", $0)] } ?? []) + incentives.enumerated().map { ("incentives[\($0.offset)].apr", $0.element.apr) } }
    func outputAsset(input: String?) -> String? { nil }
    func amountAsset(input: String) -> String { pair.1 }

    func check(_ c: LayerCheck, _ sink: inout DiagnosticSink) {
        let lp = c.path
        let (a, b) = pair
        for (j, name) in [a, b].enumerated() where !c.assetExists(name) {
            sink.report(lp / "pair" / j, "unknown asset '\(name)'\(Suggest.hint(name, c.market.assets.map(\.name)))")
        }
        if a == b { sink.report(lp / "pair", "a pair needs two different assets") }
        if let input = c.input, input != a, input != b {
            sink.report(lp, "this layer receives \(input), which is not in its pair (\(a), \(b))")
        }
        if let curve = AMMRegistry.curve(named: amm) {
            for (key, message) in curve.problems(self) { sink.report(lp / key, message) }
            let users = { (key: String) in AMMRegistry.curves.filter { $0.parameters.contains(key) }.map { $0.name } }
            if amplification != nil, !curve.parameters.contains("amplification") {
                sink.report(lp / "amplification", "only a \(users("amplification").joined(separator: " or ")) pool has an amplification")
            }
            if range != nil, !curve.parameters.contains("range") {
                sink.report(lp / "range", "only a \(users("range").joined(separator: " or ")) position has a range")
            }
        }
        let volumeFees = feeRate != nil || dailyVolume != nil || poolValue != nil
        if feeAPR != nil, volumeFees {
            sink.report(lp / "fee_apr", "give 'fee_apr' or ('fee_rate', 'daily_volume' and 'pool_value'), not both")
        } else if volumeFees, feeRate == nil || dailyVolume == nil || poolValue == nil {
            let missing = [("fee_rate", feeRate == nil), ("daily_volume", dailyVolume == nil), ("pool_value", poolValue == nil)].filter(\.1).map(\.0)
            sink.report(lp / missing[0], "volume-based fees need 'fee_rate', 'daily_volume' and 'pool_value'; missing \(missing.joined(separator: ", "))")
        }
        for (k, inc) in incentives.enumerated() where !c.assetExists(inc.asset) {
            sink.report(lp / "incentives" / k / "asset", "unknown asset '\(inc.asset)'\(Suggest.hint(inc.asset, c.market.assets.map(\.name)))")
        }
    }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        LPLayer(spec: b.spec, config: self, owner: b.owner, input: b.input, ledger: b.ledger, market: b.market)
    }
}

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
        let compounding = model.compoundsFees
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
        if model.hasRange { m.append(("days_in_range_share", Double(daysInRange[p]) / Double(max(days, 1)))) }
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
