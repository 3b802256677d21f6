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
            let input = plan.entries[i].inputAsset
            return layer.kind.amountAsset(input: input < market.assets.count ? market.assets[input].name : strategy.capitalAsset)
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
            let inputName = input < market.assets.count ? market.assets[input].name : nil
            let output = layer.kind.outputAsset(input: inputName).flatMap { market.index(of: $0) }
            entries.append(Entry(source: source, fraction: fraction, inputAsset: input, outputAsset: output, keep: 1))
        }
        for e in entries {
            if let s = e.source { entries[s].keep -= e.fraction }
        }
        for i in entries.indices { entries[i].keep = max(0, entries[i].keep) }
        self.entries = entries
    }
}
