/// The `soft_staking` layer type's spec (SPEC §2.3).
public struct SoftStakingSpec: Sendable {
    public var apy: RateSpec
    public var minBalance: Double
    public var maxBalance: Double?
    public var snapshotsPerDay: Int
    public var autoCompound: Bool
}

extension SoftStakingSpec: LayerConfig {
    static let typeName = "soft_staking"
    static let summary = "X → X, still liquid: exchange flexible staking paid on the average of intra-day snapshots"
    static let fields: [Property] = [
        Property("apy", .ref("signed_rate"), required: true, "APY quoted by the platform; pays average balance × APY / 365 a day; may be negative"),
        Property("min_balance", .number(ScenarioSchema.amount), default: .number(0), "token units; below this nothing is earned"),
        Property("max_balance", .number(ScenarioSchema.positiveAmount), "token units; above this only this much earns"),
        Property("snapshots_per_day", .integer(IntegerSchema(min: 1, max: 1440)), default: .number(24), "balance snapshots a day (24 = hourly)"),
        Property("auto_compound", .boolean(description: "re-stake rewards daily"), default: .bool(false)),
    ]

    static func decode(_ f: FieldReader, _ d: inout ScenarioDecoder) -> SoftStakingSpec? {
        guard let apy = d.rate("apy", f), let minBalance = f.double("min_balance"),
              let snapshots = f.int("snapshots_per_day"), let compound = f.bool("auto_compound") else { return nil }
        let maxBalance = f.double("max_balance")
        if let maxBalance, maxBalance < minBalance {
            d.sink.report(f.path / "max_balance", "must be >= min_balance (\(Format.plain(minBalance))), got \(Format.plain(maxBalance))")
        }
        return SoftStakingSpec(apy: apy, minBalance: minBalance, maxBalance: maxBalance, snapshotsPerDay: snapshots, autoCompound: compound)
    }

    static var capabilities: LayerCapabilities { [.hasRate] }
    var rates: [(field: String, rate: RateSpec)] { [("apy", apy)] }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        SoftStakingLayer(spec: b.spec, config: self, owner: b.owner, asset: b.input, ledger: b.ledger, market: b.market)
    }
}

/// `soft_staking`: exchange-style flexible staking (DOMAIN "Soft staking").
/// Tokens stay liquid and earn, each day,
///   reward = mean over snapshots of clamp(balance) × APY / 365,
/// where the snapshots are taken at the start of each of `snapshots_per_day`
/// equal parts of the day, a flow at hour h counts in every snapshot at or
/// after h, and clamp gives 0 below `min_balance` and caps at `max_balance`.
/// Rewards are re-staked daily with `auto_compound`; otherwise they sit
/// beside the balance and earn nothing.
public final class SoftStakingLayer: LayerRuntime {
    public let spec: LayerSpec
    let config: SoftStakingSpec
    public let owner: Int
    public let amountAsset: Int
    public let yieldTokens: PathVector
    let balance: PathVector
    let rewards: PathVector
    let apy: DailyGrid
    /// Today's flows: (hour, amount applied per path), for the snapshots.
    private var intraday: [(hour: Double, applied: [Double])] = []

    init(spec: LayerSpec, config: SoftStakingSpec, owner: Int, asset: Int, ledger: Ledger, market: MarketChunk) {
        self.spec = spec
        self.config = config
        self.owner = owner
        amountAsset = asset
        yieldTokens = ledger.arena.vector()
        balance = ledger.addSlot(asset: asset, owner: owner, label: "staked")
        rewards = ledger.addSlot(asset: asset, owner: owner, label: "rewards")
        apy = market.rate(config.apy, layerID: spec.id, kind: .apr)
    }

    public func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        for p in 0..<input.count { balance[p] += input[p] * keep }
        return input
    }

    public func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        var applied = [Double](repeating: 0, count: balance.count)
        for p in 0..<balance.count {
            if amount >= 0 {
                applied[p] = amount
                balance[p] += amount
            } else {
                // A withdrawal takes staked tokens first, then idle rewards.
                let fromBalance = min(-amount, balance[p])
                let fromRewards = min(-amount - fromBalance, rewards[p])
                balance[p] -= fromBalance
                rewards[p] -= fromRewards
                applied[p] = -(fromBalance + fromRewards)
            }
        }
        // Only what changes the staked balance counts in the snapshots.
        intraday.append((hour, applied))
        return applied
    }

    /// The balance that earns in a snapshot, after the platform's limits.
    @inline(__always)
    func earning(_ b: Double) -> Double {
        if b < config.minBalance || b <= 0 { return 0 }
        if let cap = config.maxBalance, b > cap { return cap }
        return b
    }

    public func accrue(ctx: StrategyContext) {
        let d = ctx.day
        let n = config.snapshotsPerDay
        let flows = intraday
        intraday.removeAll(keepingCapacity: true)
        for p in 0..<balance.count {
            let rate = apy[d, p]
            let end = balance[p]
            var average: Double
            if flows.isEmpty {
                average = earning(end)
            } else {
                // Balance at the start of the day, before today's flows.
                var start = end
                for f in flows { start -= f.applied[p] }
                var sum = 0.0
                for k in 0..<n {
                    let hour = 24.0 * Double(k) / Double(n)
                    var b = start
                    for f in flows where f.hour <= hour { b += f.applied[p] }
                    sum += earning(b)
                }
                average = sum / Double(n)
            }
            let reward = average * rate / 365
            guard reward != 0 else { continue }
            if config.autoCompound {
                balance[p] += reward
            } else if reward > 0 {
                rewards[p] += reward
            } else {
                // A negative APY charges the stake; idle rewards cover what a
                // late-day withdrawal left the stake unable to.
                let fromBalance = min(-reward, max(balance[p], 0))
                balance[p] -= fromBalance
                rewards[p] -= -reward - fromBalance
            }
            yieldTokens[p] += reward
            ctx.ledger.attribute(owner, .staking, p, reward * ctx.price(amountAsset, p))
        }
    }

    public func amount(_ p: Int) -> Double { balance[p] + rewards[p] }

    public func currentRate(_ p: Int, ctx: StrategyContext) -> Double? { apy[ctx.day, p] }

    public func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        let moved = LiquidHolding.release([balance, rewards], asset: amountAsset, fraction: fraction, p, ctx: ctx)
        return moved > 0 ? .done([("amount", .number(moved))]) : .nothing
    }

    public func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        withdraw(fraction: 1, p, action: action, ctx: ctx)
    }
}
