/// The result of asking a layer to act on one path.
public enum ActionOutcome: Sendable {
    /// Done; the pairs describe what moved.
    case done([(String, JSONValue)])
    /// The layer cannot do it (a locked position whose early exit is
    /// forbidden); recorded as a `refused_action` event, never skipped.
    case refused(String)
    /// Nothing to do (already exited, nothing to withdraw).
    case nothing
}

/// A layer type's behaviour on a chunk of paths. Each layer keeps its state
/// as columns over paths (`PathVector`) and steps every path in one loop.
/// The engine calls these in the order of SPEC §2.5.
public protocol LayerRuntime: AnyObject {
    var spec: LayerSpec { get }
    /// This layer's owner index in the ledger.
    var owner: Int { get }
    /// The asset of `amount` (the collateral for lending).
    var amountAsset: Int { get }
    /// Yield earned to date in `amountAsset` units.
    var yieldTokens: PathVector { get }

    /// Day 0, step 2: takes `input[p]` of its input asset. Returns the total
    /// output it produces (nil if it produces nothing); the layer keeps
    /// `keep` of it and the engine hands the rest to the layers that take it.
    func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector?

    /// Step 2 for the first layer: an external deposit (positive) or
    /// withdrawal (negative) at `hour` of the day, the same on every path.
    /// Returns for each path the amount actually applied.
    func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double]

    /// Step 1: a shock that names this layer (slash; for exploit the engine
    /// has already taken the fraction from the layer's slots and this lets
    /// a layer with internal state follow).
    func applyShock(_ effect: ShockSpec.Effect, ctx: StrategyContext)

    /// Step 1, after the previous day's holdings are revalued: react to the
    /// day's prices (an AMM position rebalances by arbitrage).
    func applyMarket(ctx: StrategyContext)

    /// Step 3: one day of accrual, maturities and releases.
    func accrue(ctx: StrategyContext)

    /// Step 4: liquidations, repeated until healthy or out of collateral.
    func liquidate(ctx: StrategyContext)

    /// Holding in `amountAsset` at path p.
    func amount(_ p: Int) -> Double
    /// Borrowed amount owed (tokens of the borrowed asset).
    func debt(_ p: Int) -> Double
    /// Debt in the currency, for the `daily.debt` column.
    func debtValue(_ p: Int, ctx: StrategyContext) -> Double
    /// Health factor, nil without debt.
    func healthFactor(_ p: Int, ctx: StrategyContext) -> Double?
    /// Every path's health factor into `out` (NaN without debt), equal to
    /// `healthFactor(p, ctx:)` path by path: one call per layer and day
    /// where the engine needs them all (rules, recording).
    func healthFactors(into out: PathVector, ctx: StrategyContext)
    /// Loan-to-value, nil for layers that do not borrow.
    func ltv(_ p: Int, ctx: StrategyContext) -> Double?
    /// The layer's current annual rate, for `apr` conditions.
    func currentRate(_ p: Int, ctx: StrategyContext) -> Double?
    /// Layer-specific figures at the end of the run (stored as
    /// `layer.<id>.<name>` metrics, averaged over paths).
    func finalMetrics(_ p: Int, days: Int) -> [(String, Double?)]

    /// Rule actions on one path. `withdraw` and `exit` move the layer's
    /// tokens to the spot wallet; the engine then charges the action's fixed
    /// cost once and, for `exit` with `to`, converts the spot wallet. Tokens
    /// that cannot move yet (unbonding) are converted by the layer when they
    /// are released, with the same slippage.
    func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome
    func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome
    func deleverage(_ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome
    func releverage(_ p: Int, target: Double, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome
    func unstake(_ p: Int, viaQueue: Bool, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome
}

extension LayerRuntime {
    public func applyShock(_ effect: ShockSpec.Effect, ctx: StrategyContext) {}
    public func applyMarket(ctx: StrategyContext) {}
    public func liquidate(ctx: StrategyContext) {}
    public func debt(_ p: Int) -> Double { 0 }
    public func debtValue(_ p: Int, ctx: StrategyContext) -> Double { 0 }
    public func healthFactor(_ p: Int, ctx: StrategyContext) -> Double? { nil }
    public func healthFactors(into out: PathVector, ctx: StrategyContext) {
        for p in 0..<out.count { out[p] = healthFactor(p, ctx: ctx) ?? .nan }
    }
    public func ltv(_ p: Int, ctx: StrategyContext) -> Double? { nil }
    public func currentRate(_ p: Int, ctx: StrategyContext) -> Double? { nil }
    public func finalMetrics(_ p: Int, days: Int) -> [(String, Double?)] { [] }
    public func deleverage(_ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        .refused("layer '\(spec.id)' is \(spec.typeName) and has no debt to deleverage")
    }
    public func releverage(_ p: Int, target: Double, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        .refused("layer '\(spec.id)' is \(spec.typeName) and cannot borrow")
    }
    public func unstake(_ p: Int, viaQueue: Bool, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        .refused("layer '\(spec.id)' is \(spec.typeName) and has no receipt to redeem")
    }
}

/// Shared mechanics of layers that hold liquid tokens in slots.
enum LiquidHolding {
    /// Moves `fraction` of each slot to the spot wallet (a transfer: no
    /// trade, so no slippage); returns the amount moved.
    static func release(_ slots: [PathVector], asset: Int, fraction: Double, _ p: Int, ctx: StrategyContext) -> Double {
        var moved = 0.0
        for slot in slots {
            let amount = slot[p] * fraction
            guard amount > 0 else { continue }
            ctx.moveToSpot(from: slot, asset: asset, amount: amount, p)
            moved += amount
        }
        return moved
    }
}

/// Shared mechanics of receipt issuers (liquid staking, restaking): their
/// rebases and slashes reach every balance of the receipt in the strategy.
enum ReceiptBalances {
    /// Grows every positive balance of `slots` on path p by `growth` (a
    /// day's rate); returns the amount minted.
    @inline(__always)
    static func rebase(_ slots: [Slot], by growth: Double, _ p: Int) -> Double {
        var minted = 0.0
        for slot in slots {
            let amount = slot.amount[p]
            if amount > 0 {
                slot.amount[p] = amount * (1 + growth)
                minted += amount * growth
            }
        }
        return minted
    }

    /// Burns `fraction` of every positive balance of `slots` on path p;
    /// returns the amount burnt.
    static func burn(_ slots: [Slot], fraction: Double, _ p: Int) -> Double {
        var burnt = 0.0
        for slot in slots where slot.amount[p] > 0 {
            let amount = slot.amount[p] * fraction
            slot.amount[p] -= amount
            burnt += amount
        }
        return burnt
    }
}
