/// How capital flows through a (validated) strategy's layers on day 0:
/// which output each layer takes, what it receives and produces, and what
/// share of its own output it keeps because no later layer takes it.
struct StackPlan {
    struct Entry {
        /// Index of the layer whose output this layer takes; nil = capital.
        var source: Int?
        var fraction: Double
        var inputAsset: Int
        var outputAsset: Int?
        /// 1 − Σ fractions that later layers take of this layer's output.
        var keep: Double
    }

    var entries: [Entry]

    /// The asset each layer's `amount` is counted in: what it holds (the
    /// receipt for liquid staking, the collateral for lending, the pair's
    /// second asset for an LP position, valued in it).
    static func amountAssets(strategy: StrategySpec, market: MarketSpec) -> [String] {
        let plan = StackPlan(strategy: strategy, market: market)
        return strategy.layers.enumerated().map { (i, layer) in
            switch layer.kind {
            case .liquidStaking(let s): return s.receipt
            case .lp(let s): return s.pair.1
            default: return market.assets[plan.entries[i].inputAsset].name
            }
        }
    }

    init(strategy: StrategySpec, market: MarketSpec) {
        var entries: [Entry] = []
        for (i, layer) in strategy.layers.enumerated() {
            var source: Int?
            var fraction = 1.0
            if i > 0 {
                if let input = layer.input {
                    source = strategy.layerIndex(input.from)
                    fraction = input.fraction
                } else {
                    source = i - 1
                }
            }
            let input = source.map { entries[$0].outputAsset ?? 0 } ?? (market.index(of: strategy.capitalAsset) ?? 0)
            let output: Int?
            switch layer.kind {
            case .hold, .softStaking: output = input
            case .lockedStaking, .lp: output = nil
            case .liquidStaking(let s): output = market.index(of: s.receipt)
            case .lending(let s): output = market.index(of: s.borrow)
            }
            entries.append(Entry(source: source, fraction: fraction, inputAsset: input, outputAsset: output, keep: 1))
        }
        for e in entries {
            if let s = e.source { entries[s].keep -= e.fraction }
        }
        for i in entries.indices { entries[i].keep = max(0, entries[i].keep) }
        self.entries = entries
    }
}
