import Foundation
import Testing
@testable import YieldStack

@Suite("Liquidity pools")
struct LPTests {
    /// USDC into a TOK/USDC pool; TOK at 1 on day 0, `factor` from day 1.
    func pool(_ amm: String, factor: Double, days: Int = 2, extra: String = "") throws -> StrategyResult {
        let prices = [1.0] + [Double](repeating: factor, count: days - 1)
        let json = TestSupport.scenario(days: days, price: #"{ "model": "series", "values": [\#(prices.map(Format.plain).joined(separator: ", "))] }"#, strategies: """
            [ { "name": "s", "capital": { "asset": "USDC", "amount": 1000 },
                "layers": [ { "id": "pool", "type": "lp", "amm": "\(amm)", "pair": ["TOK", "USDC"]\(extra) } ] } ]
            """)
        return try TestSupport.run(json).strategies[0]
    }

    @Test("constant product: price ×4 → worth 80 % of holding (IL 20 %); ×2 → IL 5.72 %", arguments: [(4.0, 0.8), (2.0, 2 * 2.0.squareRoot() / 3)])
    func constantProduct(factor: Double, ratio: Double) throws {
        let s = try pool("constant_product", factor: factor)
        // Entry: 500 TOK and 500 USDC; holding them would be worth 500·factor + 500.
        let hold = 500 * factor + 500
        expectRelative(s.paths[0].finalEquity, hold * ratio, 1e-12)
        expectRelative(s.attribution[0][AttributionSource.impermanentLoss.index][0], hold * ratio - hold, 1e-9)
        if factor == 2 { #expect(Format.percent(1 - s.paths[0].finalEquity / hold) == "5.72 %") }
    }

    @Test("constant product against holding, for moves down and up: the engine's pool value over the hold value is 2√r/(1 + r) (1e-12 relative)",
          arguments: [0.25, 0.5, 0.9, 1.1, 3.0, 9.0])
    func constantProductClosedForm(factor r: Double) throws {
        let s = try pool("constant_product", factor: r)
        // Independent: k = 500 · 500; after arbitrage to price r the pool holds x = √(k/r), y = √(k·r),
        // worth x·r + y = 2·500·√r, against 500·r + 500 for holding: 2√r/(1 + r).
        let closedForm = 2 * r.squareRoot() / (1 + r)
        let hold = 500 * r + 500
        expectRelative(s.paths[0].finalEquity / hold, closedForm, 1e-12)
        expectRelative(s.layers[0].value[0], 1000 * r.squareRoot(), 1e-12)
        // Impermanent loss is never a gain, and vanishes only at r = 1.
        #expect(s.paths[0].finalEquity < hold)
    }

    @Test("StableSwap D and dy match an independent bisection implementation to 1e-9 (A = 50)",
          arguments: [(1000.0, 1000.0), (1500.0, 500.0), (100.0, 1900.0), (1.0, 3.0)])
    func stableSwap(x: Double, y: Double) {
        let a = 50.0
        // Independent: D solves f(D) = 4A(x+y) + D − 4AD − D³/(4xy) = 0 (f decreasing in D on (0, ∞) past the root).
        func f(_ d: Double) -> Double { 4 * a * (x + y) + d - 4 * a * d - d * d * d / (4 * x * y) }
        var lo = 0.0, hi = 2 * (x + y)
        for _ in 0..<200 { let mid = (lo + hi) / 2; if f(mid) > 0 { lo = mid } else { hi = mid } }
        let dRef = (lo + hi) / 2
        expectRelative(StableSwapModel.invariant(x: x, y: y, whitepaperA: a), dRef, 1e-9)
        // dy for dx = 10 % of x: the new y keeps D.
        let dx = 0.1 * x
        func g(_ yy: Double) -> Double { 4 * a * (x + dx + yy) + dRef - 4 * a * dRef - dRef * dRef * dRef / (4 * (x + dx) * yy) }
        var ylo = 1e-12, yhi = 10 * (x + y)
        for _ in 0..<300 { let mid = (ylo + yhi) / 2; if g(mid) < 0 { ylo = mid } else { yhi = mid } }
        let dyRef = y - (ylo + yhi) / 2
        expectRelative(StableSwapModel.outputAmount(dx: dx, x: x, y: y, whitepaperA: a), dyRef, 1e-9)
    }

    @Test("StableSwap arbitrage moves the pool to the market price on the same invariant; a balanced pool prices 1")
    func stableSwapArbitrage() {
        let model = StableSwapModel(whitepaperA: 50)
        let d = StableSwapModel.invariant(x: 1000, y: 1000, whitepaperA: 50)
        expectClose(StableSwapModel.price(x: 1000, y: 1000, invariant: d, whitepaperA: 50), 1, 1e-15)
        for target in [0.94, 0.99, 1.02] {
            let moved = model.rebalance(AMMPosition(x: 1000, y: 1000), to: target)
            let d2 = StableSwapModel.invariant(x: moved.x, y: moved.y, whitepaperA: 50)
            expectRelative(d2, d, 1e-12)
            expectRelative(StableSwapModel.price(x: moved.x, y: moved.y, invariant: d2, whitepaperA: 50), target, 1e-10)
        }
        // A depeg drains the healthy coin: at 0.94 the pool is heavy in x.
        let depeg = model.rebalance(AMMPosition(x: 1000, y: 1000), to: 0.94)
        #expect(depeg.x > 1500 && depeg.y < 500)
    }

    @Test("StableSwap keeps its price near 1 while unbalanced: a 3:1 pool prices 0.99125 (within 1 % of par, A = 100), a constant-product one at 1/3")
    func stableSwapFlat() {
        let x = 1500.0, y = 500.0, a = 100.0
        let d = StableSwapModel.invariant(x: x, y: y, whitepaperA: a)
        let price = StableSwapModel.price(x: x, y: y, invariant: d, whitepaperA: a)
        // By hand: f(D) = 4A(x+y) + D − 4AD − D³/(4xy); f(2000) = −666.67 and f'(2000) = 1 − 4A − 3D²/(4xy) = −403,
        // so one Newton step gives D = 1998.3457 (the next step moves it by ~1e-5). The marginal price is
        // p = (4A + D³/(4x²y)) / (4A + D³/(4xy²)) = 401.7734 / 405.3201 = 0.99125. The hand figures carry
        // 6 significant digits, hence the tolerance of 1e-5.
        expectClose(d, 1998.3457, 1e-3)
        expectClose(price, 0.99125, 1e-5)
        #expect(price < 1 && price > 0.99)
        // The same 3:1 pool under x·y = k is already at its market price y/x = 1/3: arbitrage to 1/3 leaves it where it is.
        let cp = ConstantProductModel().rebalance(AMMPosition(x: x, y: y), to: 1.0 / 3)
        expectRelative(cp.x, x, 1e-12)
        expectRelative(cp.y, y, 1e-12)
        // And StableSwap's price is far closer to par than constant product's: 1 − p ≈ 0.009 against 2/3.
        #expect(1 - price < (1 - 1.0 / 3) / 50)
    }

    @Test("amplification is the pool's on-chain A() = 2 × whitepaper A: on-chain 100 is whitepaper 50, the same pool")
    func onChainAmplification() {
        let onChain = StableSwapModel(onChainA: 100)
        #expect(onChain.whitepaperA == 50)
        #expect(onChain.onChainA == 100)
        let a = onChain.rebalance(AMMPosition(x: 1000, y: 1000), to: 0.97)
        let b = StableSwapModel(whitepaperA: 50).rebalance(AMMPosition(x: 1000, y: 1000), to: 0.97)
        #expect(a.x == b.x && a.y == b.y)
        // The scenario field goes through the on-chain constructor.
        let spec = LPSpec(amm: "stableswap", pair: ("stETH", "ETH"), amplification: 100, range: nil, feeAPR: nil, feeRate: nil,
                          dailyVolume: nil, poolValue: nil, incentives: [])
        #expect((StableSwapCurve.model(spec) as? StableSwapModel)?.whitepaperA == 50)
    }

    @Test("StableSwap position value after a depeg matches an independent solution of the invariant")
    func stableSwapDepegValue() throws {
        let s = try pool("stableswap", factor: 0.97, extra: #", "amplification": 200"#)
        // Independent: entry at par is balanced, 500/500, D = 1000; find x with marginal price 0.97 by bisection.
        let a = 100.0, ann = 400.0, d = 1000.0
        func yOf(_ x: Double) -> Double {
            var lo = 1e-12, hi = 10 * d
            for _ in 0..<300 {
                let mid = (lo + hi) / 2
                if ann * (x + mid) + d - ann * d - d * d * d / (4 * x * mid) < 0 { lo = mid } else { hi = mid }
            }
            return (lo + hi) / 2
        }
        func price(_ x: Double) -> Double {
            let y = yOf(x)
            return (ann + d * d * d / (4 * x * x * y)) / (ann + d * d * d / (4 * x * y * y))
        }
        var lo = 500.0, hi = 999.0
        for _ in 0..<200 { let mid = (lo + hi) / 2; if price(mid) > 0.97 { lo = mid } else { hi = mid } }
        let x = (lo + hi) / 2
        _ = a
        expectRelative(s.paths[0].finalEquity, x * 0.97 + yOf(x), 1e-9)
        let hold = 500 * 0.97 + 500
        expectRelative(s.attribution[0][AttributionSource.impermanentLoss.index][0], x * 0.97 + yOf(x) - hold, 1e-6)
        #expect(s.paths[0].finalEquity < hold)
    }

    @Test("concentrated amounts inside, below and above the range match the v3 formulas")
    func concentratedAmounts() {
        let m = ConcentratedLiquidityModel(lower: 0.9, upper: 1.1)
        let l = 1000.0
        let inside = m.amounts(liquidity: l, price: 1.0)
        expectClose(inside.x, l * (1 / 1.0 - 1 / 1.1.squareRoot()), 1e-12)
        expectClose(inside.y, l * (1.0 - 0.9.squareRoot()), 1e-12)
        let below = m.amounts(liquidity: l, price: 0.8)
        expectClose(below.x, l * (1 / 0.9.squareRoot() - 1 / 1.1.squareRoot()), 1e-12)
        #expect(below.y == 0)
        let above = m.amounts(liquidity: l, price: 1.2)
        #expect(above.x == 0)
        expectClose(above.y, l * (1.1.squareRoot() - 0.9.squareRoot()), 1e-12)
        // Entry at value V solves L from V = x·p + y.
        let entry = m.enter(value: 500, price: 1.0)
        expectClose(entry.value(at: 1.0), 500, 1e-12)
    }

    @Test("a concentrated position earns fees only in range")
    func concentratedFees() throws {
        let inRange = try pool("concentrated", factor: 1.0, days: 11, extra: #", "range": [0.9, 1.1], "fee_apr": 0.365"#)
        let outOfRange = try pool("concentrated", factor: 1.5, days: 11, extra: #", "range": [0.9, 1.1], "fee_apr": 0.365"#)
        // 11 days in range at 0.1 % a day on 1,000 (fees collected, not compounded).
        expectRelative(inRange.attribution[0][AttributionSource.lpFees.index][0], 11 * 1000 * 0.001, 1e-9)
        // Only day 0 was in range.
        expectRelative(outOfRange.attribution[0][AttributionSource.lpFees.index][0], 1000 * 0.001, 1e-9)
    }

    @Test("fees by APR compound in the pool; volume fees pay fee_rate × volume × share; incentives pay in their own token")
    func feesAndIncentives() throws {
        let apr = try pool("constant_product", factor: 1.0, days: 10, extra: #", "fee_apr": 0.0365"#)
        expectRelative(apr.paths[0].finalEquity, 1000 * pow(1.0001, 10.0), 1e-12)
        let volume = try pool("constant_product", factor: 1.0, days: 10, extra: #", "fee_rate": 0.003, "daily_volume": 100000, "pool_value": 1000000"#)
        // Share 1,000 / 1,000,000; 300 of fees a day in the pool, 0.3 to us.
        expectRelative(volume.attribution[0][AttributionSource.lpFees.index][0], 10 * 0.3, 1e-9)
        let incentives = try pool("constant_product", factor: 1.0, days: 10, extra: #", "incentives": [ { "asset": "USDC", "apr": 0.0365 } ]"#)
        expectRelative(incentives.attribution[0][AttributionSource.incentives.index][0], 10 * 1000 * 0.0001, 1e-9)
    }
}
