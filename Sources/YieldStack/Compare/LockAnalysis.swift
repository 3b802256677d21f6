/// Flexible versus locked on the same market paths: what locking earns, what
/// it costs when a crash comes while locked, and the lock APR at which the
/// trade breaks even (SPEC §3 `compare`, issue "flexible vs locked").
public struct LockAnalysis: Sendable, Equatable {
    public var flexible: String
    public var locked: String
    /// The locked layers' APR as the scenario gives it (nil if not a fixed number).
    public var lockAPR: Double?
    /// What locking earns over staying flexible: the difference in mean
    /// staking income, annualised on initial value (simple, ×365/days).
    public var extraYield: Double
    /// Mean staking income of each, in the currency.
    public var stakingIncomeFlexible: Double
    public var stakingIncomeLocked: Double
    /// Mean APY of the locked strategy minus the flexible one's, net of
    /// everything (exits, penalties, crashes).
    public var apyDifference: Double
    /// Paths counted as crashes: the worst ⌈5 %⌉ by the capital asset's price change.
    public var crashPaths: Int
    /// The price change at or below which a path counts as a crash.
    public var crashThreshold: Double
    /// Mean final equity of each on crash paths, and locked − flexible.
    public var crashFlexibleEquity: Double
    public var crashLockedEquity: Double
    public var crashDifference: Double
    /// The lock APR at which the locked strategy's mean final equity equals
    /// the flexible one's on the same paths; nil if none in [0, 1000 %].
    public var breakEvenMeanAPR: Double?
    /// The lock APR at which the two CVaR 95 are equal; nil if none.
    public var breakEvenCVaRAPR: Double?
    /// Set when the locked strategy is ahead even at 0 % (no break-even above 0).
    public var lockedAheadAtZeroMean: Bool
    public var lockedAheadAtZeroCVaR: Bool
}

public enum LockAnalyzer {
    /// Whether a strategy has a layer that locks its tokens, or fixes its
    /// rate when held to maturity (a principal token).
    public static func isLocked(_ s: StrategySpec) -> Bool {
        s.layers.contains { !$0.capabilities.isDisjoint(with: [.locks, .fixesRate]) }
    }

    /// The strategy with every locked layer's APR set to `apr` (for a
    /// principal token, its implied APY in `market`).
    public static func withLockAPR(_ s: StrategySpec, _ apr: Double, market: inout MarketSpec) -> StrategySpec {
        var copy = s
        copy.layers = s.layers.map { layer in
            guard !layer.capabilities.isDisjoint(with: [.locks, .fixesRate]) else { return layer }
            var l = layer
            l.kind = layer.kind.withLockRate(apr, market: &market)
            return l
        }
        return copy
    }

    /// The strategy with every locked layer's APR set to `apr`.
    public static func withLockAPR(_ s: StrategySpec, _ apr: Double) -> StrategySpec {
        var market = MarketSpec(assets: [], correlations: [], shocks: [])
        return withLockAPR(s, apr, market: &market)
    }

    public static func analyze(result: SimulationResult, flexible f: Int, locked l: Int, options: SimulationOptions) throws(EngineFault) -> LockAnalysis {
        let scenario = result.scenario
        let flex = result.strategies[f], lock = result.strategies[l]
        let flexFinals = flex.paths.map(\.finalEquity)
        let flexMean = Statistics.mean(flexFinals)
        let flexCVaR = Statistics.expectedShortfall(losses: flex.paths.map(\.loss), level: 0.95)
        let apy = { (r: StrategyResult) in Statistics.mean(r.paths.map { Statistics.annualised(totalReturn: $0.totalReturn, days: r.days) }) }

        let crash = Statistics.crashPaths(marketReturns: flex.paths.map(\.marketReturn))
        let k = crash.count
        let crashFlex = Statistics.mean(crash.map { flex.paths[$0].finalEquity })
        let crashLock = Statistics.mean(crash.map { lock.paths[$0].finalEquity })

        // Re-run only the locked strategy at other APRs, on the same paths.
        var single = scenario
        let lockedSpec = scenario.strategies[l]
        var options = options
        options.storePaths = 1
        func evaluate(_ apr: Double) throws(EngineFault) -> (mean: Double, cvar: Double) {
            var market = scenario.market
            single.strategies = [withLockAPR(lockedSpec, apr, market: &market)]
            single.market = market
            let r = try Simulation.run(single, options: options).strategies[0]
            return (Statistics.mean(r.paths.map(\.finalEquity)), Statistics.expectedShortfall(losses: r.paths.map(\.loss), level: 0.95))
        }
        let current: Double? = lockedSpec.layers.compactMap { layer -> Double? in
            guard !layer.capabilities.isDisjoint(with: [.locks, .fixesRate]) else { return nil }
            return layer.kind.lockRate(in: scenario.market)
        }.first

        var cache: [Double: (mean: Double, cvar: Double)] = [:]
        func cached(_ apr: Double) throws(EngineFault) -> (mean: Double, cvar: Double) {
            if let v = cache[apr] { return v }
            let v = try evaluate(apr)
            cache[apr] = v
            return v
        }
        // mean: increasing in APR; CVaR (a loss): decreasing.
        let meanRoot = try breakEven { (apr: Double) throws(EngineFault) in try cached(apr).mean - flexMean }
        let cvarRoot = try breakEven { (apr: Double) throws(EngineFault) in flexCVaR - (try cached(apr).cvar) }

        let staking = { (r: StrategyResult) in
            // Income of staking and of fixing a rate (a principal token's accretion).
            Statistics.mean((0..<r.count).map { p in r.attribution.reduce(0.0) { $0 + $1[AttributionSource.staking.index][p] + $1[AttributionSource.fixedYield.index][p] } })
        }
        let stakingFlex = staking(flex), stakingLock = staking(lock)
        let initial = Statistics.mean(flex.paths.map(\.initialValue))
        return LockAnalysis(
            flexible: flex.name, locked: lock.name, lockAPR: current,
            extraYield: initial > 0 ? (stakingLock - stakingFlex) / initial * 365 / Double(scenario.days) : .nan,
            stakingIncomeFlexible: stakingFlex, stakingIncomeLocked: stakingLock,
            apyDifference: apy(lock) - apy(flex),
            crashPaths: k, crashThreshold: crash.last.map { flex.paths[$0].marketReturn } ?? .nan,
            crashFlexibleEquity: crashFlex, crashLockedEquity: crashLock, crashDifference: crashLock - crashFlex,
            breakEvenMeanAPR: meanRoot.root, breakEvenCVaRAPR: cvarRoot.root,
            lockedAheadAtZeroMean: meanRoot.aheadAtZero, lockedAheadAtZeroCVaR: cvarRoot.aheadAtZero)
    }

    /// Root of an increasing function of the APR on [0, 10] by bracketing
    /// then the Illinois variant of regula falsi, to 1e-7 in APR.
    static func breakEven(_ g: (Double) throws(EngineFault) -> Double) throws(EngineFault) -> (root: Double?, aheadAtZero: Bool) {
        var lo = 0.0
        var glo = try g(lo)
        if glo >= 0 { return (glo == 0 ? 0 : nil, glo > 0) }
        var hi = 0.1
        var ghi = try g(hi)
        while ghi < 0 {
            guard hi < 10 else { return (nil, false) }
            lo = hi
            glo = ghi
            hi *= 2
            ghi = try g(hi)
        }
        var side = 0
        for _ in 0..<60 {
            let x = (lo * ghi - hi * glo) / (ghi - glo)
            let gx = try g(x)
            if abs(hi - lo) < 1e-7 || gx == 0 { return (x, false) }
            if gx < 0 {
                lo = x
                glo = gx
                if side == -1 { ghi /= 2 }
                side = -1
            } else {
                hi = x
                ghi = gx
                if side == 1 { glo /= 2 }
                side = 1
            }
        }
        return ((lo * ghi - hi * glo) / (ghi - glo), false)
    }
}
