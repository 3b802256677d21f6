import Foundation

/// How to run a scenario: overrides from the command line and engine knobs.
public struct SimulationOptions: Sendable {
    /// Overrides the scenario's `paths`.
    public var paths: Int?
    /// Overrides the scenario's `seed`.
    public var seed: UInt64?
    /// Worker threads; results do not depend on it.
    public var threads: Int
    /// Paths with full daily rows (path 0 always).
    public var storePaths: Int
    /// Paths per chunk: small enough for a chunk's market to stay in cache.
    public var chunkSize: Int

    public init(paths: Int? = nil, seed: UInt64? = nil, threads: Int = 1, storePaths: Int = 100, chunkSize: Int = 256) {
        self.paths = paths
        self.seed = seed
        self.threads = threads
        self.storePaths = storePaths
        self.chunkSize = chunkSize
    }

    /// One thread per core the process may use.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}

/// Every strategy of a scenario run over the same market paths.
public struct SimulationResult: Sendable {
    /// The scenario as run (with `paths` and `seed` overrides applied).
    public var scenario: Scenario
    public var strategies: [StrategyResult]
    /// Prices and peg ratios of every asset on the stored paths (h-store).
    public var marketDaily: [MarketDailyRecord] = []
}

/// Runs scenarios: splits paths into chunks, builds each chunk's market once,
/// runs every strategy on it, and joins the chunks in path order.
public enum Simulation {
    public static func run(_ input: Scenario, options: SimulationOptions = SimulationOptions(),
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws(EngineFault) -> SimulationResult {
        var scenario = input
        if let paths = options.paths { scenario.paths = paths }
        if let seed = options.seed { scenario.seed = seed }
        let chunkSize = max(1, options.chunkSize)
        let chunkCount = (scenario.paths + chunkSize - 1) / chunkSize
        let recording = RecordingPlan(storePaths: options.storePaths)
        let work = ChunkQueue(count: chunkCount)
        let frozen = scenario

        let runChunk: @Sendable (Int) -> Result<ChunkOutput, EngineFault> = { chunk in
            let first = chunk * chunkSize
            let count = min(chunkSize, frozen.paths - first)
            let market = MarketChunk(scenario: frozen, firstPath: first, count: count, recording: recording)
            var results = ChunkOutput(strategies: [], market: market.records(recording))
            for s in frozen.strategies.indices {
                let runner = StrategyRunner(scenario: frozen, strategyIndex: s, market: market, recording: recording)
                do throws(EngineFault) {
                    results.strategies.append(try runner.run())
                } catch {
                    return .failure(error)
                }
            }
            return .success(results)
        }

        let threads = max(1, min(options.threads, chunkCount))
        if threads == 1 {
            while let chunk = work.next() {
                work.store(chunk, runChunk(chunk))
                progress?(work.completed, chunkCount)
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while let chunk = work.next() {
                    work.store(chunk, runChunk(chunk))
                    progress?(work.completed, chunkCount)
                }
            }
        }

        var perStrategy: [[StrategyResult]] = Array(repeating: [], count: scenario.strategies.count)
        var marketDaily: [MarketDailyRecord] = []
        for chunk in 0..<chunkCount {
            switch work.result(chunk) {
            case .success(let results):
                for (s, r) in results.strategies.enumerated() { perStrategy[s].append(r) }
                marketDaily += results.market
            case .failure(let fault):
                throw fault
            }
        }
        var result = SimulationResult(scenario: scenario, strategies: perStrategy.map { StrategyResult.merge($0) })
        // Canonical order (path, day, asset), whatever the chunking.
        result.marketDaily = marketDaily.sorted { ($0.path, $0.day, $0.asset) < ($1.path, $1.day, $1.asset) }
        return result
    }
}

/// Hands out chunk indices to worker threads and keeps their results by
/// index, so the merge order never depends on which thread finished first.
final class ChunkQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private let count: Int
    private var results: [Result<ChunkOutput, EngineFault>?]
    private(set) var completed = 0

    init(count: Int) {
        self.count = count
        results = Array(repeating: nil, count: count)
    }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func store(_ index: Int, _ result: Result<ChunkOutput, EngineFault>) {
        lock.lock()
        results[index] = result
        completed += 1
        lock.unlock()
    }

    func result(_ index: Int) -> Result<ChunkOutput, EngineFault> {
        lock.lock()
        defer { lock.unlock() }
        return results[index]!
    }
}

/// What one chunk of paths produced: each strategy's result and the market
/// rows of its stored paths.
struct ChunkOutput: Sendable {
    var strategies: [StrategyResult]
    var market: [MarketDailyRecord]
}
