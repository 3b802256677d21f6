/// What exiting would cost (SPEC §2.6, DOMAIN "Unwind cost"): for every
/// asset with depth that the strategy holds, the shortfall against the
/// quoted price of selling 10 %, 25 %, 50 % and 100 % of its holdings
/// through the pool, on day 0 and on the path's worst day (its lowest
/// equity, the first such day), and the largest sale whose average
/// shortfall stays within the lending layer's liquidation bonus (day 0).
/// Holdings are the strategy's positive balances of the asset in every
/// slot (collateral included); the pool's state is that day's, with the
/// market's and the strategy's own displacement, after the day's trades.
final class UnwindTracker {
    static let fractions: [Double] = [0.10, 0.25, 0.50, 1.00]

    struct Snapshot {
        var held: Double
        /// Cost of each fraction, in the currency.
        var cost: [Double]
        var quoted: Double
    }

    let assets: [Int]
    let names: [String]
    /// Liquidation bonus of a lending layer whose collateral is the asset.
    let bonus: [Double?]
    var dayZero: [[Snapshot]]
    var worst: [[Snapshot]]
    var worstDay: [Int]
    var lowest: [Double]
    var withinBonus: [[Double]]

    init?(ctx: StrategyContext, layers: [LayerRuntime]) {
        guard ctx.impact != nil else { return nil }
        let assets = ctx.scenario.market.assets.indices.filter { ctx.hasDepth($0) }
        guard !assets.isEmpty else { return nil }
        self.assets = assets
        names = assets.map { ctx.assetName($0) }
        bonus = assets.map { a in
            layers.lazy.compactMap { layer -> Double? in
                guard layer.spec.capabilities.contains(.borrows), layer.amountAsset == a,
                      let lending = layer.spec.kind as? LendingSpec else { return nil }
                return lending.liquidationTerms.bonus
            }.first
        }
        let n = ctx.count
        let empty = Snapshot(held: 0, cost: Self.fractions.map { _ in 0 }, quoted: 0)
        dayZero = assets.map { _ in Array(repeating: empty, count: n) }
        worst = dayZero
        worstDay = Array(repeating: 0, count: n)
        lowest = Array(repeating: .infinity, count: n)
        withinBonus = assets.map { _ in Array(repeating: 0, count: n) }
    }

    /// After day d's valuation: day 0's snapshot, and a new one whenever the
    /// path's equity reaches a new low.
    func observe(day d: Int, equity: PathVector, ctx: StrategyContext) {
        for p in 0..<ctx.count {
            let isLow = equity[p] < lowest[p]
            guard d == 0 || isLow else { continue }
            if isLow {
                lowest[p] = equity[p]
                worstDay[p] = d
            }
            for (i, a) in assets.enumerated() {
                let s = snapshot(a, p, ctx: ctx)
                if d == 0 {
                    dayZero[i][p] = s
                    if let b = bonus[i] { withinBonus[i][p] = Self.largestSale(within: b, a, p, ctx: ctx) }
                }
                if isLow { worst[i][p] = s }
            }
        }
    }

    private func snapshot(_ a: Int, _ p: Int, ctx: StrategyContext) -> Snapshot {
        var held = 0.0
        for slot in ctx.ledger.slots where slot.asset == a && ctx.ledger.mayHold(slot) { held += max(0, slot.amount[p]) }
        let price = ctx.price(a, p)
        let cost = Self.fractions.map { f -> Double in
            guard held > 0, let sale = ctx.depthSale(a, held * f, p) else { return 0 }
            return sale.quoted - sale.value
        }
        return Snapshot(held: held, cost: cost, quoted: held * price)
    }

    /// The largest sale q of asset a today whose shortfall 1 − value/(q·P)
    /// is at most `bonus` (the shortfall grows with q): bisection on q. For a
    /// constant-product pool at rest it is q = b·L / ((1 − b)·m).
    static func largestSale(within bonus: Double, _ a: Int, _ p: Int, ctx: StrategyContext) -> Double {
        func shortfall(_ q: Double) -> Double {
            guard let sale = ctx.depthSale(a, q, p), sale.quoted > 0 else { return 0 }
            return 1 - sale.value / sale.quoted
        }
        let price = ctx.price(a, p)
        guard price > 0, bonus > 0 else { return 0 }
        var hi = max(1e-9, (ctx.scenario.market.assets[a].depth?.liquidity ?? 1) / price)
        var steps = 0
        while shortfall(hi) < bonus, steps < 200 { hi *= 2; steps += 1 }
        var lo = 0.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid <= lo || mid >= hi { break }
            if shortfall(mid) <= bonus { lo = mid } else { hi = mid }
        }
        return lo
    }

    /// Per-path figures, by metric name (`Metric.unwind…`).
    func figures() -> [(name: String, values: [Double])] {
        var out: [(String, [Double])] = []
        for (i, name) in names.enumerated() {
            for (when, snaps) in [("day0", dayZero[i]), ("worst", worst[i])] {
                out.append((Metric.unwindHeld(name, when), snaps.map(\.held)))
                out.append((Metric.unwindValue(name, when), snaps.map(\.quoted)))
                for (k, f) in Self.fractions.enumerated() {
                    out.append((Metric.unwindCost(name, when, f), snaps.map { $0.cost[k] }))
                }
            }
            if bonus[i] != nil { out.append((Metric.maxSaleWithinBonus(name), withinBonus[i])) }
        }
        out.append((Metric.unwindWorstDay, worstDay.map(Double.init)))
        return out
    }
}
