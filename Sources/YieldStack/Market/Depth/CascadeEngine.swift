/// One round of a liquidation cascade on one path and day (SPEC §2.6): the
/// buckets under HF 1 liquidated once each, their seized collateral sold
/// into the collateral's depth.
public struct CascadeRound: Sendable, Equatable {
    /// Global path.
    public var path: Int
    public var day: Int
    /// 1, 2, … within the day.
    public var round: Int
    /// Index of the collateral asset.
    public var collateral: Int
    /// Collateral units sold.
    public var volume: Double
    /// Debt units repaid.
    public var repaid: Double
    /// Buckets liquidated in the round.
    public var buckets: Int
    /// The collateral's price in its quote asset after the sale.
    public var quotePrice: Double
    /// The collateral's price in the currency after the sale.
    public var price: Double
}

/// What cascades did on each path of a chunk, over the whole run.
public struct CascadeTotals: Sendable {
    /// Value sold by cascades, at each sale's price, in the currency.
    public var volume: [Double]
    /// Days with at least one cascade round.
    public var days: [Int]
    /// Largest displacement of a cascaded collateral's price on any day, 1 − Δ.
    public var maxImpact: [Double]

    init(count: Int) {
        volume = Array(repeating: 0, count: count)
        days = Array(repeating: 0, count: count)
        maxImpact = Array(repeating: 0, count: count)
    }
}

/// Runs the cascades of one collateral asset over a chunk's paths, day by
/// day: the displaced price of day d decays toward the model
/// (`DepthSpec.decayed`), buckets under HF 1 at that price are liquidated
/// (`LiquidationModel.step`, Aave's rule), the seized collateral of the
/// round is sold into the depth (`DepthCurve.sell`), and rounds repeat at
/// the new price until none is liquidatable (at most 100 a day).
enum CascadeEngine {
    static let maxRounds = 100

    struct Output {
        /// The collateral's displaced quote price (ratio, or base price factor), day-major.
        var quote: [Double]
        /// Δ for each day and path, day-major.
        var displacement: [Double]
        var rounds: [CascadeRound]
    }

    /// - Parameters:
    ///   - quote: the collateral's modelled quote price (its ratio if pegged, else its base price factor).
    ///   - quoteScale: multiplies `quote` into the currency price (the peg target's price, or the dependency's).
    ///   - oracle: the oracle price of one collateral unit before any cascade; nil prices it at the displaced market price.
    ///   - debtPrice: the borrowed asset's price.
    static func run(_ cascades: [CascadeSpec], collateral: Int, depth: DepthSpec, days: Int, count: Int, firstPath: Int,
                    quote: DailyGrid, quoteScale: DailyGrid, underlyingOracle: DailyGrid?, debtPrices: [DailyGrid],
                    records: (Int) -> Bool, totals: inout CascadeTotals) -> Output {
        let curve = DepthRegistry.curve(depth)
        var out = Output(quote: quote.materialized(), displacement: Array(repeating: 1, count: days * count), rounds: [])
        // Bucket state, per cascade and bucket, reset per path.
        let terms = cascades.map(\.terms)
        var collateralLeft = cascades.map { c in c.buckets.map { _ in 0.0 } }
        var debtLeft = collateralLeft
        for p in 0..<count {
            // Day-0 oracle prices set each bucket's debt.
            let m0 = quote[0, p] * quoteScale[0, p]
            for (k, c) in cascades.enumerated() {
                let pc0 = c.oracle == .underlying ? (underlyingOracle?[0, p] ?? m0) : m0
                let pd0 = debtPrices[k][0, p]
                for (j, b) in c.buckets.enumerated() {
                    let units = c.collateralAmount * b.share
                    collateralLeft[k][j] = units
                    debtLeft[k][j] = pd0 > 0 ? units * pc0 * c.liquidationThreshold / (b.healthFactor * pd0) : 0
                }
            }
            var lastDisplacement = 1.0
            var since = Int.min / 2
            for d in 0..<days {
                let model = quote[d, p]
                let scale = quoteScale[d, p]
                var delta = DepthSpec.decayed(lastDisplacement, since: since, day: d, recoverDays: depth.recoverDays)
                var round = 0
                while round < maxRounds {
                    var volume = 0.0, repaid = 0.0, liquidated = 0
                    for (k, c) in cascades.enumerated() {
                        let pc = c.oracle == .underlying ? (underlyingOracle?[d, p] ?? model * delta * scale) : model * delta * scale
                        let pd = debtPrices[k][d, p]
                        for j in c.buckets.indices {
                            let units = collateralLeft[k][j], owed = debtLeft[k][j]
                            guard units > 0, owed > 0, pd > 0, pc > 0 else { continue }
                            let hf = units * pc * c.liquidationThreshold / (owed * pd)
                            guard hf < 1 else { continue }
                            let step = LiquidationModel.step(collateral: units, debt: owed, healthFactor: hf, collateralPrice: pc,
                                                             debtPrice: pd, terms: terms[k])
                            var left = units - step.seized
                            var owes = owed - step.repaid
                            if left <= 1e-12 * c.collateralAmount {
                                // Out of collateral: the rest is the market's bad debt.
                                left = 0
                                owes = 0
                            }
                            collateralLeft[k][j] = left
                            debtLeft[k][j] = owes
                            volume += step.seized
                            repaid += step.repaid
                            liquidated += 1
                        }
                    }
                    guard volume > 0 else { break }
                    round += 1
                    let sale = curve.sell(volume * model, displacement: delta)
                    totals.volume[p] += sale.out * scale
                    delta = sale.displacement
                    lastDisplacement = delta
                    since = d
                    if records(firstPath + p) {
                        out.rounds.append(CascadeRound(path: firstPath + p, day: d, round: round, collateral: collateral, volume: volume,
                                                       repaid: repaid, buckets: liquidated, quotePrice: model * delta, price: model * delta * scale))
                    }
                }
                if round > 0 { totals.days[p] += 1 }
                totals.maxImpact[p] = max(totals.maxImpact[p], 1 - delta)
                out.quote[d * count + p] = model * delta
                out.displacement[d * count + p] = delta
            }
        }
        return out
    }
}
