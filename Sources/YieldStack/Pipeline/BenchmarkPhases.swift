/// Pieces of a run that `yieldstack bench` times separately. They do the
/// same work as a run; the clock stays in the CLI.
public enum BenchmarkPhases {
    /// Builds every chunk's market and discards it: the market-generation share.
    public static func generateMarkets(_ scenario: Scenario, chunkSize: Int = 256) -> Double {
        var checksum = 0.0
        var first = 0
        while first < scenario.paths {
            let count = min(chunkSize, scenario.paths - first)
            let market = MarketChunk(scenario: scenario, firstPath: first, count: count)
            for grid in market.prices { checksum += grid[scenario.days - 1, count - 1] }
            first += count
        }
        return checksum
    }

    /// Layer-days a run performs: paths × days × Σ layers over strategies.
    public static func layerDays(_ scenario: Scenario) -> Int {
        scenario.paths * scenario.days * scenario.strategies.reduce(0) { $0 + $1.layers.count }
    }
}
