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
    /// Equity at the end of each day, `equity[d * count + p]`.
    public var equity: [Double]
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

    /// Joins chunk results in path order.
    static func merge(_ parts: [StrategyResult]) -> StrategyResult {
        precondition(!parts.isEmpty)
        let ordered = parts.sorted { $0.firstPath < $1.firstPath }
        var out = ordered[0]
        guard ordered.count > 1 else { return out }
        let total = ordered.reduce(0) { $0 + $1.count }
        let days = out.days
        var equity = [Double](repeating: 0, count: days * total)
        var offset = 0
        for part in ordered {
            for d in 0..<days {
                for p in 0..<part.count { equity[d * total + offset + p] = part.equity[d * part.count + p] }
            }
            offset += part.count
        }
        out.equity = equity
        out.count = total
        out.daily = ordered.flatMap(\.daily)
        out.layerDaily = ordered.flatMap(\.layerDaily)
        out.layerRates = ordered.flatMap(\.layerRates)
        out.events = ordered.flatMap(\.events)
        out.paths = ordered.flatMap(\.paths)
        out.layers = out.layers.indices.map { l in
            LayerFinals(amount: ordered.flatMap { $0.layers[l].amount },
                        value: ordered.flatMap { $0.layers[l].value },
                        debt: ordered.flatMap { $0.layers[l].debt },
                        yieldTokens: ordered.flatMap { $0.layers[l].yieldTokens },
                        yieldValue: ordered.flatMap { $0.layers[l].yieldValue },
                        extras: (ordered.first?.layers[l].extras ?? []).enumerated().map { (e, extra) in
                            (extra.name, ordered.flatMap { $0.layers[l].extras[e].values })
                        })
        }
        out.figures = out.figures.indices.map { i in (out.figures[i].name, ordered.flatMap { $0.figures[i].values }) }
        out.attribution = out.attribution.indices.map { o in
            out.attribution[o].indices.map { s in ordered.flatMap { $0.attribution[o][s] } }
        }
        return out
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
