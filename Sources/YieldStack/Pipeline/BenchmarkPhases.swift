import Foundation

/// Pieces of a run that `yieldstack bench` times separately. They do the
/// same work as a run; the clock stays in the CLI.
public enum BenchmarkPhases {
    /// Builds every chunk's market on `threads` workers, as a run does, and
    /// discards it: the market-generation share of a simulation.
    public static func generateMarkets(_ scenario: Scenario, threads: Int = 1, chunkSize: Int = 256) -> Double {
        let chunks = (scenario.paths + chunkSize - 1) / chunkSize
        let queue = ChunkQueue(count: chunks)
        let workers = max(1, min(threads, chunks))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let chunk = queue.next() {
                let first = chunk * chunkSize
                let count = min(chunkSize, scenario.paths - first)
                let market = MarketChunk(scenario: scenario, firstPath: first, count: count)
                precondition(market.prices.allSatisfy { $0[scenario.days - 1, count - 1].isFinite })
                queue.store(chunk, .success(ChunkOutput(strategies: [], market: [])))
            }
        }
        return Double(chunks)
    }

    /// Layer-days a run performs: paths × days × Σ layers over strategies.
    public static func layerDays(_ scenario: Scenario) -> Int {
        scenario.paths * scenario.days * scenario.strategies.reduce(0) { $0 + $1.layers.count }
    }
}
