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
    /// The paths to run, of the scenario's 0 ..< paths: a shard's range
    /// (`--shard K/N`); nil runs them all. Results do not depend on it: a
    /// path's market and outcome are the same in any range.
    public var pathRange: Range<Int>?

    public init(paths: Int? = nil, seed: UInt64? = nil, threads: Int = 1, storePaths: Int = 100, chunkSize: Int = 256,
                pathRange: Range<Int>? = nil) {
        self.paths = paths
        self.pathRange = pathRange
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
        let range = options.pathRange.map { $0.clamped(to: 0..<scenario.paths) } ?? 0..<scenario.paths
        let chunkCount = (range.count + chunkSize - 1) / chunkSize
        let recording = RecordingPlan(storePaths: options.storePaths)
        let frozen = scenario
        let fold = ChunkFold(count: chunkCount, firstPath: range.lowerBound, paths: range.count, totalPaths: scenario.paths)

        let runChunk: @Sendable (Int) -> Result<ChunkOutput, EngineFault> = { chunk in
            let first = range.lowerBound + chunk * chunkSize
            let count = min(chunkSize, range.upperBound - first)
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
            while let chunk = fold.next() {
                fold.deposit(chunk, runChunk(chunk))
                progress?(fold.completed, chunkCount)
            }
        } else {
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                while let chunk = fold.next() {
                    fold.deposit(chunk, runChunk(chunk))
                    progress?(fold.completed, chunkCount)
                }
            }
        }
        let (strategies, marketDaily) = try fold.finish()
        var result = SimulationResult(scenario: scenario, strategies: strategies)
        // Canonical order (path, day, asset), whatever the chunking.
        result.marketDaily = marketDaily.sorted { ($0.path, $0.day, $0.asset) < ($1.path, $1.day, $1.asset) }
        return result
    }
}

/// Hands out chunks to worker threads and appends their results in path
/// order as soon as the chunks before them are in, so that a run holds one
/// copy of its per-path arrays (not every chunk's and then the merge) and
/// the result never depends on which thread finished first. After a fault
/// no new chunk starts; the fault of the lowest chunk is the one reported,
/// the same on every run.
final class ChunkFold: @unchecked Sendable {
    private let lock = NSLock()
    private let count: Int
    private let firstPath: Int
    private let paths: Int
    private let totalPaths: Int
    private var nextIndex = 0
    private var nextToFold = 0
    private var waiting: [Int: Result<ChunkOutput, EngineFault>] = [:]
    private var strategies: [StrategyResult]?
    private var marketDaily: [MarketDailyRecord] = []
    private var fault: (chunk: Int, error: EngineFault)?
    private(set) var completed = 0

    init(count: Int, firstPath: Int, paths: Int, totalPaths: Int) {
        self.count = count
        self.firstPath = firstPath
        self.paths = paths
        self.totalPaths = totalPaths
    }

    func next() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count, fault == nil else { return nil }
        nextIndex += 1
        return nextIndex - 1
    }

    func deposit(_ index: Int, _ result: Result<ChunkOutput, EngineFault>) {
        lock.lock()
        defer { lock.unlock() }
        completed += 1
        waiting[index] = result
        while let ready = waiting.removeValue(forKey: nextToFold) {
            switch ready {
            case .success(let output):
                if fault == nil { absorb(output) }
            case .failure(let error):
                if fault == nil || nextToFold < fault!.chunk { fault = (nextToFold, error) }
            }
            nextToFold += 1
        }
    }

    private func absorb(_ output: ChunkOutput) {
        if strategies == nil {
            strategies = output.strategies.map { template in
                var r = StrategyResult.empty(like: template, firstPath: firstPath, totalPaths: totalPaths)
                r.reserve(paths: paths)
                return r
            }
        }
        for (s, r) in output.strategies.enumerated() { strategies![s].append(r) }
        marketDaily += output.market
    }

    /// Every strategy's result over the whole range, or the first fault.
    func finish() throws(EngineFault) -> ([StrategyResult], [MarketDailyRecord]) {
        lock.lock()
        defer { lock.unlock() }
        if let fault { throw fault.error }
        precondition(nextToFold == count, "a chunk did not report")
        return (strategies ?? [], marketDaily)
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
