/// Exact sums of doubles, one per row (a day), in fixed point wide enough for
/// every finite double: the sum does not depend on the order of the terms,
/// so chunks, threads and shards can add their paths in any order and merge
/// to the same bits (R. M. Neal, "Fast exact summation using small and large
/// superaccumulators", 2015, the small variant).
///
/// A finite double is m·2^(E−1075) with a 53-bit integer m and biased
/// exponent E. With c = ⌊E/32⌋ and s = E mod 32 it is (m·2^s)·2^(32c−1075):
/// the low 32 bits of m·2^s go to limb c and the rest (< 2^52) to limb c + 1.
/// Limbs are signed 64-bit, so 1,024 terms fit before carries must be
/// propagated (`normalize`); after that every limb but the top one is in
/// [0, 2^32), which makes the representation of a sum unique.
public struct ExactSums: Sendable, Equatable {
    /// Limbs per row: 64 for the exponents, one for the high part of the
    /// largest, and two for carries.
    static let limbs = 67
    /// Terms per row between normalisations: each adds < 2^53 to a limb.
    static let termsBetweenCarries = 1_000

    public let rows: Int
    private(set) var value: [Int64]
    /// Terms added to each row since the last normalisation (the same for every row).
    private var pending = 0
    /// Terms that were NaN or infinite: an exact sum of those is undefined.
    public private(set) var nonFinite = 0

    public init(rows: Int) {
        self.rows = rows
        value = [Int64](repeating: 0, count: rows * Self.limbs)
    }

    /// Adds `values[r * stride + offset + i]` for i in 0..<count to row r, for every row.
    mutating func add(rowMajor values: UnsafeBufferPointer<Double>, stride: Int, count: Int) {
        var i = 0
        while i < count {
            let batch = min(count - i, Self.termsBetweenCarries - pending)
            value.withUnsafeMutableBufferPointer { limbs in
                for r in 0..<rows {
                    let base = r * Self.limbs
                    let row = r * stride + i
                    for k in 0..<batch { nonFinite &+= Self.accumulate(values[row + k], into: limbs, base: base) }
                }
            }
            pending += batch
            i += batch
            if pending >= Self.termsBetweenCarries { normalize() }
        }
    }

    /// Adds one term to one row.
    mutating func add(_ v: Double, row: Int) {
        if pending >= Self.termsBetweenCarries { normalize() }
        value.withUnsafeMutableBufferPointer { nonFinite &+= Self.accumulate(v, into: $0, base: row * Self.limbs) }
        // One term on one row counts as a term on every row: a safe bound.
        pending += 1
    }

    @inline(__always)
    private static func accumulate(_ v: Double, into limbs: UnsafeMutableBufferPointer<Int64>, base: Int) -> Int {
        let bits = v.bitPattern
        var e = Int((bits >> 52) & 0x7FF)
        if e == 0x7FF { return 1 }
        var m = bits & 0x000F_FFFF_FFFF_FFFF
        if e == 0 { e = 1 } else { m |= 0x0010_0000_0000_0000 }
        let c = e >> 5, s = UInt64(e & 31)
        let low = Int64(bitPattern: (m &<< s) & 0xFFFF_FFFF)
        let high = Int64(bitPattern: m >> (32 - s))
        if bits >> 63 == 0 {
            limbs[base + c] &+= low
            limbs[base + c + 1] &+= high
        } else {
            limbs[base + c] &-= low
            limbs[base + c + 1] &-= high
        }
        return 0
    }

    /// Propagates carries so that limbs 0 ..< top lie in [0, 2^32).
    mutating func normalize() {
        value.withUnsafeMutableBufferPointer { limbs in
            for r in 0..<rows { Self.carry(limbs, base: r * Self.limbs) }
        }
        pending = 0
    }

    private static func carry(_ limbs: UnsafeMutableBufferPointer<Int64>, base: Int) {
        for i in 0..<(Self.limbs - 1) {
            let carry = limbs[base + i] >> 32
            limbs[base + i] -= carry << 32
            limbs[base + i + 1] += carry
        }
    }

    /// Adds another set of sums with the same rows: exact, so merging in any
    /// order gives the same limbs.
    public mutating func merge(_ other: ExactSums) {
        precondition(other.rows == rows)
        normalize()
        var o = other
        o.normalize()
        value.withUnsafeMutableBufferPointer { limbs in
            o.value.withUnsafeBufferPointer { add in
                for i in 0..<limbs.count { limbs[i] += add[i] }
            }
        }
        nonFinite += other.nonFinite
        normalize()
    }

    /// Row r's sum as a double: the exact sum, rounded (the top 96 bits are
    /// combined in double arithmetic, a relative error below 2^-52), and the
    /// same whatever order the terms came in. NaN when a term was not finite.
    public func sum(row r: Int) -> Double {
        guard nonFinite == 0 else { return .nan }
        var limbs = Array(value[(r * Self.limbs)..<((r + 1) * Self.limbs)])
        limbs.withUnsafeMutableBufferPointer { Self.carry($0, base: 0) }
        var negative = false
        if limbs[Self.limbs - 1] < 0 {
            negative = true
            for i in limbs.indices { limbs[i] = -limbs[i] }
            limbs.withUnsafeMutableBufferPointer { Self.carry($0, base: 0) }
        }
        guard let top = limbs.lastIndex(where: { $0 != 0 }) else { return 0 }
        var total = 0.0
        for i in stride(from: top, through: max(0, top - 2), by: -1) {
            total += Double(sign: .plus, exponent: 32 * i - 1075, significand: Double(limbs[i]))
        }
        return negative ? -total : total
    }

    /// The limbs, normalised, for the shard files (`ByteWriter`).
    func encode(_ w: inout ByteWriter) {
        var n = self
        n.normalize()
        w.int(rows)
        w.int(nonFinite)
        for v in n.value { w.int(Int(v)) }
    }

    init(decoding r: inout ByteReader) throws(ByteReader.Truncated) {
        let rows = try r.count(8 * Self.limbs)
        self.init(rows: rows)
        nonFinite = try r.int()
        for i in 0..<value.count { value[i] = Int64(try r.int()) }
    }
}
