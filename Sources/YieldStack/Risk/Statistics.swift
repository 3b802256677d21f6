import Foundation

/// Descriptive statistics over paths.
public enum Statistics {
    /// Sample quantile with linear interpolation between order statistics
    /// (Hyndman & Fan type 7, numpy's default): h = (n − 1)q.
    public static func quantile(sorted values: [Double], _ q: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let h = Double(values.count - 1) * min(max(q, 0), 1)
        let lo = Int(h.rounded(.down))
        let hi = min(lo + 1, values.count - 1)
        return values[lo] + (h - Double(lo)) * (values[hi] - values[lo])
    }

    /// The values of the given ranks (0-based, ascending order) of `values`,
    /// by quickselect that recurses only into parts holding a wanted rank:
    /// O(n log k) for k ranks instead of a full sort. Reorders `values`.
    public static func orderStatistics(_ values: inout [Double], ranks: [Int]) -> [Double] {
        let wanted = Array(Set(ranks.map { min(max($0, 0), values.count - 1) })).sorted()
        values.withUnsafeMutableBufferPointer { buffer in
            select(buffer, 0, buffer.count - 1, wanted[...])
        }
        return ranks.map { values[min(max($0, 0), values.count - 1)] }
    }

    private static func select(_ a: UnsafeMutableBufferPointer<Double>, _ lo: Int, _ hi: Int, _ ranks: ArraySlice<Int>) {
        var lo = lo, hi = hi
        var ranks = ranks
        while lo < hi, !ranks.isEmpty {
            if hi - lo < 16 {
                // Insertion sort for small ranges.
                for i in (lo + 1)...hi {
                    let v = a[i]
                    var j = i - 1
                    while j >= lo, a[j] > v { a[j + 1] = a[j]; j -= 1 }
                    a[j + 1] = v
                }
                return
            }
            // Median of three as pivot, then a Hoare partition.
            let mid = lo + (hi - lo) / 2
            if a[mid] < a[lo] { a.swapAt(mid, lo) }
            if a[hi] < a[lo] { a.swapAt(hi, lo) }
            if a[hi] < a[mid] { a.swapAt(hi, mid) }
            let pivot = a[mid]
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            // Now a[lo...j] ≤ pivot ≤ a[i...hi], and a[j+1..<i] == pivot.
            let left = ranks.prefix { $0 <= j }
            let right = ranks.drop { $0 < i }
            if !left.isEmpty, !right.isEmpty {
                select(a, lo, j, left)
                lo = i
                ranks = right
            } else if !left.isEmpty {
                hi = j
                ranks = left
            } else if !right.isEmpty {
                lo = i
                ranks = right
            } else {
                return
            }
        }
    }

    /// Type-7 quantiles of `values` (reordered) for several levels at once.
    public static func quantiles(_ values: inout [Double], _ levels: [Double]) -> [Double] {
        guard !values.isEmpty else { return levels.map { _ in .nan } }
        let n = values.count
        let hs = levels.map { Double(n - 1) * min(max($0, 0), 1) }
        let los = hs.map { Int($0.rounded(.down)) }
        let stats = orderStatistics(&values, ranks: los + los.map { min($0 + 1, n - 1) })
        return levels.indices.map { k in
            let a = stats[k], b = stats[levels.count + k]
            return a + (hs[k] - Double(los[k])) * (b - a)
        }
    }

    public static func mean(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        // Pairwise-free but ordered summation: the same order on every run.
        var s = 0.0
        for v in values { s += v }
        return s / Double(values.count)
    }

    /// Value at risk at level `level` (0.95): the loss exceeded on only
    /// 1 − level of paths, i.e. the `level` quantile of the loss distribution.
    public static func valueAtRisk(losses: [Double], level: Double) -> Double {
        quantile(sorted: losses.sorted(), level)
    }

    /// How many of n paths form the worst (1 − level) tail: ⌈(1 − level)·n⌉,
    /// at least one, so tail figures exist for any number of paths.
    public static func tailCount(_ n: Int, level: Double) -> Int {
        max(1, Int((Double(n) * (1 - level) - 1e-9).rounded(.up)))
    }

    /// Expected shortfall: the mean loss of the worst `tailCount` paths.
    public static func expectedShortfall(losses: [Double], level: Double) -> Double {
        guard !losses.isEmpty else { return .nan }
        let sorted = losses.sorted(by: >)
        return mean(Array(sorted.prefix(tailCount(sorted.count, level: level))))
    }

    /// Crash paths: the worst 5 % of paths by the capital asset's price
    /// change (ties by path number). The same for every strategy with that
    /// capital, because all strategies share the market paths.
    public static func crashPaths(marketReturns r: [Double]) -> [Int] {
        let order = r.indices.sorted { (r[$0], $0) < (r[$1], $1) }
        return Array(order.prefix(r.isEmpty ? 0 : tailCount(r.count, level: 0.95)))
    }

    /// Largest fall from a running peak, as a fraction of the peak.
    public static func maxDrawdown(_ series: [Double]) -> Double {
        var peak = -Double.infinity
        var worst = 0.0
        for v in series {
            if v > peak { peak = v }
            if peak > 0 { worst = max(worst, 1 - v / peak) }
        }
        return worst
    }

    /// Annualised from a total return over `days`: (1 + r)^(365/days) − 1.
    public static func annualised(totalReturn r: Double, days: Int) -> Double {
        guard days > 0 else { return .nan }
        guard r > -1 else { return -1 }
        return pow(1 + r, 365 / Double(days)) - 1
    }
}

/// Lets worker threads write disjoint elements of one buffer.
struct UnsafeSendableBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(_ buffer: UnsafeMutableBufferPointer<T>) { self.buffer = buffer }
}

/// Equity quantiles of one day across paths (`daily_quantiles`).
public struct DailyQuantiles: Sendable, Equatable {
    public var day: Int
    public var p05, p25, p50, p75, p95, mean: Double
}

/// The risk and return summary of one strategy over all its paths: what
/// `--json` prints, what `metrics` stores, what the report shows.
public struct StrategySummary: Sendable {
    public var name: String
    public var paths: Int
    public var days: Int
    public var initialValue: Double
    public var finalEquity: Double
    public var equityP05, equityP25, equityP50, equityP75, equityP95: Double
    public var totalReturn: Double
    public var apy: Double
    public var apyP05, apyP50, apyP95: Double
    public var maxDrawdown: Double
    public var maxDrawdownP50, maxDrawdownP95, maxDrawdownWorst: Double
    public var var95, cvar95, var99, cvar99: Double
    public var liquidationProbability: Double
    public var liquidations: Double
    /// Mean over paths of each path's lowest health factor; nil when no path borrowed.
    public var minHealthFactor: Double?
    /// Lowest health factor on any path.
    public var worstHealthFactor: Double?
    public var firstLiquidationDayP05: Double?
    public var firstLiquidationDayP50: Double?
    public var badDebt: Double
    public var netFlows: Double
    /// The spot wallet's mean value: final equity less every layer's value,
    /// so that Σ layer values + spot = final equity.
    public var spot: Double
    public var layers: [LayerSummary]
    /// Means over paths of `StrategyResult.figures`, stored as metrics by name.
    public var figures: [(name: String, value: Double)] = []
    /// Mean attribution: owner (layer id, or "spot") → source → value.
    public var attribution: [(owner: String, values: [AttributionSource: Double])]
    public var quantiles: [DailyQuantiles]
    /// The path with the largest loss (first such path on ties).
    public var worstPath: Int
    /// Against each other strategy of the run, on the same paths.
    public var comparisons: [PairComparison] = []

    /// Every figure under a stable name, for the `metrics` table.
    public var metrics: [(String, Double?)] {
        var m: [(String, Double?)] = [
            (Metric.initialValue.name, initialValue), (Metric.finalEquity.name, finalEquity),
            (Metric.equityP05.name, equityP05), (Metric.equityP25.name, equityP25), (Metric.equityP50.name, equityP50),
            (Metric.equityP75.name, equityP75), (Metric.equityP95.name, equityP95),
            (Metric.totalReturn.name, totalReturn), (Metric.apy.name, apy), (Metric.apyP05.name, apyP05), (Metric.apyP50.name, apyP50), (Metric.apyP95.name, apyP95),
            (Metric.maxDrawdown.name, maxDrawdown), (Metric.maxDrawdownP50.name, maxDrawdownP50), (Metric.maxDrawdownP95.name, maxDrawdownP95),
            (Metric.maxDrawdownWorst.name, maxDrawdownWorst),
            (Metric.var95.name, var95), (Metric.cvar95.name, cvar95), (Metric.var99.name, var99), (Metric.cvar99.name, cvar99),
            (Metric.liquidationProbability.name, liquidationProbability), (Metric.liquidations.name, liquidations),
            (Metric.minHealthFactor.name, minHealthFactor), (Metric.worstHealthFactor.name, worstHealthFactor),
            (Metric.firstLiquidationDayP05.name, firstLiquidationDayP05), (Metric.firstLiquidationDayP50.name, firstLiquidationDayP50),
            (Metric.badDebt.name, badDebt), (Metric.netFlows.name, netFlows), (Metric.worstPath.name, Double(worstPath)),
            (Metric.spot.name, spot),
        ]
        for c in comparisons {
            m += [(Metric.probabilityAbove(c.other), c.probabilityAbove), (Metric.meanDifference(c.other), c.meanDifference)]
        }
        for l in layers {
            m += [(Metric.layer(l.id, .amount), l.amount), (Metric.layer(l.id, .value), l.value), (Metric.layer(l.id, .debt), l.debt),
                  (Metric.layer(l.id, .yieldTokens), l.yieldTokens), (Metric.layer(l.id, .yieldValue), l.yieldValue)]
            m += l.extras.map { (Metric.layer(l.id, extra: $0.name), $0.value) }
        }
        for (owner, values) in attribution {
            for source in AttributionSource.allCases {
                m.append((Metric.attribution(owner, source), values[source] ?? 0))
            }
        }
        m += figures.map { ($0.name, $0.value) }
        return m
    }
}

/// How one strategy fared against another on the same market paths.
public struct PairComparison: Sendable, Equatable {
    public var other: String
    /// Share of paths on which this strategy's final equity is above the other's.
    public var probabilityAbove: Double
    /// Mean over paths of (this final equity − the other's).
    public var meanDifference: Double

    /// Compares final equities path by path (common random numbers).
    public static func compare(_ a: [Double], _ b: [Double], other: String) -> PairComparison {
        let n = min(a.count, b.count)
        guard n > 0 else { return PairComparison(other: other, probabilityAbove: .nan, meanDifference: .nan) }
        var above = 0
        var diff = 0.0
        for p in 0..<n {
            if a[p] > b[p] { above += 1 }
            diff += a[p] - b[p]
        }
        return PairComparison(other: other, probabilityAbove: Double(above) / Double(n), meanDifference: diff / Double(n))
    }
}

public struct LayerSummary: Sendable, Equatable {
    public var id: String
    public var type: String
    public var asset: String
    public var amount, value, debt, yieldTokens, yieldValue: Double
    /// The layer type's own figures, each the mean over the paths where it applies.
    public var extras: [(name: String, value: Double?)] = []

    public static func == (a: LayerSummary, b: LayerSummary) -> Bool {
        a.id == b.id && a.type == b.type && a.asset == b.asset && a.amount == b.amount && a.value == b.value && a.debt == b.debt
            && a.yieldTokens == b.yieldTokens && a.yieldValue == b.yieldValue && a.extras.map(\.name) == b.extras.map(\.name)
            && a.extras.map(\.value) == b.extras.map(\.value)
    }
}

extension StrategySummary {
    /// Summarises a strategy's paths. `layerAssets` names each layer's amount asset.
    public init(result r: StrategyResult, scenario: Scenario, layerAssets: [String]) {
        let strategy = scenario.strategies[r.strategyIndex]
        let n = r.count
        let finals = r.paths.map(\.finalEquity)
        let sortedFinals = finals.sorted()
        let returns = r.paths.map(\.totalReturn)
        let apys = returns.map { Statistics.annualised(totalReturn: $0, days: r.days) }.sorted()
        let drawdowns = r.paths.map(\.maxDrawdown)
        let sortedDrawdowns = drawdowns.sorted()
        let losses = r.paths.map(\.loss)
        let hfs = r.paths.compactMap(\.minHealthFactor)
        let firstDays = r.paths.compactMap(\.firstLiquidationDay).map(Double.init).sorted()
        var worst = 0
        for (i, l) in losses.enumerated() where l > losses[worst] { worst = i }

        name = r.name
        paths = n
        days = r.days
        initialValue = Statistics.mean(r.paths.map(\.initialValue))
        finalEquity = Statistics.mean(finals)
        equityP05 = Statistics.quantile(sorted: sortedFinals, 0.05)
        equityP25 = Statistics.quantile(sorted: sortedFinals, 0.25)
        equityP50 = Statistics.quantile(sorted: sortedFinals, 0.50)
        equityP75 = Statistics.quantile(sorted: sortedFinals, 0.75)
        equityP95 = Statistics.quantile(sorted: sortedFinals, 0.95)
        totalReturn = Statistics.mean(returns)
        // The APY of the mean return, so it agrees with total_return and
        // final_equity beside it; per-path APYs stay as apy_p05/p50/p95.
        apy = Statistics.annualised(totalReturn: totalReturn, days: days)
        apyP05 = Statistics.quantile(sorted: apys, 0.05)
        apyP50 = Statistics.quantile(sorted: apys, 0.50)
        apyP95 = Statistics.quantile(sorted: apys, 0.95)
        maxDrawdown = Statistics.mean(drawdowns)
        maxDrawdownP50 = Statistics.quantile(sorted: sortedDrawdowns, 0.50)
        maxDrawdownP95 = Statistics.quantile(sorted: sortedDrawdowns, 0.95)
        maxDrawdownWorst = sortedDrawdowns.last ?? 0
        var95 = Statistics.valueAtRisk(losses: losses, level: 0.95)
        cvar95 = Statistics.expectedShortfall(losses: losses, level: 0.95)
        var99 = Statistics.valueAtRisk(losses: losses, level: 0.99)
        cvar99 = Statistics.expectedShortfall(losses: losses, level: 0.99)
        liquidationProbability = Double(r.paths.filter { $0.liquidations > 0 }.count) / Double(max(n, 1))
        liquidations = Statistics.mean(r.paths.map { Double($0.liquidations) })
        minHealthFactor = hfs.isEmpty ? nil : Statistics.mean(hfs)
        worstHealthFactor = hfs.min()
        firstLiquidationDayP05 = firstDays.isEmpty ? nil : Statistics.quantile(sorted: firstDays, 0.05)
        firstLiquidationDayP50 = firstDays.isEmpty ? nil : Statistics.quantile(sorted: firstDays, 0.50)
        badDebt = Statistics.mean(r.paths.map(\.badDebt))
        netFlows = Statistics.mean(r.paths.map(\.netFlows))
        worstPath = worst
        layers = strategy.layers.enumerated().map { (l, spec) in
            let f = r.layers[l]
            return LayerSummary(id: spec.id, type: spec.typeName, asset: layerAssets[l],
                                amount: Statistics.mean(f.amount), value: Statistics.mean(f.value),
                                debt: Statistics.mean(f.debt), yieldTokens: Statistics.mean(f.yieldTokens),
                                yieldValue: Statistics.mean(f.yieldValue),
                                extras: f.extras.map { e in
                                    let present = e.values.compactMap { $0 }
                                    return (e.name, present.isEmpty ? nil : Statistics.mean(present))
                                })
        }
        // Per path, equity − Σ layer values is the spot wallet; its mean over paths.
        spot = Statistics.mean((0..<r.count).map { p in r.paths[p].finalEquity - r.layers.reduce(0.0) { $0 + $1.value[p] } })
        let owners = strategy.layers.map(\.id) + [Ledger.spotName]
        attribution = owners.enumerated().map { (o, owner) in
            var values: [AttributionSource: Double] = [:]
            for source in AttributionSource.allCases { values[source] = Statistics.mean(r.attribution[o][source.index]) }
            return (owner, values)
        }
        quantiles = r.distribution.quantiles()
        figures = r.figures.map { ($0.name, Statistics.mean($0.values)) }
    }
}

