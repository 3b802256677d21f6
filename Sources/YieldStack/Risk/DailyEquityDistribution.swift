import Foundation

/// Equity of consecutive paths on every day, day-major: `values[d * count + p]`.
public struct EquityBlock: Sendable, Equatable {
    public var firstPath: Int
    public var count: Int
    public var values: [Double]
}

/// What the daily quantiles (`daily_quantiles`, the fan chart) are computed
/// from, in memory that grows with the paths only when it is small.
///
/// - **Exact** (paths × days ≤ `exactPathDays`, 128 MB of doubles): every
///   path's daily equity is kept, in path order; quantiles are type 7 over
///   the exact values and the mean is summed in path order, as before.
/// - **Sketch** (above it): nothing per path-day is kept. Each day has an
///   `ExactSums` row (the mean is exact whatever order paths arrive in) and a
///   `DailySketch` (quantiles within 6.1e-5 relative of the exact ones).
///
/// The mode depends only on the run's total paths and days, never on
/// chunking, threads or shards; both modes merge exactly, so a merged set of
/// shards equals the unsharded run bit for bit.
public struct DailyEquityDistribution: Sendable {
    /// Most path-days kept exactly.
    public static let exactPathDays = 16_000_000

    public let days: Int
    public let isExact: Bool
    public private(set) var firstPath: Int
    public private(set) var count: Int
    /// Exact mode: the blocks in path order.
    public private(set) var blocks: [EquityBlock] = []
    /// Sketch mode: the per-day exact sums and counts.
    public private(set) var sums: ExactSums?
    public private(set) var sketch: DailySketch?

    /// Whether a run of `paths` × `days` keeps its daily equity exactly.
    public static func isExact(paths: Int, days: Int) -> Bool {
        let (product, overflow) = paths.multipliedReportingOverflow(by: days)
        return !overflow && product <= exactPathDays
    }

    /// An empty distribution starting at `firstPath`, in the mode of a run of `totalPaths`.
    public init(days: Int, totalPaths: Int, firstPath: Int) {
        self.days = days
        isExact = Self.isExact(paths: totalPaths, days: days)
        self.firstPath = firstPath
        count = 0
        if !isExact {
            sums = ExactSums(rows: days)
            sketch = DailySketch(days: days)
        }
    }

    /// One chunk's equity, kept as it is until it is appended to a run's distribution.
    public init(block: EquityBlock, days: Int) {
        self.days = days
        isExact = true
        firstPath = block.firstPath
        count = block.count
        blocks = [block]
    }

    /// Appends the next paths (`other.firstPath == firstPath + count`): blocks
    /// are kept (exact) or folded into the sums and the sketch; a sketch merges.
    public mutating func append(_ other: DailyEquityDistribution) {
        precondition(other.days == days && other.firstPath == firstPath + count, "distributions appended out of path order")
        if isExact {
            precondition(other.isExact, "an exact distribution cannot take a sketch")
            blocks += other.blocks
        } else if other.isExact {
            for block in other.blocks {
                block.values.withUnsafeBufferPointer { v in
                    sums!.add(rowMajor: v, stride: block.count, count: block.count)
                    sketch!.add(dayMajor: v, stride: block.count, count: block.count)
                }
            }
        } else {
            sums!.merge(other.sums!)
            sketch!.merge(other.sketch!)
        }
        count += other.count
    }

    /// Every path's equity, day-major (`[d * count + p]`, path order), in
    /// exact mode; nil for a sketch, which keeps no per-path values.
    public var exactValues: [Double]? {
        guard isExact else { return nil }
        if blocks.count == 1 { return blocks[0].values }
        var out = [Double](repeating: 0, count: days * count)
        var offset = 0
        for block in blocks {
            for d in 0..<days {
                for i in 0..<block.count { out[d * count + offset + i] = block.values[d * block.count + i] }
            }
            offset += block.count
        }
        return out
    }

    /// Bytes held, for the memory estimate and `bench`.
    public var bytes: Int {
        blocks.reduce(0) { $0 + 8 * $1.values.count } + (sums.map { 8 * $0.rows * ExactSums.limbs } ?? 0) + (sketch?.bytes ?? 0)
    }

    /// p05, p25, p50, p75, p95 and the mean of each day. Days are
    /// independent, so they are computed on `threads` workers.
    public func quantiles(threads: Int = 2) -> [DailyQuantiles] {
        let levels = [0.05, 0.25, 0.5, 0.75, 0.95]
        var out = [DailyQuantiles](repeating: DailyQuantiles(day: 0, p05: 0, p25: 0, p50: 0, p75: 0, p95: 0, mean: 0), count: days)
        guard count > 0 else {
            return (0..<days).map { DailyQuantiles(day: $0, p05: .nan, p25: .nan, p50: .nan, p75: .nan, p95: .nan, mean: .nan) }
        }
        let n = count
        out.withUnsafeMutableBufferPointer { buffer in
            let target = UnsafeSendableBuffer(buffer)
            let workers = max(1, min(threads, days))
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var row = isExact ? [Double](repeating: 0, count: n) : []
                var d = w
                while d < days {
                    let q: [Double]
                    let mean: Double
                    if isExact {
                        var sum = 0.0
                        var p = 0
                        for block in blocks {
                            let base = d * block.count
                            for i in 0..<block.count {
                                let v = block.values[base + i]
                                row[p] = v
                                sum += v
                                p += 1
                            }
                        }
                        q = Statistics.quantiles(&row, levels)
                        mean = sum / Double(n)
                    } else {
                        q = sketch!.quantiles(day: d, levels)
                        mean = sums!.sum(row: d) / Double(n)
                    }
                    target.buffer[d] = DailyQuantiles(day: d, p05: q[0], p25: q[1], p50: q[2], p75: q[3], p95: q[4], mean: mean)
                    d += workers
                }
            }
        }
        return out
    }

    /// The whole state, bit for bit, for a shard file.
    func encode(_ w: inout ByteWriter) {
        w.int(days)
        w.bool(isExact)
        w.int(firstPath)
        w.int(count)
        if isExact {
            w.int(blocks.count)
            for b in blocks {
                w.int(b.firstPath)
                w.int(b.count)
                w.doubles(b.values)
            }
        } else {
            sums!.encode(&w)
            sketch!.encode(&w)
        }
    }

    init(decoding r: inout ByteReader) throws(ByteReader.Truncated) {
        days = try r.int()
        isExact = try r.bool()
        firstPath = try r.int()
        count = try r.int()
        guard days > 0, firstPath >= 0, count >= 0 else { throw ByteReader.Truncated() }
        if isExact {
            let n = try r.count(24)
            var covered = 0
            for _ in 0..<n {
                let block = EquityBlock(firstPath: try r.int(), count: try r.int(), values: try r.doubles())
                guard block.firstPath == firstPath + covered, block.values.count == block.count * days else { throw ByteReader.Truncated() }
                covered += block.count
                blocks.append(block)
            }
            guard covered == count else { throw ByteReader.Truncated() }
        } else {
            let s = try ExactSums(decoding: &r)
            let k = try DailySketch(decoding: &r)
            guard s.rows == days, k.days == days else { throw ByteReader.Truncated() }
            sums = s
            sketch = k
        }
    }
}
