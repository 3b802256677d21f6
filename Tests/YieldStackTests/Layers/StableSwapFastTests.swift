import Foundation
import Testing
@testable import YieldStack

/// The fast StableSwap rebalance (invariant by Halley, composition from the
/// per-pool map) against an independent solve: bisection on the exact
/// conditions in extended precision (Float80 where the platform has it).
@Suite("StableSwap fast rebalance")
struct StableSwapFastTests {
    #if arch(x86_64) || arch(i386)
    typealias Wide = Float80
    #else
    typealias Wide = Double
    #endif

    /// Independent reference for Ann = 4A (whitepaper A).
    struct Reference {
        let ann: Wide

        /// D of (x, y): the root of 4A(x + y) + D − 4AD − D³/(4xy) in (0, x + y], by bisection.
        func invariant(_ x: Double, _ y: Double) -> Wide {
            let x = Wide(x), y = Wide(y)
            func f(_ d: Wide) -> Wide { ann * (x + y) + d - ann * d - d * d * d / (4 * x * y) }
            var lo: Wide = 0, hi = x + y
            while true {
                let mid = (lo + hi) / 2
                if mid <= lo || mid >= hi { return mid }
                if f(mid) > 0 { lo = mid } else { hi = mid }
            }
        }

        /// v on the unit invariant for u: the positive root of Ann·v² + (Ann·u + 1 − Ann)·v − 1/(4u) = 0.
        func v(_ u: Wide) -> Wide {
            let b = ann * u + 1 - ann, c = 1 / (4 * u)
            let disc = (b * b + 4 * ann * c).squareRoot()
            return b > 0 ? 2 * c / (b + disc) : (disc - b) / (2 * ann)
        }

        /// Marginal price of x in y on the unit invariant at u (decreasing in u).
        func price(_ u: Wide) -> Wide {
            let v = v(u)
            return (ann + 1 / (4 * u * u * v)) / (ann + 1 / (4 * u * v * v))
        }

        /// (u, v) at price p: bisection on u to the last bit.
        func composition(_ p: Double) -> (u: Wide, v: Wide) {
            let p = Wide(p)
            var lo: Wide = 0.5, hi: Wide = 0.5
            while price(lo) < p { lo /= 2 }
            while price(hi) > p { hi *= 2 }
            while true {
                let mid = (lo + hi) / 2
                if mid <= lo || mid >= hi { return (mid, v(mid)) }
                if price(mid) > p { lo = mid } else { hi = mid }
            }
        }
    }

    static let onChainAs: [Double] = [1, 10, 50, 100, 200, 1000, 5000]

    /// 0.5 to 2 in steps of 0.01, 0.94 to 1 in steps of 0.0001, and their reciprocals.
    static let prices: [Double] = {
        var ps = (0...150).map { 0.5 + Double($0) / 100 }
        ps += (0...600).map { 0.94 + Double($0) / 10_000 }
        ps += ps.map { 1 / $0 }.filter { $0 >= 0.5 && $0 <= 2 }
        return ps
    }()

    /// Relative error of the rebalanced position against the reference, and
    /// the invariant residual |F|/(4A(x + y)) of the result, F evaluated in
    /// extended precision at the reference D.
    func errors(_ r: AMMPosition, p: Double, d: Wide, ref: Reference) -> (x: Double, y: Double, residual: Double, d: Double) {
        let c = ref.composition(p)
        let xr = c.u * d, yr = c.v * d
        let x = Wide(r.x), y = Wide(r.y)
        let f = ref.ann * (x + y) + d - ref.ann * d - d * d * d / (4 * x * y)
        return (Double(abs(x / xr - 1)), Double(abs(y / yr - 1)), Double(abs(f) / (ref.ann * (x + y))),
                Double(abs(ref.invariant(r.x, r.y) / d - 1)))
    }

    @Test("rebalance matches the independent solve to 1e-12 relative, invariant residual ≤ 1e-12, on prices 0.5–2 (0.94–1 densely)",
          arguments: onChainAs)
    func grid(onChainA: Double) {
        let model = StableSwapModel(onChainA: onChainA)
        let ref = Reference(ann: Wide(2 * onChainA))
        var worst = 0.0
        for (x0, y0) in [(1000.0, 1000.0), (1700.0, 300.0), (2.5e6, 4.1e6)] {
            let d = ref.invariant(x0, y0)
            for p in Self.prices {
                let r = model.rebalance(AMMPosition(x: x0, y: y0), to: p)
                let e = errors(r, p: p, d: d, ref: ref)
                worst = max(worst, e.x, e.y)
                #expect(e.x <= 1e-12 && e.y <= 1e-12, "A = \(onChainA), p = \(p), from (\(x0), \(y0)): errors \(e.x), \(e.y)")
                #expect(e.residual <= 1e-12 && e.d <= 1e-12, "A = \(onChainA), p = \(p): residual \(e.residual), D \(e.d)")
                #expect(abs(Wide(r.liquidity) / d - 1) <= 1e-14, "carries D")
            }
        }
        if ProcessInfo.processInfo.environment["STABLESWAP_PRINT_ERRORS"] != nil { print("A = \(onChainA): max relative error \(worst)") }
    }

    @Test("day after day from yesterday's position and D (the engine's use), the result stays on the first day's invariant and matches the slow path to 1e-12")
    func chained() {
        for onChainA in Self.onChainAs {
            let model = StableSwapModel(onChainA: onChainA)
            let ref = Reference(ann: Wide(2 * onChainA))
            var position = model.enter(value: 2000, price: 1)
            let d = ref.invariant(position.x, position.y)
            var price = 1.0
            for day in 0..<400 {
                // A deterministic walk with a depeg to 0.94 and back, and days without a move.
                price = day % 7 == 3 ? price : min(1.02, max(0.94, price * (1 + 0.004 * sin(Double(day) * 0.37) - (day > 100 && day < 140 ? 0.002 : 0))))
                let slow = model.slowRebalance(position, to: price)
                position = model.rebalance(position, to: price)
                let e = errors(position, p: price, d: d, ref: ref)
                #expect(e.x <= 1e-12 && e.y <= 1e-12 && e.d <= 1e-12, "A = \(onChainA), day \(day), p = \(price): \(e)")
                expectRelative(position.x, slow.x, 1e-12, "A = \(onChainA), day \(day), p = \(price), slow \(errors(slow, p: price, d: d, ref: ref))")
                expectRelative(position.y, slow.y, 1e-12, "A = \(onChainA), day \(day), p = \(price)")
            }
        }
    }

    @Test("the map alone: composition at prices from 1e-3 to 1e3, A up to the schema's 10⁶, matches the reference to 1e-12")
    func mapRange() {
        for onChainA in Self.onChainAs + [20_000, 1_000_000] {
            let map = StableSwapMap(ann: 2 * onChainA)
            let ref = Reference(ann: Wide(2 * onChainA))
            for i in -300...300 {
                let p = exp(Double(i) / 300 * log(1000.0))
                guard let c = map.composition(price: p) else {
                    Issue.record("A = \(onChainA), p = \(p): no composition")
                    continue
                }
                let r = ref.composition(p)
                expectRelative(c.u, Double(r.u), 1e-12, "A = \(onChainA), p = \(p)")
                expectRelative(c.v, Double(r.v), 1e-12, "A = \(onChainA), p = \(p)")
            }
            // Outside the table: nil, and the caller's bracketed search.
            #expect(map.composition(price: 2000) == nil && map.composition(price: 1 / 2000) == nil)
            #expect(map.composition(price: .infinity) == nil && map.composition(price: 0) == nil)
        }
    }

    @Test("prices outside the map (1e-4, 1/2000, 2000, 1e4) take the bracketed search and still match the reference (1e-10)")
    func farPrices() {
        for onChainA in [1.0, 100, 5000] {
            let model = StableSwapModel(onChainA: onChainA)
            let ref = Reference(ann: Wide(2 * onChainA))
            let d = ref.invariant(1000, 1000)
            for p in [1e-4, 1.0 / 2000, 2000, 1e4] {
                let r = model.rebalance(AMMPosition(x: 1000, y: 1000), to: p)
                let e = errors(r, p: p, d: d, ref: ref)
                #expect(e.x <= 1e-10 && e.y <= 1e-10 && e.d <= 1e-12, "A = \(onChainA), p = \(p): \(e)")
            }
        }
    }

    @Test("edge cases: an empty side or a non-positive target leaves the position; the current price leaves it exactly")
    func edges() {
        let model = StableSwapModel(onChainA: 200)
        for bad in [AMMPosition(x: 0, y: 10), AMMPosition(x: 10, y: 0), AMMPosition(x: -1, y: 10)] {
            #expect(model.rebalance(bad, to: 0.97) == bad)
        }
        #expect(model.rebalance(AMMPosition(x: 10, y: 10), to: 0) == AMMPosition(x: 10, y: 10))
        // Balanced: the price is exactly 1.
        let even = model.rebalance(AMMPosition(x: 500, y: 500), to: 1)
        #expect(even.x == 500 && even.y == 500)
        expectRelative(even.liquidity, 1000, 1e-15)
        // Rebalancing again to the same price returns the same balances.
        let moved = model.rebalance(AMMPosition(x: 500, y: 500), to: 0.97)
        let again = model.rebalance(moved, to: 0.97)
        expectRelative(again.x, moved.x, 1e-13)
        expectRelative(again.y, moved.y, 1e-13)
        // A stale or missing warm start gives the same D.
        let stale = model.rebalance(AMMPosition(x: moved.x * 1.01, y: moved.y * 1.01, liquidity: moved.liquidity), to: 0.97)
        expectRelative(stale.liquidity, 1.01 * moved.liquidity, 1e-14)
        expectRelative(stale.x, 1.01 * moved.x, 1e-13)
    }

    @Test("public API stays exact: balanceAtPrice and balance against the reference composition (1e-12)")
    func publicAPI() {
        for onChainA in [10.0, 200, 5000] {
            let a = onChainA / 2
            let ref = Reference(ann: Wide(2 * onChainA))
            for p in [0.5, 0.94, 0.97, 0.999, 1.001, 1.5] {
                let r = ref.composition(p)
                let x = StableSwapModel.balanceAtPrice(p, invariant: 1, whitepaperA: a)
                expectRelative(x, Double(r.u), 1e-12, "A = \(onChainA), p = \(p)")
                expectRelative(StableSwapModel.balance(other: Double(r.u), invariant: 1, whitepaperA: a), Double(r.v), 1e-12)
            }
        }
    }
}
