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

    /// The market series of a stored run on path 0, for its HTML report:
    /// every asset's price, every pegged asset's ratio (from `market_daily`),
    /// and the rate each rate-bearing layer used (from `layer_rates`; a layer
    /// id shared by strategies with the same rate path is shown once).
    public static func marketSeries(from run: StoredRun) -> [ChartSeries] {
        let days = run.days
        var order: [String] = []
        var prices: [String: [Double?]] = [:]
        var ratios: [String: [Double?]] = [:]
        for row in run.marketDaily where row.path == 0 && row.day >= 0 && row.day < days {
            if prices[row.asset] == nil {
                order.append(row.asset)
                prices[row.asset] = Array(repeating: nil, count: days)
            }
            prices[row.asset]?[row.day] = row.price
            if let r = row.ratio {
                if ratios[row.asset] == nil { ratios[row.asset] = Array(repeating: nil, count: days) }
                ratios[row.asset]?[row.day] = r
            }
        }
        var out = order.map { ChartSeries(name: $0, kind: .price, values: prices[$0] ?? []) }
        out += order.compactMap { a in ratios[a].map { ChartSeries(name: "\(a) ratio", kind: .peg, values: $0) } }
        var rateOrder: [String] = []
        var rates: [String: [Double?]] = [:]
        var layerOf: [String: String] = [:]
        for row in run.layerRates where row.path == 0 && row.day >= 0 && row.day < days {
            let key = "\(row.strategy): \(row.layer)"
            if rates[key] == nil {
                rateOrder.append(key)
                layerOf[key] = row.layer
                rates[key] = Array(repeating: nil, count: days)
            }
            rates[key]?[row.day] = row.rate
        }
        var seen: [String: [Double?]] = [:]
        for key in rateOrder {
            guard let values = rates[key], let layer = layerOf[key] else { continue }
            if seen[layer] == values { continue }
            seen[layer] = values
            out.append(ChartSeries(name: key, kind: .rate, values: values))
        }
        return out
    }
}
