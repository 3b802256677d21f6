import Foundation

/// One market series the strategies saw, as plain values per day: the input
/// of the HTML report's market charts. It is a parameter of plain values so
/// the report does not depend on how (or whether) the store keeps the
/// market: `market_daily` and `layer_rates` (SPEC §4) fill it.
public struct ChartSeries: Sendable, Equatable {
    /// What the values are; series of one kind share a chart and a y axis.
    public enum Kind: String, Sendable, CaseIterable {
        /// A price in the run's currency.
        case price
        /// A pegged asset's ratio to what it is pegged to (1 = at par).
        case peg
        /// A rate as a fraction per year (0.05 = 5 % APR).
        case rate
    }

    /// The legend text, e.g. `ETH`, `stETH/ETH`, `stack: aave borrow`.
    public var name: String
    public var kind: Kind
    /// Value on day d at index d (day 0 = the run's start); nil where unknown.
    public var values: [Double?]

    public init(name: String, kind: Kind, values: [Double?]) {
        self.name = name
        self.kind = kind
        self.values = values
    }

    /// The market series of a stored run, for its HTML report.
    ///
    /// `StoredRun` does not yet carry `market_daily` / `layer_rates`, so this
    /// returns none and the report omits the market section cleanly. Once
    /// the store loads them, build path 0's series here (prices per asset,
    /// the peg ratio per pegged asset, each rate-bearing layer's rate per
    /// strategy) and every caller — `run` and `report --out x.html` — gets
    /// the charts with no other change.
    public static func marketSeries(from run: StoredRun) -> [ChartSeries] {
        []
    }
}
