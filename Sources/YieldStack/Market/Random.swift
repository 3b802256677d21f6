import Foundation

/// SplitMix64: used to expand seeds into generator states (Steele, Lea &
/// Flood 2014). Also a fine generator on its own for small jobs.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z &>> 31)
    }
}

/// xoshiro256** (Blackman & Vigna 2018): fast, 256-bit state, passes BigCrush.
/// Every random quantity in a run comes from one of these, seeded through
/// `RandomStreams.generator(for:path:)` — never from a global generator.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = s3 << 45 | s3 >> 19
        return result
    }

    /// Uniform on [0, 1) with 53 random bits: our own conversion, so the
    /// numbers do not depend on the standard library's algorithm.
    @inline(__always)
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Two independent standard normals by Marsaglia's polar method: a point
    /// uniform in the unit disc (by rejection, 79 % accepted) gives two
    /// normals with one log and one square root, no trigonometry.
    @inline(__always)
    public mutating func normalPair() -> (Double, Double) {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0, s < 1 {
                let f = (-2 * log(s) / s).squareRoot()
                return (u * f, v * f)
            }
        }
    }

    /// One standard normal (the first of a polar pair).
    @inline(__always)
    public mutating func normal() -> Double {
        normalPair().0
    }
}

/// Derives independent generators from the scenario seed: one stream per
/// component (named by a stable string such as `price:ETH`) and per path.
/// Because a path's numbers depend only on (seed, component, path), splitting
/// paths across threads or chunks cannot change any result, and adding an
/// asset does not disturb the paths of the others.
public struct RandomStreams: Sendable {
    public let seed: UInt64

    public init(seed: UInt64) {
        self.seed = seed
    }

    public func generator(for component: String, path: Int) -> Xoshiro256StarStar {
        var mix = SplitMix64(seed: seed ^ 0x6A09_E667_F3BC_C908)
        let a = mix.next()
        var mix2 = SplitMix64(seed: a ^ RandomStreams.stableHash(component))
        let b = mix2.next()
        var mix3 = SplitMix64(seed: b ^ (UInt64(truncatingIfNeeded: path) &* 0x9E37_79B9_7F4A_7C15))
        return Xoshiro256StarStar(seed: mix3.next())
    }

    /// FNV-1a over UTF-8 bytes: stable across processes and platforms, unlike
    /// Swift's `hashValue`, which is randomly seeded per process.
    public static func stableHash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}
