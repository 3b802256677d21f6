/// A sale or purchase through a depth pool, computed but not yet applied
/// (`StrategyContext.commit`): a deleverage prices several sizes before it
/// trades one.
struct DepthTrade {
    /// The pool (index into `PriceImpactBook.pools`).
    var pool: Int
    /// Value received in the currency: quote units × the quote's price (sale),
    /// or units of the asset × its price before the trade (purchase, for the impact).
    var value: Double
    /// Units of the asset bought (purchases).
    var units: Double
    /// The quoted value of the trade (units × price before it).
    var quoted: Double
    /// The strategy's own displacement after the trade.
    var own: Double
}

/// A strategy's own footprint on the market's depth (SPEC §2.6). Each
/// strategy sees the market (cascades included) times its own displacement
/// of each depth pool: Δ_own = marginal price after its trades / market
/// price, set by its trades and decaying to 1 over the pool's
/// `recover_days`, as the market's does. Strategies of one scenario do not
/// see each other's trades. The price of an asset in the currency is its
/// market price times the product of Δ_own over the pools in its price
/// chain (stETH moves with an ETH pool; weETH with a stETH pool).
final class PriceImpactBook {
    struct Pool {
        let asset: Int
        /// Quote asset: the peg target, or the currency pseudo-asset.
        let quote: Int
        let curve: any DepthCurve
        let recoverDays: Int
        /// Δ_own now, at the last trade, and that trade's day.
        let own: PathVector
        let atTrade: PathVector
        let since: PathIntVector
    }

    let pools: [Pool]
    let poolOf: [Int?]
    /// Assets whose price moves with pool k (its asset and those priced from it).
    let affected: [[Int]]
    /// Pools in each asset's price chain.
    let chain: [[Int]]
    /// Price factor Π Δ_own over the chain, per asset; nil outside any chain.
    let factor: [PathVector?]
    /// Yesterday's factor, for the price effect.
    let previous: [PathVector?]

    init?(market: MarketChunk, spec: MarketSpec, arena: PathArena, currency: Int) {
        var pools: [Pool] = []
        var poolOf = [Int?](repeating: nil, count: spec.assets.count)
        for (a, asset) in spec.assets.enumerated() {
            guard let depth = asset.depth, let curve = market.depthCurves[a] else { continue }
            poolOf[a] = pools.count
            pools.append(Pool(asset: a, quote: market.pegTargets[a] ?? currency, curve: curve, recoverDays: depth.recoverDays,
                              own: arena.vector(1), atTrade: arena.vector(1), since: arena.intVector(Int.min / 2)))
        }
        guard !pools.isEmpty else { return nil }
        let dependencies = spec.assets.map { a in a.dependency.flatMap { spec.index(of: $0) } }
        var chain: [[Int]] = []
        for a in spec.assets.indices {
            var found: [Int] = []
            var next: Int? = a
            var steps = 0
            while let i = next, steps <= spec.assets.count {
                if let k = poolOf[i] { found.append(k) }
                next = dependencies[i]
                steps += 1
            }
            chain.append(found)
        }
        self.pools = pools
        self.poolOf = poolOf
        self.chain = chain
        affected = pools.indices.map { k in spec.assets.indices.filter { chain[$0].contains(k) } }
        factor = chain.map { $0.isEmpty ? nil : arena.vector(1) }
        previous = chain.map { $0.isEmpty ? nil : arena.vector(1) }
    }

    /// Day d starts: keeps yesterday's factors and decays each pool's own
    /// displacement toward 1.
    func begin(day d: Int, count: Int) {
        for (a, f) in factor.enumerated() { if let f { previous[a]!.copy(from: f) } }
        for pool in pools {
            for p in 0..<count where pool.own[p] != 1 {
                pool.own[p] = DepthSpec.decayed(pool.atTrade[p], since: pool.since[p], day: d, recoverDays: pool.recoverDays)
            }
        }
        for a in factor.indices { refresh(a, nil, count: count) }
    }

    /// Recomputes asset a's factor on path p (all paths when nil).
    func refresh(_ a: Int, _ path: Int?, count: Int) {
        guard let f = factor[a] else { return }
        let ks = chain[a]
        let range = path.map { $0..<($0 + 1) } ?? 0..<count
        for p in range {
            var v = 1.0
            for k in ks { v *= pools[k].own[p] }
            f[p] = v
        }
    }
}
