/// A read-only view of one day of a chunk's market: what every component of
/// a step may read (cadCAD: every component of a step sees the same prior
/// state; NautilusTrader: a component gets a read-only view of the state).
/// A value, so a component holding one cannot move the day under the others;
/// the runner makes a new one at the start of each day (SPEC §2.5 step 1).
public struct MarketDay: Sendable {
    /// The chunk's generated market (prices, peg ratios, names).
    public let market: MarketChunk
    /// The day d, 0 … N−1.
    public let day: Int

    /// The view of `market` on day `day`.
    public init(market: MarketChunk, day: Int) {
        self.market = market
        self.day = day
    }

    /// Price grids by asset index (market order), in the scenario currency.
    public var prices: [DailyGrid] { market.prices }
    /// Peg-ratio grids by asset index; nil for an asset without a peg.
    public var ratios: [DailyGrid?] { market.ratios }
    /// Paths in the chunk.
    public var count: Int { market.count }

    /// Price of an asset on this day at path p; the currency pseudo-asset
    /// (index past the market's assets) is worth 1.
    @inline(__always)
    public func price(_ asset: Int, _ p: Int) -> Double {
        asset < market.prices.count ? market.prices[asset][day, p] : 1
    }

    /// Ratio of a pegged asset to its peg target on this day at path p; nil
    /// for an asset without a peg.
    @inline(__always)
    public func ratio(_ asset: Int, _ p: Int) -> Double? {
        market.ratios[asset]?[day, p]
    }
}
