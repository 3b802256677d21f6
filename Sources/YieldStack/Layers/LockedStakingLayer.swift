/// What leaving a lock before maturity costs.
public enum EarlyExit: Sendable, Equatable {
    case forbidden
    case forfeitRewards
    case penalty(Double)
}

/// The `locked_staking` layer type's spec (SPEC §2.3).
public struct LockedStakingSpec: Sendable {
    public enum Payout: String, Sendable { case daily, maturity }
    public var apr: RateSpec
    public var termDays: Int
    public var payout: Payout
    public var earlyExit: EarlyExit
    public var unbondingDays: Int
    public var renew: Bool
}

extension LockedStakingSpec: LayerConfig {
    static let typeName = "locked_staking"
    static let summary = "X → nothing until maturity: fixed-term lock at a simple APR"
    static let fields: [Property] = [
        Property("apr", .ref("rate"), required: true, "simple annual rate on principal"),
        Property("term_days", .integer(IntegerSchema(min: 1, max: 36500)), required: true, "days in one term"),
        Property("payout", ScenarioSchema.enumeration(["daily", "maturity"]), default: .string("maturity"), "when rewards are paid"),
        Property("early_exit", .ref("early_exit"), default: .string("forbidden")),
        Property("unbonding_days", .integer(IntegerSchema(min: 0, max: 36500)), default: .number(0), "days after unlock when tokens earn nothing and cannot move"),
        Property("renew", .boolean(description: "re-lock the principal at maturity"), default: .bool(false)),
    ]

    static func decode(_ f: FieldReader, _ d: inout ScenarioDecoder) -> LockedStakingSpec? {
        guard let apr = d.rate("apr", f), let term = f.int("term_days"), let payoutText = f.string("payout"),
              let payout = Payout(rawValue: payoutText), let unbonding = f.int("unbonding_days"), let renew = f.bool("renew") else { return nil }
        var earlyExit = EarlyExit.forbidden
        if let e = f.value("early_exit") {
            if e.string == "forfeit_rewards" { earlyExit = .forfeitRewards }
            else if let p = e["penalty"]?.double { earlyExit = .penalty(p) }
        }
        return LockedStakingSpec(apr: apr, termDays: term, payout: payout, earlyExit: earlyExit, unbondingDays: unbonding, renew: renew)
    }

    static var capabilities: LayerCapabilities { [.hasRate, .locks] }
    var rates: [(field: String, rate: RateSpec)] { [("apr", apr)] }
    func outputAsset(input: String?) -> String? { nil }
    var lockRate: RateSpec? { apr }
    func withLockRate(_ rate: Double) -> LockedStakingSpec {
        var copy = self
        copy.apr = .fixed(rate)
        return copy
    }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        LockedStakingLayer(spec: b.spec, config: self, owner: b.owner, asset: b.input, ledger: b.ledger, market: b.market)
    }
}

/// `locked_staking`: a fixed-term lock at a simple APR (DOMAIN "Locked
/// staking"). Each day of the term earns principal × APR / 365 (simple
/// interest on principal, not compounded), paid daily to the spot wallet or
/// accrued until maturity. A term that starts on day s matures at the end of
/// day s + term_days − 1, after that day's accrual, so a term earns exactly
/// term_days days of rewards. At maturity rewards go to the spot wallet and
/// the principal re-locks (`renew`) or unbonds for `unbonding_days` — earning
/// nothing, still exposed to price — before it becomes liquid.
///
/// Early exit (`withdraw` and `exit` rules): `forbidden` is refused and
/// recorded; `forfeit_rewards` returns the principal without this term's
/// rewards (accrued ones are dropped and ones already paid daily are deducted
/// from the principal); `{penalty: q}` keeps the rewards and loses q of the
/// principal. Tokens leaving early unbond like matured ones.
public final class LockedStakingLayer: LayerRuntime {
    public let spec: LayerSpec
    let config: LockedStakingSpec
    public let owner: Int
    public let amountAsset: Int
    public let yieldTokens: PathVector
    let principal: PathVector
    let accrued: PathVector
    let unbonding: PendingRelease
    /// Rewards paid out daily in the current term (for `forfeit_rewards`).
    let paidThisTerm: PathVector
    /// First day of the current term, −1 when nothing is locked.
    let termStart: PathIntVector
    let apr: DailyGrid

    init(spec: LayerSpec, config: LockedStakingSpec, owner: Int, asset: Int, ledger: Ledger, market: MarketChunk) {
        self.spec = spec
        self.config = config
        self.owner = owner
        amountAsset = asset
        let arena = ledger.arena
        yieldTokens = arena.vector()
        principal = ledger.addSlot(asset: asset, owner: owner, label: "locked")
        accrued = ledger.addSlot(asset: asset, owner: owner, label: "accrued rewards")
        unbonding = PendingRelease(asset: asset, owner: owner, label: "unbonding", ledger: ledger)
        paidThisTerm = arena.vector()
        termStart = arena.intVector(-1)
        apr = market.rate(config.apr, layerID: spec.id, kind: .apr)
    }

    public func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        for p in 0..<input.count {
            principal[p] += input[p]
            if input[p] > 0 { termStart[p] = ctx.day }
        }
        return nil
    }

    public func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        var applied = [Double](repeating: 0, count: principal.count)
        for p in 0..<principal.count {
            if amount > 0 {
                principal[p] += amount
                if termStart[p] < 0 { termStart[p] = ctx.day }
                applied[p] = amount
            } else {
                ctx.record(p, .refusedAction, layer: spec.id, asset: amountAsset, amount: amount, detail: [
                    ("action", .string("flow")),
                    ("reason", .string("a withdrawal flow cannot take tokens out of a locked position; use a withdraw or exit rule")),
                ])
            }
        }
        return applied
    }

    public func accrue(ctx: StrategyContext) {
        let d = ctx.day
        let spot = ctx.ledger.spot(amountAsset)
        for p in 0..<principal.count {
            // Unbonding that ends today becomes liquid first.
            if let released = unbonding.releaseIfDue(p, owner: owner, ctx: ctx) {
                ctx.record(p, .unbonded, layer: spec.id, asset: amountAsset, amount: released.amount,
                           value: released.amount * ctx.price(amountAsset, p), detail: released.detail)
            }
            guard termStart[p] >= 0, principal[p] > 0 else { continue }
            let reward = principal[p] * apr[d, p] / 365
            if reward > 0 {
                if config.payout == .daily {
                    spot[p] += reward
                    paidThisTerm[p] += reward
                } else {
                    accrued[p] += reward
                }
                yieldTokens[p] += reward
                ctx.ledger.attribute(owner, .staking, p, reward * ctx.price(amountAsset, p))
            }
            if d - termStart[p] + 1 >= config.termDays { mature(p, ctx: ctx) }
        }
    }

    private func mature(_ p: Int, ctx: StrategyContext) {
        let d = ctx.day
        let price = ctx.price(amountAsset, p)
        let locked = principal[p]
        ctx.record(p, .maturity, layer: spec.id, asset: amountAsset, amount: locked, value: locked * price, detail: [
            ("term_start_day", .number(Double(termStart[p]))),
            ("renewed", .bool(config.renew)),
        ])
        if accrued[p] > 0 {
            let paid = accrued[p]
            ctx.moveToSpot(from: accrued, asset: amountAsset, amount: paid, p)
            ctx.record(p, .rewardPayout, layer: spec.id, asset: amountAsset, amount: paid, value: paid * price)
        }
        paidThisTerm[p] = 0
        if config.renew {
            termStart[p] = d + 1
        } else {
            termStart[p] = -1
            unbond(locked, from: principal, p, convertTo: nil, slippage: 0, ctx: ctx)
        }
    }

    /// Sends tokens to unbonding (or straight to spot without an unbonding period).
    private func unbond(_ amount: Double, from slot: PathVector, _ p: Int, convertTo: Int?, slippage: Double, ctx: StrategyContext) {
        guard amount > 0 else { return }
        if config.unbondingDays == 0 {
            ctx.moveToSpot(from: slot, asset: amountAsset, amount: amount, p)
            if let to = convertTo {
                ctx.convertSpot(amount, from: amountAsset, to: to, slippage: slippage, owner: owner, p)
            }
            return
        }
        slot[p] -= amount
        unbonding.schedule(amount, releaseOn: ctx.day + config.unbondingDays, p)
        if let to = convertTo { unbonding.convert(to: to, slippage: slippage, p) }
    }

    public func amount(_ p: Int) -> Double { principal[p] + accrued[p] + unbonding.amount[p] }

    public func currentRate(_ p: Int, ctx: StrategyContext) -> Double? { apr[ctx.day, p] }

    public func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        earlyExit(fraction: fraction, p, convertTo: nil, slippage: 0, ctx: ctx)
    }

    public func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        if principal[p] <= 0, unbonding.amount[p] > 0, let to = convertTo, unbonding.convert(to: to, slippage: action.slippage, p) {
            // Already on its way out: convert it when it arrives.
            return .done([("converts_on_release", .string(ctx.assetName(to))), ("release_day", .number(Double(unbonding.releaseDay[p])))])
        }
        return earlyExit(fraction: 1, p, convertTo: convertTo, slippage: action.slippage, ctx: ctx)
    }

    private func earlyExit(fraction f: Double, _ p: Int, convertTo: Int?, slippage: Double, ctx: StrategyContext) -> ActionOutcome {
        guard principal[p] > 0, termStart[p] >= 0 else {
            // Matured, not renewed: nothing locked; released tokens are already in spot.
            return .nothing
        }
        let maturityDay = termStart[p] + config.termDays - 1
        let price = ctx.price(amountAsset, p)
        let out = principal[p] * f
        var returned = out
        var lostValue = 0.0
        var detail: [(String, JSONValue)] = [("matures_day", .number(Double(maturityDay)))]
        switch config.earlyExit {
        case .forbidden:
            return .refused("early exit is forbidden; the lock matures on day \(maturityDay)")
        case .forfeitRewards:
            let clawback = min(paidThisTerm[p] * f, out)
            let forfeited = accrued[p] * f
            returned = ctx.lose(out > 0 ? clawback / out : 0, of: out, asset: amountAsset, slot: principal, owner: owner, p)
            _ = ctx.lose(1, of: forfeited, asset: amountAsset, slot: accrued, owner: owner, p)
            paidThisTerm[p] -= paidThisTerm[p] * f
            yieldTokens[p] -= forfeited + clawback
            lostValue = (forfeited + clawback) * price
            detail += [("forfeited_rewards", .number(forfeited + clawback))]
        case .penalty(let q):
            returned = ctx.lose(q, of: out, asset: amountAsset, slot: principal, owner: owner, p)
            lostValue = out * q * price
            let rewards = accrued[p] * f
            unbond(rewards, from: accrued, p, convertTo: convertTo, slippage: slippage, ctx: ctx)
            detail += [("penalty", .number(out * q)), ("rewards", .number(rewards))]
        }
        unbond(returned, from: principal, p, convertTo: convertTo, slippage: slippage, ctx: ctx)
        if principal[p] <= 1e-15 * max(1, out) {
            principal[p] = 0
            termStart[p] = -1
        }
        detail += [("principal", .number(out)), ("returned", .number(returned)), ("lost_value", .number(lostValue))]
        if config.unbondingDays > 0 { detail.append(("liquid_on_day", .number(Double(unbonding.releaseDay[p])))) }
        return .done(detail)
    }
}
