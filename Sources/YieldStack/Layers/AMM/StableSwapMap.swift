import Foundation

/// The composition of a two-coin StableSwap pool at a given price, in units
/// of its invariant: u = x/D and v = y/D depend only on the price p and Ann
/// (the invariant is homogeneous of degree one), so one map per pool serves
/// every position and every day.
///
/// The normalised curve  Ann(u + v) + 1 − Ann − 1/(4uv) = 0  has a closed
/// form in s ≥ 0 with e = s², q = 4uv = 1/(1 + e):
///   u + v = S = 1 + e/Ann,   |v − u| = s·R,   R = √(2/Ann + e/Ann² + q),
/// (S² − q = e·R², written so nothing cancels), the larger coin (S + sR)/2 and
/// the smaller q/(4·larger). The price of x in y is p = (K + v)/(K + u),
/// K = Ann·q²/4, so p ≥ 1 is the branch v ≥ u and p − 1 = sR/(K + u); p < 1
/// is its mirror (u and v swapped, p ↦ 1/p). At a target p the one unknown s
/// solves  h(s) = sR − |p − 1|·(K + w) = 0  (w the coin that is scarce in
/// value terms: u for p ≥ 1, the larger u for p < 1) — no logarithms and no
/// division by the target.
///
/// Seed: a table of s and ds/dδ at δ = p − 1 (or 1/p − 1 for p < 1) on
/// 2⁵ nodes per octave of δ from 2⁻⁴⁰ to 2¹⁰, read by the bits of δ (the
/// exponent and five leading mantissa bits pick the interval, the remaining
/// bits are the position inside it), cubic Hermite between nodes: relative
/// seed error below 5e-9 over A = 1 … 5000. Polish: Newton on h, whose
/// relative error after a step is at most 2.5·(error before)² (measured up to
/// Ann = 2·10⁵), so a step of at most 2⁻²⁷·s leaves ≲ 1.4e-16 and ends it;
/// the balances then move along the step's first-order change (their
/// second-order term is ≲ 1e-17). Below δ = 2⁻⁴⁰ the seed is the curve's
/// slope at the peg; above 2¹⁰ (a price outside about (1/1025, 1025)) or if
/// Newton needs more than four steps, `composition` returns nil and callers
/// use the bracketed search.
struct StableSwapMap: Sendable {
    /// Ann = 4A (whitepaper A), and 1/Ann.
    let ann: Double
    let invAnn: Double
    /// Per node: s, and ds/dδ times the node interval (Hermite tangents).
    private let nodes: [Double]
    /// ds/dδ at the peg (δ → 0).
    private let pegSlope: Double

    static let mantissaBits: UInt64 = 5
    static let shift: UInt64 = 52 - mantissaBits
    /// The first node's key (the bits of 2⁻⁴⁰ shifted) and the last one's (2¹⁰).
    static let firstKey = (0x1p-40 as Double).bitPattern >> shift
    static let lastKey = (0x1p10 as Double).bitPattern >> shift
    static let smallest = 0x1p-40
    static let largest = 0x1p10

    init(ann: Double) {
        self.ann = ann
        invAnn = 1 / ann
        let r0 = (2 / ann + 1).squareRoot()
        pegSlope = (ann / 4 + 0.5) / r0
        var table: [Double] = []
        table.reserveCapacity(2 * Int(Self.lastKey - Self.firstKey + 1))
        var s = Self.smallest * pegSlope
        var previous: (delta: Double, s: Double, slope: Double)? = nil
        for key in Self.firstKey...Self.lastKey {
            let delta = Double(bitPattern: key << Self.shift)
            if let previous { s = previous.s + previous.slope * (delta - previous.delta) }
            for _ in 0..<100 {
                let n = Self.newton(s, ann: ann, invAnn: invAnn, delta: delta, rising: true)
                var next = s - n.h / n.dh
                if !(next > 0) { next = s / 2 }
                let done = abs(next - s) <= 1e-16 * next
                s = next
                if done { break }
            }
            let n = Self.newton(s, ann: ann, invAnn: invAnn, delta: delta, rising: true)
            // h(s, δ) = 0: ds/dδ = (K + u)/h'(s).
            let slope = n.weight / n.dh
            let width = Double(bitPattern: (key + 1) << Self.shift) - delta
            table.append(s)
            table.append(slope * width)
            previous = (delta, s, slope)
        }
        nodes = table
    }

    /// h, h′ and the curve at s ≥ 0 for target distance `delta` = |p − 1|;
    /// `rising`: p ≥ 1 (w = the smaller coin), else w = the larger one.
    @inline(__always)
    static func newton(_ s: Double, ann: Double, invAnn: Double, delta: Double, rising: Bool)
        -> (h: Double, dh: Double, large: Double, small: Double, dLarge: Double, dSmall: Double, weight: Double) {
        let e = s * s
        let q = 1 / (1 + e)
        let r2 = 2 * invAnn + e * invAnn * invAnn + q
        let r = r2.squareRoot()
        let sr = s * r
        let sum = 1 + e * invAnn
        let large = (sum + sr) / 2
        let small = q / (4 * large)
        let k = ann * q * q / 4
        // Derivatives in s: S′ = 2s/Ann, (sR)′ = (R² + e(1/Ann² − q²))/R, K′ = −Ann·s·q³.
        let dSum = 2 * s * invAnn
        let dSR = (r2 + e * (invAnn * invAnn - q * q)) / r
        let dK = -ann * s * q * q * q
        let dLarge = (dSum + dSR) / 2
        let dSmall = (dSum - dSR) / 2
        let w = rising ? small : large
        let dw = rising ? dSmall : dLarge
        return (sr - delta * (k + w), dSR - delta * (dK + dw), large, small, dLarge, dSmall, k + w)
    }

    /// The seed s for key δ in [0, 2¹⁰).
    @inline(__always)
    func seed(_ key: Double) -> Double {
        guard key >= Self.smallest else { return key * pegSlope }
        let bits = key.bitPattern
        let i = Int((bits >> Self.shift) - Self.firstKey) * 2
        let t = Double(bits & ((1 << Self.shift) - 1)) * (1 / Double(UInt64(1) << Self.shift))
        return nodes.withUnsafeBufferPointer { n in
            let s0 = n[i], m0 = n[i + 1], s1 = n[i + 2], m1 = n[i + 3]
            let t1 = 1 - t
            // Cubic Hermite: (1 + 2t)(1 − t)²·s0 + t(1 − t)²·m0 + t²(3 − 2t)·s1 + t²(t − 1)·m1.
            return t1 * t1 * ((1 + 2 * t) * s0 + t * m0) + t * t * ((3 - 2 * t) * s1 - t1 * m1)
        }
    }

    /// (u, v) = (x/D, y/D) of the pool priced at `p` (x in y); nil outside
    /// the table's range or if Newton does not settle.
    @inline(__always)
    func composition(price p: Double) -> (u: Double, v: Double)? {
        guard p > 0, p.isFinite else { return nil }
        let rising = p >= 1
        let key = rising ? p - 1 : 1 / p - 1
        guard key < Self.largest else { return nil }
        // The exact distance to par (p − 1 and 1 − p are exact for p in [0.5, 2]).
        let delta = rising ? p - 1 : 1 - p
        var s = seed(key)
        for _ in 0..<4 {
            let n = Self.newton(s, ann: ann, invAnn: invAnn, delta: delta, rising: rising)
            let step = n.h / n.dh
            s -= step
            if abs(step) <= 0x1p-27 * s {
                let large = n.large - n.dLarge * step
                let small = n.small - n.dSmall * step
                return rising ? (small, large) : (large, small)
            }
        }
        return nil
    }

    /// One map per Ann, built on first use (about 1,600 nodes).
    static func shared(ann: Double) -> StableSwapMap {
        cache.lock.lock()
        defer { cache.lock.unlock() }
        if let map = cache.maps[ann] { return map }
        let map = StableSwapMap(ann: ann)
        if cache.maps.count < 64 { cache.maps[ann] = map }
        return map
    }

    private final class Cache: @unchecked Sendable {
        let lock = NSLock()
        var maps: [Double: StableSwapMap] = [:]
    }
    private static let cache = Cache()
}
