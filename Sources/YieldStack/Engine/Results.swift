/// One row of `daily`: a stored path's state at the end of a day.
public struct DailyRecord: Sendable, Equatable {
    public var path: Int
    public var day: Int
    public var equity: Double
    /// Debt in the currency.
    public var debt: Double
    /// Lowest health factor among the strategy's borrowing layers; nil without debt.
    public var healthFactor: Double?
}

/// One row of `layer_daily`.
public struct LayerDailyRecord: Sendable, Equatable {
    public var path: Int
    public var day: Int
    public var layer: Int
    public var amount: Double
    public var value: Double
    /// Yield earned to date, in the layer's own asset.
    public var yieldToDate: Double
}

/// How one path of one strategy ended.
public struct PathOutcome: Sendable, Equatable {
    /// Capital × its price on day 0.
    public var initialValue: Double
    public var finalEquity: Double
    /// Deposits minus withdrawals, each at its day's price.
    public var netFlows: Double
    /// Modified Dietz return: (E_N − E_0 − ΣF) / (E_0 + Σ w·F), w the share of the run a flow was invested.
    public var totalReturn: Double
    /// Largest fall of the time-weighted equity index from its running peak.
    public var maxDrawdown: Double
    public var liquidations: Int
    public var firstLiquidationDay: Int?
    public var minHealthFactor: Double?
    public var badDebt: Double
    /// The capital asset's price change over the run on this path, the same
    /// for every strategy with that capital: it identifies crash paths.
    public var marketReturn: Double
    /// initial + flows − final: the loss measured by VaR/CVaR (SPEC §3).
    public var loss: Double { initialValue + netFlows - finalEquity }
}

/// Per-layer final state over paths (arrays indexed by path).
public struct LayerFinals: Sendable {
    public var amount: [Double]
    public var value: [Double]
    public var debt: [Double]
    public var yieldTokens: [Double]
    /// Income valued when earned: staking + supply interest + LP fees + incentives.
    public var yieldValue: [Double]
    /// The layer type's own end-of-run figures (`LayerRuntime.finalMetrics`),
    /// by name, one value per path (nil where it does not apply).
    public var extras: [(name: String, values: [Double?])] = []
}

// h-store: begin — rows for the `market_daily` and `layer_rates` tables (SPEC §4).
/// The market one stored path saw on one day.
public struct MarketDailyRecord: Sendable, Equatable {
    public var path: Int
    public var day: Int
    /// Index into `scenario.market.assets`.
    public var asset: Int
    /// Price in the scenario's currency.
    public var price: Double
    /// Peg ratio to the underlying; nil for an asset without a peg.
    public var ratio: Double?

    public init(path: Int, day: Int, asset: Int, price: Double, ratio: Double?) {
        self.path = path
        self.day = day
        self.asset = asset
        self.price = price
        self.ratio = ratio
    }
}

/// The rate a rate-bearing layer used on one day of one stored path.
public struct LayerRateRecord: Sendable, Equatable {
    public var path: Int
    public var day: Int
    /// Index of the layer in its strategy's stack.
    public var layer: Int
    public var rate: Double

    public init(path: Int, day: Int, layer: Int, rate: Double) {
        self.path = path
        self.day = day
        self.layer = layer
        self.rate = rate
    }
}
// h-store: end

/// A strategy's results over one chunk of paths, or all of them once merged.
public struct StrategyResult: Sendable {
    public var strategyIndex: Int
    public var name: String
    public var firstPath: Int
    public var count: Int
    public var days: Int
    /// Equity at the end of each day over the paths: every value, or the
    /// exact sums and a sketch for large runs (`DailyEquityDistribution`).
    public var distribution: DailyEquityDistribution
    public var daily: [DailyRecord]
    public var layerDaily: [LayerDailyRecord]
    public var events: [EngineEvent]
    public var paths: [PathOutcome]
    public var layers: [LayerFinals]
    /// attribution[owner][source.index][path]; owners are the layers, then spot.
    public var attribution: [[[Double]]]
    /// Rates of the rate-bearing layers on the stored paths (h-store).
    public var layerRates: [LayerRateRecord] = []
    /// Per-path figures stored as metrics by name, each the mean over paths
    /// (unwind costs, cascade figures: SPEC §2.6).
    public var figures: [(name: String, values: [Double])] = []

    /// Equity at the end of each day, `equity[d * count + p]`, when the run
    /// keeps it (paths × days ≤ `DailyEquityDistribution.exactPathDays`); empty otherwise.
    public var equity: [Double] { distribution.exactValues ?? [] }

    /// An empty result for paths from `firstPath`, shaped like `template`
    /// (same strategy, layers, owners and figures), whose distribution takes
    /// the mode of a run of `totalPaths`: what chunks are appended to.
    public static func empty(like template: StrategyResult, firstPath: Int, totalPaths: Int) -> StrategyResult {
        StrategyResult(
            strategyIndex: template.strategyIndex, name: template.name, firstPath: firstPath, count: 0, days: template.days,
            distribution: DailyEquityDistribution(days: template.days, totalPaths: totalPaths, firstPath: firstPath),
            daily: [], layerDaily: [], events: [], paths: [],
            layers: template.layers.map { l in
                LayerFinals(amount: [], value: [], debt: [], yieldTokens: [], yieldValue: [], extras: l.extras.map { ($0.name, []) })
            },
            attribution: template.attribution.map { $0.map { _ in [] } },
            layerRates: [], figures: template.figures.map { ($0.name, []) })
    }

    /// Reserves room for `paths` paths in the per-path arrays, so that
    /// appending chunks does not copy them as they grow.
    public mutating func reserve(paths n: Int) {
        self.paths.reserveCapacity(n)
        for l in layers.indices {
            layers[l].amount.reserveCapacity(n)
            layers[l].value.reserveCapacity(n)
            layers[l].debt.reserveCapacity(n)
            layers[l].yieldTokens.reserveCapacity(n)
            layers[l].yieldValue.reserveCapacity(n)
            for e in layers[l].extras.indices { layers[l].extras[e].values.reserveCapacity(n) }
        }
        for o in attribution.indices { for s in attribution[o].indices { attribution[o][s].reserveCapacity(n) } }
        for f in figures.indices { figures[f].values.reserveCapacity(n) }
    }

    /// Appends the next paths (`next.firstPath == firstPath + count`): how
    /// chunks, and shards at a merge, become one run in path order.
    public mutating func append(_ next: StrategyResult) {
        precondition(next.firstPath == firstPath + count && next.days == days && next.strategyIndex == strategyIndex,
                     "results appended out of path order")
        precondition(next.layers.count == layers.count && next.attribution.count == attribution.count && next.figures.count == figures.count)
        distribution.append(next.distribution)
        count += next.count
        daily += next.daily
        layerDaily += next.layerDaily
        layerRates += next.layerRates
        events += next.events
        paths += next.paths
        for l in layers.indices {
            let o = next.layers[l]
            layers[l].amount += o.amount
            layers[l].value += o.value
            layers[l].debt += o.debt
            layers[l].yieldTokens += o.yieldTokens
            layers[l].yieldValue += o.yieldValue
            for e in layers[l].extras.indices { layers[l].extras[e].values += o.extras[e].values }
        }
        for o in attribution.indices { for s in attribution[o].indices { attribution[o][s] += next.attribution[o][s] } }
        for f in figures.indices { figures[f].values += next.figures[f].values }
    }
}

/// A value that should be finite was not: a bug, reported with where it
/// happened so that it can be reproduced.
public struct EngineFault: Error, Sendable, CustomStringConvertible {
    public var strategy: String
    public var day: Int
    public var path: Int
    public var layer: String?
    public var message: String

    public var description: String {
        "internal error in strategy '\(strategy)', day \(day), path \(path)\(layer.map { ", layer '\($0)'" } ?? ""): \(message). This is a bug; please report it with the scenario file."
    }
}
