/// A mergeable quantile sketch per day: counts of values in buckets whose
/// edges are doubles with the low 39 mantissa bits zero, so a bucket is
/// [2^e(1 + j/8192), 2^e(1 + (j+1)/8192)) and its key is simply the top
/// 25 bits of the value. The bucket's midpoint is within 2^-14 ≈ 6.1e-5 of
/// every value in it, relatively (for |v| ≥ 2^-1022), so a quantile read
/// from the sketch is within 6.1e-5 of the exact one: below the 1e-4 the
/// performance issue allows. Counts are integers, so sketches of disjoint
/// path sets merge exactly, in any order (a DDSketch-like structure whose
/// buckets cost a shift, not a logarithm).
///
/// Buckets live in pages of 128 (1/64 of a binade), allocated when first
/// touched, so memory follows the spread of the values, not the range of
/// doubles; a sparse page is stored as its nonzero buckets only.
public struct DailySketch: Sendable, Equatable {
    static let pageBits = 7
    static let pageSize = 1 << pageBits
    /// Keys drop the low 39 bits of |v|'s bit pattern.
    static let keyShift: UInt64 = 39

    public let days: Int
    /// Per day and sign (0: positive, 1: negative): the first page number
    /// of its directory, and the directory (index into `pages` ÷ pageSize, or −1).
    private var directoryStart: [Int]
    private var directory: [[Int32]]
    private var pages: [UInt32] = []
    /// Values exactly zero (either sign), per day.
    private(set) var zeros: [Int]
    /// Values added, per day.
    public private(set) var counts: [Int]

    public init(days: Int) {
        self.days = days
        directoryStart = [Int](repeating: 0, count: 2 * days)
        directory = [[Int32]](repeating: [], count: 2 * days)
        zeros = [Int](repeating: 0, count: days)
        counts = [Int](repeating: 0, count: days)
    }

    /// Bytes held: what the memory estimate and `bench` report.
    public var bytes: Int { pages.count * 4 + directory.reduce(0) { $0 + 4 * $1.count } }

    @inline(__always)
    static func key(_ v: Double) -> Int { Int((v.bitPattern & 0x7FFF_FFFF_FFFF_FFFF) >> keyShift) }

    /// The midpoint of bucket `key`, positive.
    static func midpoint(_ key: Int) -> Double {
        let lo = Double(bitPattern: UInt64(key) << keyShift)
        let hi = Double(bitPattern: UInt64(key + 1) << keyShift)
        return lo + (hi - lo) / 2
    }

    /// Adds `values[d * stride + i]` for i in 0..<count to day d, for every day.
    mutating func add(dayMajor values: UnsafeBufferPointer<Double>, stride: Int, count: Int) {
        for d in 0..<days {
            let row = d * stride
            for i in 0..<count { add(values[row + i], day: d) }
            counts[d] += count
        }
    }

    @inline(__always)
    private mutating func add(_ v: Double, day d: Int) {
        if v == 0 { zeros[d] += 1; return }
        let key = Self.key(v)
        let slot = 2 * d + (v < 0 ? 1 : 0)
        let page = key >> Self.pageBits
        let index = pageIndex(slot: slot, page: page)
        pages[index * Self.pageSize + (key & (Self.pageSize - 1))] &+= 1
    }

    /// The page of `page` in slot's directory, allocated if new.
    @inline(__always)
    private mutating func pageIndex(slot: Int, page: Int) -> Int {
        var at = page - directoryStart[slot]
        if directory[slot].isEmpty {
            directoryStart[slot] = page
            directory[slot] = [-1]
            at = 0
        } else if at < 0 {
            directory[slot].insert(contentsOf: [Int32](repeating: -1, count: -at), at: 0)
            directoryStart[slot] = page
            at = 0
        } else if at >= directory[slot].count {
            directory[slot].append(contentsOf: [Int32](repeating: -1, count: at - directory[slot].count + 1))
        }
        let existing = directory[slot][at]
        if existing >= 0 { return Int(existing) }
        let fresh = pages.count / Self.pageSize
        pages.append(contentsOf: repeatElement(0, count: Self.pageSize))
        directory[slot][at] = Int32(fresh)
        return fresh
    }

    /// Adds another sketch of the same days (disjoint paths): counts add.
    public mutating func merge(_ other: DailySketch) {
        precondition(other.days == days)
        for slot in 0..<(2 * days) {
            for (at, index) in other.directory[slot].enumerated() where index >= 0 {
                let mine = pageIndex(slot: slot, page: other.directoryStart[slot] + at)
                let src = Int(index) * Self.pageSize, dst = mine * Self.pageSize
                for k in 0..<Self.pageSize { pages[dst + k] &+= other.pages[src + k] }
            }
        }
        for d in 0..<days {
            zeros[d] += other.zeros[d]
            counts[d] += other.counts[d]
        }
    }

    /// The sketch's value of order statistics `ranks` (0-based, ascending,
    /// sorted) on day d: each the midpoint of the bucket holding that rank.
    func orderStatistics(day d: Int, ranks: [Int]) -> [Double] {
        var out = [Double](repeating: .nan, count: ranks.count)
        var next = 0
        var seen = 0
        func take(_ count: Int, _ value: Double) {
            seen += count
            while next < ranks.count, ranks[next] < seen {
                out[next] = value
                next += 1
            }
        }
        // Negatives from the largest magnitude down, then zeros, then positives up.
        let neg = 2 * d + 1, pos = 2 * d
        for at in directory[neg].indices.reversed() where directory[neg][at] >= 0 {
            let base = Int(directory[neg][at]) * Self.pageSize
            let first = (directoryStart[neg] + at) << Self.pageBits
            for k in stride(from: Self.pageSize - 1, through: 0, by: -1) where pages[base + k] > 0 {
                take(Int(pages[base + k]), -Self.midpoint(first + k))
            }
        }
        if zeros[d] > 0 { take(zeros[d], 0) }
        for at in directory[pos].indices where directory[pos][at] >= 0 {
            let base = Int(directory[pos][at]) * Self.pageSize
            let first = (directoryStart[pos] + at) << Self.pageBits
            for k in 0..<Self.pageSize where pages[base + k] > 0 {
                take(Int(pages[base + k]), Self.midpoint(first + k))
                if next == ranks.count { return out }
            }
        }
        return out
    }

    /// Type-7 quantiles (h = (n − 1)q, interpolated) from the sketch's order statistics.
    public func quantiles(day d: Int, _ levels: [Double]) -> [Double] {
        let n = counts[d]
        guard n > 0 else { return levels.map { _ in .nan } }
        let hs = levels.map { Double(n - 1) * min(max($0, 0), 1) }
        let los = hs.map { Int($0.rounded(.down)) }
        let wanted = Array(Set(los + los.map { min($0 + 1, n - 1) })).sorted()
        let values = orderStatistics(day: d, ranks: wanted)
        func at(_ rank: Int) -> Double { values[wanted.firstIndex(of: rank)!] }
        return levels.indices.map { k in
            let a = at(los[k]), b = at(min(los[k] + 1, n - 1))
            return a + (hs[k] - Double(los[k])) * (b - a)
        }
    }

    /// Every count, for the shard files: per day and sign the touched
    /// pages, each dense (all 128 counts, two to a word) or, when at most a
    /// quarter of its buckets are used, as (bucket, count) words.
    func encode(_ w: inout ByteWriter) {
        w.int(days)
        for d in 0..<days {
            w.int(zeros[d])
            w.int(counts[d])
        }
        for slot in 0..<(2 * days) {
            let used = directory[slot].enumerated().filter { $0.element >= 0 }
            w.int(used.count)
            for (at, index) in used {
                w.int(directoryStart[slot] + at)
                let base = Int(index) * Self.pageSize
                let nonzero = (0..<Self.pageSize).filter { pages[base + $0] != 0 }
                if nonzero.count <= Self.pageSize / 4 {
                    w.int(nonzero.count)
                    for k in nonzero { w.u64(UInt64(k) << 32 | UInt64(pages[base + k])) }
                } else {
                    w.int(-1)
                    for k in stride(from: 0, to: Self.pageSize, by: 2) {
                        w.u64(UInt64(pages[base + k]) | UInt64(pages[base + k + 1]) << 32)
                    }
                }
            }
        }
    }

    init(decoding r: inout ByteReader) throws(ByteReader.Truncated) {
        self.init(days: try r.count(16))
        for d in 0..<days {
            zeros[d] = try r.int()
            counts[d] = try r.int()
        }
        for slot in 0..<(2 * days) {
            let used = try r.count(16)
            for _ in 0..<used {
                let page = try r.int()
                guard page >= 0, page < (1 << (63 - Int(Self.keyShift) - Self.pageBits)) else { throw ByteReader.Truncated() }
                let index = pageIndex(slot: slot, page: page)
                let base = index * Self.pageSize
                let n = try r.int()
                if n == -1 {
                    for k in stride(from: 0, to: Self.pageSize, by: 2) {
                        let pair = try r.u64()
                        pages[base + k] = UInt32(truncatingIfNeeded: pair)
                        pages[base + k + 1] = UInt32(truncatingIfNeeded: pair >> 32)
                    }
                } else {
                    guard (0...Self.pageSize).contains(n) else { throw ByteReader.Truncated() }
                    for _ in 0..<n {
                        let pair = try r.u64()
                        let k = Int(pair >> 32)
                        guard k < Self.pageSize else { throw ByteReader.Truncated() }
                        pages[base + k] = UInt32(truncatingIfNeeded: pair)
                    }
                }
            }
        }
    }
}
