import Foundation
import Testing
@testable import YieldStack

/// The structures daily quantiles come from when a run is too large to keep
/// every path's daily equity: exact sums, the bucket sketch, and the
/// distribution that picks between them.
@Suite("Daily equity distribution")
struct DailyDistributionTests {
    static func exactSum(_ values: [Double]) -> Double {
        var s = ExactSums(rows: 1)
        for v in values { s.add(v, row: 0) }
        return s.sum(row: 0)
    }

    @Test("exact sums survive cancellation and overflow that ordered addition does not")
    func cancellation() {
        // Ordered addition gives 0 and +inf; the exact sums are 1 and 1e308.
        #expect(Self.exactSum([1e16, 1, -1e16]) == 1)
        #expect(Self.exactSum([1e308, 1e308, -1e308]) == 1e308)
        #expect(Self.exactSum([-3.5, 1.25]) == -2.25)
        #expect(Self.exactSum([5e-324, 5e-324, 5e-324]) == 1.5e-323)
        #expect(Self.exactSum([]) == 0)
        #expect(Self.exactSum([2, -2]) == 0)
        #expect(Self.exactSum([1, .nan]).isNaN)
    }

    @Test("5,000 copies of 0.1 sum to the correctly rounded 500, across normalisations")
    func manyTerms() {
        // 0.1 is 3602879701896397 · 2^-55 exactly, so the true sum is that integer times 5,000, times 2^-55.
        let exact = Double(UInt64(5000) * 3_602_879_701_896_397) * 0x1p-55
        #expect(exact == 500)
        #expect(Self.exactSum([Double](repeating: 0.1, count: 5000)) == exact)
        var ordered = 0.0
        for _ in 0..<5000 { ordered += 0.1 }
        #expect(ordered != 500, "ordered addition drifts; the exact sum does not")
    }

    @Test("sums do not depend on the order of the terms or how they were split and merged")
    func orderIndependence() throws {
        var g = Xoshiro256StarStar(seed: 4)
        // Dyadic terms with an integer sum below 2^53: the exact total is computable in Int.
        let ints = (0..<3000).map { _ in Int(g.next() % (1 << 41)) - (1 << 40) }
        let values = ints.map { Double($0) * 0x1p-20 }
        let reference = Double(ints.reduce(0, +)) * 0x1p-20
        #expect(Self.exactSum(values) == reference)
        var shuffled = values
        for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, Int(g.next() % UInt64(i + 1))) }
        #expect(Self.exactSum(shuffled) == reference)

        // Two rows added row-major in one pass, against merged pieces.
        let rows = 2, n = 1500
        var whole = ExactSums(rows: rows)
        values.withUnsafeBufferPointer { whole.add(rowMajor: $0, stride: n, count: n) }
        var a = ExactSums(rows: rows), b = ExactSums(rows: rows)
        for r in 0..<rows {
            for i in 0..<n { if i % 3 == 0 { a.add(values[r * n + i], row: r) } else { b.add(values[r * n + i], row: r) } }
        }
        b.merge(a)
        for r in 0..<rows {
            let rowReference = Double(ints[(r * n)..<((r + 1) * n)].reduce(0, +)) * 0x1p-20
            #expect(whole.sum(row: r) == rowReference)
            #expect(b.sum(row: r) == rowReference)
        }
        var w = ByteWriter()
        b.encode(&w)
        var reader = ByteReader(w.bytes)
        let decoded = try ExactSums(decoding: &reader)
        #expect(reader.atEnd)
        for r in 0..<rows { #expect(decoded.sum(row: r) == b.sum(row: r)) }
        var wholeBytes = ByteWriter()
        whole.encode(&wholeBytes)
        #expect(wholeBytes.bytes == w.bytes, "normalised limbs are unique: split and whole encode the same")
    }

    @Test("every value lies within 2^-14 of its bucket's midpoint, relatively")
    func bucketBound() {
        var g = Xoshiro256StarStar(seed: 5)
        for _ in 0..<20_000 {
            let v = exp(g.normal() * 20)
            let m = DailySketch.midpoint(DailySketch.key(v))
            #expect(abs(m - v) <= 0x1p-14 * v)
        }
        #expect(DailySketch.midpoint(DailySketch.key(1.0)) == 1 + 0x1p-14)
    }

    /// Exact type-7 quantiles of `values` at `levels`.
    static func exactQuantiles(_ values: [Double], _ levels: [Double]) -> [Double] {
        let s = values.sorted()
        return levels.map { Statistics.quantile(sorted: s, $0) }
    }

    @Test("sketch quantiles are within 2^-14 of the exact type-7 ones, with negatives and zeros; merging equals the whole")
    func sketchQuantiles() throws {
        var g = Xoshiro256StarStar(seed: 6)
        let days = 3, n = 4001
        var values = [Double](repeating: 0, count: days * n)
        for d in 0..<days {
            for i in 0..<n {
                switch d {
                case 0: values[d * n + i] = 1e6 * exp(0.3 * g.normal())
                case 1: values[d * n + i] = i % 10 == 0 ? 0 : 5e5 * exp(2 * g.normal())
                default: values[d * n + i] = -1e3 * exp(g.normal())
                }
            }
        }
        var whole = DailySketch(days: days)
        values.withUnsafeBufferPointer { whole.add(dayMajor: $0, stride: n, count: n) }
        let levels = [0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]
        for d in 0..<days {
            let row = Array(values[(d * n)..<((d + 1) * n)])
            let exact = Self.exactQuantiles(row, levels)
            let sketched = whole.quantiles(day: d, levels)
            for (e, s) in zip(exact, sketched) {
                #expect(abs(s - e) <= 0x1p-14 * abs(e), "day \(d): \(s) vs \(e)")
            }
            #expect(whole.counts[d] == n)
        }
        #expect(whole.zeros[1] == 401)

        // Three uneven pieces merged in another order encode the same as the whole.
        let cuts = [0, 17, 2500, n]
        var pieces = [DailySketch]()
        for k in 0..<3 {
            var piece = DailySketch(days: days)
            let count = cuts[k + 1] - cuts[k]
            var block = [Double](repeating: 0, count: days * count)
            for d in 0..<days { for i in 0..<count { block[d * count + i] = values[d * n + cuts[k] + i] } }
            block.withUnsafeBufferPointer { piece.add(dayMajor: $0, stride: count, count: count) }
            pieces.append(piece)
        }
        var merged = pieces[2]
        merged.merge(pieces[0])
        merged.merge(pieces[1])
        var a = ByteWriter(), b = ByteWriter()
        whole.encode(&a)
        merged.encode(&b)
        #expect(a.bytes == b.bytes)
        var reader = ByteReader(b.bytes)
        let decoded = try DailySketch(decoding: &reader)
        #expect(reader.atEnd)
        for d in 0..<days { #expect(decoded.quantiles(day: d, levels) == whole.quantiles(day: d, levels)) }
    }

    /// Day-major equity for paths `first ..< first + count` of a made-up run.
    static func block(first: Int, count: Int, days: Int) -> EquityBlock {
        var values = [Double](repeating: 0, count: days * count)
        for p in 0..<count {
            var g = Xoshiro256StarStar(seed: UInt64(first + p + 1))
            var e = 1000.0
            for d in 0..<days {
                e *= exp(0.02 * g.normal())
                values[d * count + p] = e
            }
        }
        return EquityBlock(firstPath: first, count: count, values: values)
    }

    @Test("exact mode: quantiles and the ordered mean of every path's equity, whatever the blocks")
    func exactMode() throws {
        let days = 5, paths = 300
        var d = DailyEquityDistribution(days: days, totalPaths: paths, firstPath: 0)
        #expect(d.isExact)
        for first in stride(from: 0, to: paths, by: 64) {
            d.append(DailyEquityDistribution(block: Self.block(first: first, count: min(64, paths - first), days: days), days: days))
        }
        let all = Self.block(first: 0, count: paths, days: days)
        #expect(d.exactValues == all.values)
        let q = d.quantiles(threads: 2)
        for day in 0..<days {
            let row = Array(all.values[(day * paths)..<((day + 1) * paths)])
            let e = Self.exactQuantiles(row, [0.05, 0.25, 0.5, 0.75, 0.95])
            #expect([q[day].p05, q[day].p25, q[day].p50, q[day].p75, q[day].p95] == e)
            #expect(q[day].mean == Statistics.mean(row))
        }
        var w = ByteWriter()
        d.encode(&w)
        var r = ByteReader(w.bytes)
        let decoded = try DailyEquityDistribution(decoding: &r)
        #expect(decoded.quantiles(threads: 1) == q)
    }

    @Test("sketch mode above 16M path-days: the exact mean, quantiles within 2^-14, the same from shards in any split")
    func sketchMode() throws {
        let days = 4, paths = 900
        // The mode follows the run's total paths: a 5M-path run of 4 days is past 16M path-days.
        let total = 5_000_000
        #expect(!DailyEquityDistribution.isExact(paths: total, days: days))
        #expect(DailyEquityDistribution.isExact(paths: 4_000_000, days: days))
        func run(_ cuts: [Int]) -> DailyEquityDistribution {
            var parts = [DailyEquityDistribution]()
            for k in 0..<(cuts.count - 1) {
                var part = DailyEquityDistribution(days: days, totalPaths: total, firstPath: cuts[k])
                part.append(DailyEquityDistribution(block: Self.block(first: cuts[k], count: cuts[k + 1] - cuts[k], days: days), days: days))
                parts.append(part)
            }
            var out = DailyEquityDistribution(days: days, totalPaths: total, firstPath: 0)
            for p in parts { out.append(p) }
            return out
        }
        let one = run([0, paths]), split = run([0, 1, 450, 899, paths])
        #expect(!one.isExact && one.exactValues == nil && one.count == paths)
        let q = one.quantiles(threads: 2)
        #expect(split.quantiles(threads: 1) == q)
        let all = Self.block(first: 0, count: paths, days: days)
        for day in 0..<days {
            let row = Array(all.values[(day * paths)..<((day + 1) * paths)])
            let e = Self.exactQuantiles(row, [0.05, 0.25, 0.5, 0.75, 0.95])
            for (s, x) in zip([q[day].p05, q[day].p25, q[day].p50, q[day].p75, q[day].p95], e) {
                #expect(abs(s - x) <= 0x1p-14 * x)
            }
            #expect(q[day].mean == Self.exactSum(row) / Double(paths))
            expectClose(q[day].mean, Statistics.mean(row), 1e-12 * q[day].mean)
        }
        var w = ByteWriter()
        split.encode(&w)
        var r = ByteReader(w.bytes)
        let decoded = try DailyEquityDistribution(decoding: &r)
        #expect(r.atEnd && decoded.quantiles(threads: 1) == q)
        #expect(throws: ByteReader.Truncated.self) {
            var short = ByteReader(Array(w.bytes.dropLast(3)))
            _ = try DailyEquityDistribution(decoding: &short)
        }
    }
}
