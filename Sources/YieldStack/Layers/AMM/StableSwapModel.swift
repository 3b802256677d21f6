import Foundation

/// Curve's StableSwap for two coins (DOMAIN "Liquidity pools"), with the
/// whitepaper invariant  A·nⁿ·Σx + D = A·D·nⁿ + Dⁿ⁺¹/(nⁿ·Πx),  n = 2:
///   4A(x + y) + D = 4AD + D³/(4xy).
/// D is found by Newton's method (Curve's `get_D`); for a given x and D the
/// other balance solves a quadratic exactly; the marginal price of x in y is
/// −dy/dx = (4A + D³/(4x²y)) / (4A + D³/(4xy²)). Arbitrage moves the pool
/// along its invariant until that price equals the market's, so a depeg shows
/// as a pool heavy in the cheaper coin.
///
/// Rebalancing (every path-day) uses that D is conserved by fee-less
/// arbitrage and that for two coins (x/D, y/D) depends only on the price and
/// A: D by a warm-started Halley step, the composition from a per-pool
/// `StableSwapMap` (table seed, one Newton step), x = u·D, y = v·D — within
/// about 5e-16 relative of an extended-precision solve. The static functions
/// below are the general, exact methods (for trades and far prices).
///
/// Two amplifications: the scenario's `amplification` is a Curve pool's
/// on-chain `A()`, which is A·nⁿ⁻¹ in the whitepaper's terms (n = 2, so
/// 2A); the math below is written in the whitepaper's A = on-chain A / 2,
/// hence Ann = A·nⁿ = 4A = 2·(on-chain A).
public struct StableSwapModel: AMMModel {
    /// The whitepaper's A (on-chain `A()` / 2).
    public let whitepaperA: Double
    /// The pool's composition as a function of price (nil for Ann ≤ 1, where
    /// the curve degenerates; rebalancing then uses the bracketed search).
    let map: StableSwapMap?

    /// From a pool's on-chain `A()` (the scenario's `amplification`).
    public init(onChainA: Double) {
        self.init(whitepaperA: onChainA / 2)
    }

    /// From the whitepaper's A.
    public init(whitepaperA: Double) {
        self.whitepaperA = whitepaperA
        let ann = 4 * whitepaperA
        map = ann > 1 && ann.isFinite ? StableSwapMap.shared(ann: ann) : nil
    }

    /// The pool's on-chain `A()`.
    public var onChainA: Double { 2 * whitepaperA }

    /// The invariant D of balances (x, y); `guess` (e.g. yesterday's D)
    /// only speeds up the Newton iteration.
    public static func invariant(x: Double, y: Double, whitepaperA a: Double, guess: Double = 0) -> Double {
        let s = x + y
        guard s > 0, x > 0, y > 0 else { return 0 }
        let ann = 4 * a
        var d = guess > 0 ? guess : s
        for _ in 0..<255 {
            let dp = d * d * d / (4 * x * y)
            let previous = d
            d = (ann * s + 2 * dp) * d / ((ann - 1) * d + 3 * dp)
            if abs(d - previous) <= 1e-15 * d { break }
        }
        return d
    }

    /// The balance y that keeps invariant D when the other balance is x:
    /// y² + (x + D/Ann − D)·y − D³/(4·x·Ann) = 0, Ann = 4A.
    public static func balance(other x: Double, invariant d: Double, whitepaperA a: Double) -> Double {
        let ann = 4 * a
        let b = x + d / ann - d
        let c = d * d * d / (4 * x * ann)
        // The positive root, written to avoid cancellation when b > 0.
        let disc = (b * b + 4 * c).squareRoot()
        return b > 0 ? 2 * c / (b + disc) : (disc - b) / 2
    }

    /// Tokens of y received for dx of x (no fee).
    public static func outputAmount(dx: Double, x: Double, y: Double, whitepaperA a: Double) -> Double {
        let d = invariant(x: x, y: y, whitepaperA: a)
        return y - balance(other: x + dx, invariant: d, whitepaperA: a)
    }

    /// Marginal price of x in units of y at balances (x, y) on invariant D.
    public static func price(x: Double, y: Double, invariant d: Double, whitepaperA a: Double) -> Double {
        let ann = 4 * a
        let d3 = d * d * d
        return (ann + d3 / (4 * x * x * y)) / (ann + d3 / (4 * x * y * y))
    }

    /// The balance x at which the pool on invariant D prices x at `target`.
    /// Secant iterations on ln x from `guess`, kept inside a bracket and
    /// falling back to bisection (also whenever three steps have not halved
    /// the bracket), to about 1e-14 relative.
    public static func balanceAtPrice(_ target: Double, invariant d: Double, whitepaperA a: Double, guess: Double? = nil) -> Double {
        func g(_ s: Double) -> Double {
            let x = exp(s)
            let y = balance(other: x, invariant: d, whitepaperA: a)
            return log(price(x: x, y: y, invariant: d, whitepaperA: a)) - log(target)
        }
        // Bracket: the price falls as x grows; at x = D/2 it is 1.
        var lo = log(d / 2), hi = log(d / 2)
        if target < 1 {
            while g(hi) > 0, hi < log(d) + 60 { hi += 1 }
        } else {
            while g(lo) < 0, lo > log(d) - 60 { lo -= 1 }
        }
        var s0 = guess.map { min(max(log($0), lo), hi) } ?? (lo + hi) / 2
        var g0 = g(s0)
        if g0 == 0 { return exp(s0) }
        if g0 > 0 { lo = max(lo, s0) } else { hi = min(hi, s0) }
        var s1 = s0 + (g0 > 0 ? 1e-3 : -1e-3)
        s1 = min(max(s1, lo), hi)
        // Where the price falls off a cliff (large A, far from balance) the
        // secant alone can crawl along one side of the bracket; bisecting
        // whenever three steps have not halved it bounds the iterations.
        var halved = hi - lo, sinceHalved = 0
        for _ in 0..<400 {
            let g1 = g(s1)
            if g1 == 0 { return exp(s1) }
            if g1 > 0 { lo = max(lo, s1) } else { hi = min(hi, s1) }
            if hi - lo <= halved / 2 { halved = hi - lo; sinceHalved = 0 } else { sinceHalved += 1 }
            var next = g1 != g0 ? s1 - g1 * (s1 - s0) / (g1 - g0) : (lo + hi) / 2
            if !(next > lo && next < hi) || sinceHalved >= 3 { next = (lo + hi) / 2 }
            s0 = s1
            g0 = g1
            s1 = next
            if abs(s1 - s0) < 1e-15 || hi - lo < 1e-15 { break }
        }
        return exp(s1)
    }

    public func enter(value: Double, price: Double) -> AMMPosition {
        // The pool's composition at this price, for D = 1, scaled to the value.
        let x = Self.balanceAtPrice(price, invariant: 1, whitepaperA: whitepaperA)
        let y = Self.balance(other: x, invariant: 1, whitepaperA: whitepaperA)
        let scale = value / (x * price + y)
        return AMMPosition(x: x * scale, y: y * scale)
    }

    /// Arbitrage to `target`, as the pool's composition at that price scaled
    /// by the position's invariant: arbitrage without fees keeps D, and
    /// (x/D, y/D) depends only on the price and A (`StableSwapMap`), so
    ///   (a) D of the current balances: Halley's method on the cubic
    ///       D³/(4xy) + (Ann − 1)·D − Ann·(x + y) = 0 from `position.liquidity`
    ///       (the last rebalance's D; fees compounding, rebases and deposits
    ///       since then move the balances without it, so it is a warm start
    ///       to verify, not D itself) — one division per step plus one, and
    ///       one step when nothing changed;
    ///   (b) (u, v) at the target from the map: a table seed and one Newton step;
    ///   (c) x = u·D, y = v·D, carrying D as the next warm start.
    /// A price the map does not cover (outside about (1/1025, 1025)) takes
    /// the 2-D Newton and bracketed search below. A target within
    /// min(1e-14, 1e-13/(Ann/4 + 1/2)) relative of the current price — the
    /// move it would make is below 1e-13 relative — leaves the position as is.
    public func rebalance(_ position: AMMPosition, to target: Double) -> AMMPosition {
        guard position.x > 0, position.y > 0, target > 0 else { return position }
        let x = position.x, y = position.y
        let ann = 4 * whitepaperA
        guard let map, let d = Self.refinedInvariant(x: x, y: y, ann: ann, guess: position.liquidity) else {
            return slowRebalance(position, to: target)
        }
        // Current price y(Ann·x + c)/(x(Ann·y + c)), c = D³/(4xy).
        let c = d * d * d / (4 * x * y)
        let current = y * (ann * x + c) / (x * (ann * y + c))
        if abs(current - target) <= min(1e-14, 1e-13 / (ann / 4 + 0.5)) * target {
            return AMMPosition(x: x, y: y, liquidity: d)
        }
        guard let (u, v) = map.composition(price: target) else { return slowRebalance(position, to: target) }
        return AMMPosition(x: u * d, y: v * d, liquidity: d)
    }

    /// D by Halley's method on f(D) = k·D³ + (Ann − 1)·D − Ann·(x + y),
    /// k = 1/(4xy): f is increasing and convex for D > 0, and the relative
    /// error after a step is at most 1.34·(error before)³, so a step of at
    /// most 1e-6·D leaves ≲ 1.4e-18 and ends it. nil if it does not settle.
    @inline(__always)
    static func refinedInvariant(x: Double, y: Double, ann: Double, guess: Double) -> Double? {
        let k = 1 / (4 * x * y)
        let c0 = ann * (x + y), c1 = ann - 1
        var d = guess > 0 && guess.isFinite ? guess : x + y
        for _ in 0..<64 {
            let kd = k * d
            let kd2 = kd * d
            let f = (kd2 + c1) * d - c0
            let df = 3 * kd2 + c1
            let step = 2 * f * df / (2 * df * df - f * 6 * kd)
            guard step.isFinite else { return nil }
            d -= step
            if abs(step) <= 1e-6 * d { return d > 0 ? d : nil }
        }
        return nil
    }

    /// The general method (Newton invariant, 2-D Newton, bracketed secant),
    /// for prices the map does not cover.
    func slowRebalance(_ position: AMMPosition, to target: Double) -> AMMPosition {
        guard position.x > 0, position.y > 0, target > 0 else { return position }
        let d = Self.invariant(x: position.x, y: position.y, whitepaperA: whitepaperA, guess: position.liquidity)
        let current = Self.price(x: position.x, y: position.y, invariant: d, whitepaperA: whitepaperA)
        if abs(current / target - 1) < 1e-14 { return AMMPosition(x: position.x, y: position.y, liquidity: d) }
        if var fast = Self.newtonBalances(price: target, invariant: d, whitepaperA: whitepaperA, x: position.x, y: position.y) {
            fast.liquidity = d
            return fast
        }
        let x = Self.balanceAtPrice(target, invariant: d, whitepaperA: whitepaperA, guess: position.x)
        return AMMPosition(x: x, y: Self.balance(other: x, invariant: d, whitepaperA: whitepaperA), liquidity: d)
    }

    /// Newton's method on the two conditions "on the invariant" and "priced
    /// at the target", in units of D (the invariant is homogeneous):
    ///   F = Ann(u + v) + 1 − Ann − 1/(4uv) = 0,
    ///   G = Ann + 1/(4u²v) − p·(Ann + 1/(4uv²)) = 0.
    /// Warm-started from yesterday's balances it converges in a few steps;
    /// nil (and the caller's bracketed search) if it strays or stalls.
    static func newtonBalances(price p: Double, invariant d: Double, whitepaperA a: Double, x: Double, y: Double) -> AMMPosition? {
        guard d > 0 else { return nil }
        let ann = 4 * a
        var u = x / d, v = y / d
        for _ in 0..<30 {
            let uv = u * v
            let f = ann * (u + v) + 1 - ann - 1 / (4 * uv)
            let g = ann + 1 / (4 * u * uv) - p * (ann + 1 / (4 * uv * v))
            let fu = ann + 1 / (4 * u * uv)
            let fv = ann + 1 / (4 * uv * v)
            let gu = -1 / (2 * u * u * uv) + p / (4 * uv * uv)
            let gv = -1 / (4 * uv * uv) + p / (2 * uv * v * v)
            let det = fu * gv - fv * gu
            guard det.isFinite, det != 0 else { return nil }
            let du = (-f * gv + g * fv) / det
            let dv = (-g * fu + f * gu) / det
            var nu = u + du, nv = v + dv
            // Stay in the positive quadrant.
            if nu <= 0 { nu = u / 2 }
            if nv <= 0 { nv = v / 2 }
            let converged = abs(nu - u) <= 1e-15 * u && abs(nv - v) <= 1e-15 * v
            u = nu
            v = nv
            if converged || (abs(du) <= 1e-14 * u && abs(dv) <= 1e-14 * v) {
                // Accept only a solution that really satisfies both conditions.
                let residual = ann * (u + v) + 1 - ann - 1 / (4 * u * v)
                let check = (ann + 1 / (4 * u * u * v)) / (ann + 1 / (4 * u * v * v))
                guard abs(check / p - 1) < 1e-12, abs(residual) < 1e-12 * ann else { return nil }
                return AMMPosition(x: u * d, y: v * d)
            }
        }
        return nil
    }
}

/// `"amm": "stableswap"`, with the pool's `amplification`: its on-chain `A()`.
enum StableSwapCurve: AMMCurve {
    static let name = "stableswap"
    static let parameters: Set<String> = ["amplification"]
    static func problems(_ spec: LPSpec) -> [(String, String)] {
        spec.amplification == nil ? [("amplification", "a stableswap pool needs 'amplification'")] : []
    }
    static func model(_ spec: LPSpec) -> any AMMModel { StableSwapModel(onChainA: spec.amplification ?? 200) }
}
