/// The market of one chunk of paths: every asset's price in the scenario
/// currency and every pegged asset's ratio, for each day, with the
/// scheduled shocks applied. Strategies of a scenario all read the same
/// chunk, so they are compared on identical markets (common random numbers).
public final class MarketChunk: Sendable {
    public let days: Int
    /// Paths in this chunk.
    public let count: Int
    /// Global index of the chunk's first path.
    public let firstPath: Int
    public let streams: RandomStreams
    /// Price in the scenario currency, by asset index (market order).
    public let prices: [DailyGrid]
    /// Ratio to the peg target, for pegged assets.
    public let ratios: [DailyGrid?]
    /// Index of each asset's peg target.
    public let pegTargets: [Int?]
    public let assetNames: [String]
    let shocks: [ShockSpec]
    /// Δ = cascaded / modelled price of each cascaded collateral (SPEC §2.6); nil elsewhere.
    public let displacement: [DailyGrid?]
    /// Cascade rounds on the stored paths, in (path, day, round) order.
    public let cascadeRounds: [CascadeRound]
    /// Per-path cascade figures over the run.
    public let cascadeTotals: CascadeTotals
    /// Each asset's depth and its curve; nil: trades at the quoted price.
    public let depths: [DepthSpec?]
    let depthCurves: [(any DepthCurve)?]

    public init(scenario: Scenario, firstPath: Int, count: Int, recording: RecordingPlan = RecordingPlan(storePaths: 1)) {
        let market = scenario.market
        let days = scenario.days
        let streams = RandomStreams(seed: scenario.seed)
        self.days = days
        self.count = count
        self.firstPath = firstPath
        self.streams = streams
        self.shocks = market.shocks
        assetNames = market.assets.map(\.name)
        pegTargets = market.assets.map { a in a.pegTarget.flatMap { market.index(of: $0) } }

        // Innovations of correlated assets are drawn first and mixed.
        var correlated: [String: [Double]] = [:]
        if !market.correlations.isEmpty, let model = CorrelationModel(market: market) {
            var z = model.assets.map { name in
                PathGenerator.innovations(component: MarketChunk.component(of: name, in: market), streams: streams, days: days, firstPath: firstPath, count: count)
            }
            model.correlate(&z)
            for (i, name) in model.assets.enumerated() { correlated[name] = z[i] }
        }

        var base: [DailyGrid] = []
        var ratios: [DailyGrid?] = []
        for asset in market.assets {
            let component = MarketChunk.component(of: asset.name, in: market)
            switch asset.pricing {
            case .price(let model):
                var grid = model.generate(PathRequest(component: component, streams: streams, days: days, firstPath: firstPath,
                                                      count: count, normals: correlated[asset.name], floor: 1e-12, ceiling: 1e15))
                for shock in market.shocks {
                    if case .priceChange(asset.name, let change) = shock.effect {
                        // Held within the price bounds, as generated prices are.
                        grid = grid.mapping(days: shock.day..<days) { _, v in min(max(v * (1 + change), 1e-12), 1e15) }
                    }
                }
                base.append(grid)
                ratios.append(nil)
            case .peg(_, let model):
                let modelled = model.generate(PathRequest(component: component, streams: streams, days: days, firstPath: firstPath,
                                                          count: count, normals: correlated[asset.name], floor: 1e-9, ceiling: 1e6))
                var grid = modelled
                for shock in market.shocks {
                    if case .ratio(asset.name, let value, let recover) = shock.effect {
                        grid = MarketChunk.applyRatioShock(grid, modelled: modelled, day: shock.day, value: value, recoverDays: recover)
                    }
                }
                base.append(DailyGrid(constant: 1, days: days, paths: count))
                ratios.append(grid)
            }
        }
        let dependencies = market.assets.map { a in a.dependency.flatMap { market.index(of: $0) } }
        var prices = Self.resolve(base: base, ratios: ratios, dependencies: dependencies, days: days)

        // Cascades (SPEC §2.6), one collateral at a time, each after the
        // market step: they displace the collateral's ratio (pegged) or price,
        // and everything priced from it is resolved again.
        var displacement = [DailyGrid?](repeating: nil, count: market.assets.count)
        var rounds: [CascadeRound] = []
        var totals = CascadeTotals(count: count)
        var collaterals: [Int] = []
        for c in market.cascades { if let a = market.index(of: c.collateral), !collaterals.contains(a) { collaterals.append(a) } }
        for a in collaterals {
            guard let depth = market.assets[a].depth else { continue }
            let group = market.cascades.filter { $0.collateral == market.assets[a].name }
            let target = pegTargets[a]
            let quote = target == nil ? prices[a] : ratios[a]!
            let scale = target.map { prices[$0] } ?? DailyGrid(constant: 1, days: days, paths: count)
            let debts = group.map { c in market.index(of: c.debt).map { prices[$0] } ?? DailyGrid(constant: 1, days: days, paths: count) }
            let out = CascadeEngine.run(group, collateral: a, depth: depth, days: days, count: count, firstPath: firstPath,
                                        quote: quote, quoteScale: scale, underlyingOracle: target.map { prices[$0] },
                                        debtPrices: debts, records: { recording.stores($0) }, totals: &totals)
            let delta = DailyGrid(perPath: out.displacement, days: days, paths: count)
            if target != nil {
                ratios[a] = DailyGrid(perPath: out.quote, days: days, paths: count)
            } else {
                base[a] = base[a] * delta
            }
            displacement[a] = delta
            rounds += out.rounds
            prices = Self.resolve(base: base, ratios: ratios, dependencies: dependencies, days: days)
        }
        self.displacement = displacement
        rounds.sort { ($0.day, $0.path, $0.collateral, $0.round) < ($1.day, $1.path, $1.collateral, $1.round) }
        cascadeRounds = rounds
        cascadeTotals = totals
        depthCurves = market.assets.map { $0.depth.map(DepthRegistry.curve) }
        depths = market.assets.map(\.depth)
        self.prices = prices
        self.ratios = ratios
    }

    /// Prices from base grids and ratios: a pegged asset is ratio ×
    /// price(target); a target may itself be pegged (weETH → stETH → ETH), so
    /// resolve in dependency order (the validator refuses cycles). A derived
    /// price (`PathModel.dependency`, a principal token) is its generated
    /// factor × price(dependency), held within the price bounds.
    static func resolve(base: [DailyGrid], ratios: [DailyGrid?], dependencies: [Int?], days: Int) -> [DailyGrid] {
        var prices = base
        var resolved = dependencies.map { $0 == nil }
        var progress = true
        while progress {
            progress = false
            for (i, target) in dependencies.enumerated() where !resolved[i] {
                guard let target, resolved[target] else { continue }
                if let ratio = ratios[i] {
                    prices[i] = ratio * prices[target]
                } else {
                    prices[i] = (base[i] * prices[target]).mapping(days: 0..<days) { _, v in min(max(v, 1e-12), 1e15) }
                }
                resolved[i] = true
                progress = true
            }
        }
        return prices
    }

    /// The random stream that drives an asset: its price, or its peg ratio.
    static func component(of asset: String, in market: MarketSpec) -> String {
        market.asset(asset)?.pegTarget == nil ? "price:" + asset : "ratio:" + asset
    }

    /// From `day` on the ratio is `value`, then it returns linearly to the
    /// modelled ratio over `recoverDays`: r(day+k) = v + (model(day+k) − v)·k/R.
    /// Without `recoverDays` it stays at `value`.
    static func applyRatioShock(_ grid: DailyGrid, modelled: DailyGrid, day: Int, value: Double, recoverDays: Int?) -> DailyGrid {
        let end = recoverDays.map { $0 >= grid.days - day ? grid.days : day + $0 } ?? grid.days
        if !grid.isPathDependent, !modelled.isPathDependent {
            return grid.mapping(days: day..<end) { d, _ in
                guard let r = recoverDays else { return value }
                return value + (modelled[d, 0] - value) * Double(d - day) / Double(r)
            }
        }
        var values = grid.materialized()
        let n = grid.paths
        for d in day..<end {
            for p in 0..<n {
                if let r = recoverDays {
                    values[d * n + p] = value + (modelled[d, p] - value) * Double(d - day) / Double(r)
                } else {
                    values[d * n + p] = value
                }
            }
        }
        // Days after recovery follow the model again.
        if recoverDays != nil {
            for d in end..<grid.days {
                for p in 0..<n { values[d * n + p] = modelled[d, p] }
            }
        }
        return DailyGrid(perPath: values, days: grid.days, paths: n)
    }

    public func index(of asset: String) -> Int? { assetNames.firstIndex(of: asset) }

    /// The `market_daily` rows of the chunk's stored paths: every asset's
    /// price and, for a pegged asset, its ratio, every day.
    func records(_ recording: RecordingPlan) -> [MarketDailyRecord] {
        var out: [MarketDailyRecord] = []
        for p in 0..<count where recording.stores(firstPath + p) {
            for d in 0..<days {
                for a in prices.indices {
                    out.append(MarketDailyRecord(path: firstPath + p, day: d, asset: a, price: prices[a][d, p], ratio: ratios[a]?[d, p]))
                }
            }
        }
        return out
    }

    // MARK: Rates

    /// A layer's annual rate over the run (its `RateModel`), with the
    /// scenario's rate overrides for (layer id, kind) applied.
    /// `utilization` may pass a kinked rate's utilisation path already generated.
    public func rate(_ spec: RateSpec, layerID: String, kind: ShockSpec.RateKind, utilization given: DailyGrid? = nil) -> DailyGrid {
        var grid = spec.model.grid(self, layerID: layerID, kind: kind, utilization: given)
        for shock in shocks {
            if case .rate(layerID, kind, let value, let duration) = shock.effect {
                let end = duration.map { $0 >= days - shock.day ? days : shock.day + $0 } ?? days
                grid = grid.mapping(days: shock.day..<end) { _, _ in value }
            }
        }
        return grid
    }
}
