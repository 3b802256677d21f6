import Foundation
import Testing
@testable import YieldStack

@Suite("Fixed yield (principal tokens)")
struct FixedYieldTests {
    /// USDe and USDC at 1, PT-USDe maturing on 2024-04-10 = day 100 of a run
    /// from 2024-01-01 (2024 is a leap year: 31 + 29 + 31 + 9 days).
    func scenario(days: Int, implied: String = "0.1", underlying: String = #"{ "model": "constant", "value": 1.0 }"#,
                  ptUnderlying: String = "USDe", strategies: String) -> String {
        """
        { "name": "pt", "start": "2024-01-01", "days": \(days), "seed": 5,
          "market": { "assets": {
            "USDe": { "price": \(underlying) },
            "USDC": { "price": { "model": "constant", "value": 1.0 } },
            "PT-USDe": { "price": { "model": "fixed_yield", "underlying": "\(ptUnderlying)", "maturity": "2024-04-10", "implied_apy": \(implied) } } } },
          "strategies": \(strategies) }
        """
    }

    func series(_ days: Int, _ f: (Int) -> Double) -> String {
        #"{ "model": "series", "values": ["# + (0..<days).map { "\(f($0))" }.joined(separator: ", ") + "] }"
    }

    func strategy(capital: String = "USDe", slippage: Double = 0, extraLayers: String = "", rules: String = "[]") -> String {
        """
        [ { "name": "s", "capital": { "asset": "\(capital)", "amount": 1000 },
            "layers": [ { "id": "pt", "type": "fixed_yield", "token": "PT-USDe", "slippage": \(slippage) }\(extraLayers) ],
            "rules": \(rules) } ]
        """
    }

    let tokens = 1000 * pow(1.1, 100.0 / 365)

    @Test("1,000 USDe into a PT at 10 % implied, 100 days to maturity, buys 1000 × 1.1^(100/365) PT, redeemed into that many USDe at maturity whatever the implied APY did")
    func holdToMaturity() throws {
        for implied in [series(110) { 0.1 + 0.002 * Double($0) }, series(110) { $0 == 0 ? 0.1 : 0.3 - 0.001 * Double($0) }] {
            let r = try TestSupport.run(scenario(days: 110, implied: implied, strategies: strategy()))
            let s = r.strategies[0]
            expectRelative(s.layerDaily.first { $0.day == 0 }!.amount, tokens, 1e-12)
            let maturity = try #require(s.events.first { $0.kind == .maturity })
            #expect(maturity.day == 100)
            #expect(maturity.asset == "USDe")
            expectRelative(maturity.amount ?? 0, tokens, 1e-12)
            #expect(s.layers[0].amount[0] == 0)
            expectRelative(s.paths[0].finalEquity, tokens, 1e-12)
        }
    }

    @Test("sold on day 40 after the implied APY rose to 20 %, each PT fetches 1.2^(−60/365) USDe less the slippage")
    func earlySale() throws {
        let implied = series(50) { $0 < 40 ? 0.1 : 0.2 }
        let r = try TestSupport.run(scenario(days: 50, implied: implied, strategies: strategy(
            rules: #"[ { "when": { "day": 40 }, "then": { "action": "exit", "slippage": 0.002 } } ]"#)))
        let s = r.strategies[0]
        let received = tokens * pow(1.2, -60.0 / 365) * (1 - 0.002)
        expectRelative(s.paths[0].finalEquity, received, 1e-12)
        let sale = try #require(s.events.first { $0.kind == .redemption })
        #expect(sale.day == 40)
        expectRelative(sale.amount ?? 0, received, 1e-12)
        // The loss against the day-39 price is duration risk: a price effect.
        let costs = s.attribution[0][AttributionSource.costs.index][0]
        expectRelative(costs, -tokens * pow(1.2, -60.0 / 365) * 0.002, 1e-12)
        #expect(s.attribution[0][AttributionSource.price.index][0] < 0)
    }

    @Test("held at a constant 10 % implied APY, fixed_yield is the accretion tokens × (P_d − P_0) and the price effect is 0")
    func attributionConstant() throws {
        for days in [51, 101, 120] {
            let r = try TestSupport.run(scenario(days: days, strategies: strategy()))
            let s = r.strategies[0]
            let end = min(days - 1, 100)
            let accretion = tokens * (pow(1.1, -Double(100 - end) / 365) - pow(1.1, -100.0 / 365))
            expectRelative(s.attribution[0][AttributionSource.fixedYield.index][0], accretion, 1e-9)
            expectClose(s.attribution[0][AttributionSource.price.index][0], 0, 1e-9)
            expectRelative(s.paths[0].finalEquity, 1000 + accretion, 1e-12)
        }
    }

    @Test("with a moving underlying and implied APY, fixed_yield = Σ tokens × P_{d−1} × ((1 + y_{d−1})^(1/365) − 1) and the sources add up to the equity change")
    func attributionMoving() throws {
        let days = 80
        let u: (Int) -> Double = { 1 + 0.01 * sin(Double($0)) }
        let y: (Int) -> Double = { 0.1 + 0.001 * Double($0) }
        let r = try TestSupport.run(scenario(days: days, implied: series(days, y), underlying: series(days, u),
                                             strategies: strategy(slippage: 0.001)))
        let s = r.strategies[0]
        let price: (Int) -> Double = { d in u(d) * pow(1 + y(d), -Double(100 - d) / 365) }
        let held = 1000 * 0.999 / price(0)
        var expected = 0.0
        for d in 1..<days { expected += held * price(d - 1) * (pow(1 + y(d - 1), 1.0 / 365) - 1) }
        let fixedYield = s.attribution[0][AttributionSource.fixedYield.index][0]
        expectRelative(fixedYield, expected, 1e-9)
        let total = s.attribution.reduce(0) { acc, owner in acc + owner.reduce(0) { $0 + $1[0] } }
        expectClose(total, s.paths[0].finalEquity - 1000, 1e-9)
        expectRelative(s.paths[0].finalEquity, held * price(days - 1), 1e-12)
    }

    @Test("a PT loop at target LTV t buys PT at its price less slippage: 2 loops post C₀(1 + q + q²), q = t(1 − s), and owe t × collateral × P_PT")
    func loop() throws {
        let s = 0.002, t = 0.8
        let r = try TestSupport.run(scenario(days: 1, strategies: strategy(slippage: s, extraLayers: """
            , { "id": "morpho", "type": "lending", "borrow": "USDe", "max_ltv": 0.86, "liquidation_threshold": 0.915,
                "liquidation_bonus": 0.02, "target_ltv": \(t), "borrow_apr": 0, "loop": { "via": "pt", "times": 2 } }
            """)))
        let res = r.strategies[0]
        let price = pow(1.1, -100.0 / 365)
        let c0 = 1000 * (1 - s) / price
        let q = t * (1 - s)
        let collateral = c0 * (1 + q + q * q)
        expectRelative(res.layers[1].amount[0], collateral, 1e-12)
        expectRelative(res.layers[1].debt[0], t * collateral * price, 1e-12)
        // Loop purchases: b₁ = t·C₀·P, b₂ = q·b₁ borrowed USDe, each losing s.
        let b1 = t * c0 * price
        expectRelative(res.attribution[1][AttributionSource.costs.index][0], -(b1 + q * b1) * s, 1e-12)
        #expect(res.layers[0].amount[0] == 0)
    }

    @Test("a releverage on a PT loop borrows y with D + y = t(C + k·y)·P, k = (1 − s)/P")
    func releverage() throws {
        let s = 0.002
        let r = try TestSupport.run(scenario(days: 2, strategies: strategy(slippage: s, extraLayers: """
            , { "id": "morpho", "type": "lending", "borrow": "USDe", "max_ltv": 0.86, "liquidation_threshold": 0.915,
                "liquidation_bonus": 0.02, "target_ltv": 0.5, "borrow_apr": 0, "loop": { "via": "pt", "times": 1 } }
            """, rules: #"[ { "when": { "day": 1 }, "then": { "action": "releverage", "layer": "morpho", "target_ltv": 0.8 } } ]"#)))
        let res = r.strategies[0]
        let price = pow(1.1, -99.0 / 365)
        let collateral = res.layers[1].amount[0], debt = res.layers[1].debt[0]
        expectRelative(debt / (collateral * price), 0.8, 1e-12)
    }

    @Test("an input other than the underlying is swapped at market: 1,000 USDC at 1 buys as many PT as 1,000 USDe")
    func swappedInput() throws {
        let r = try TestSupport.run(scenario(days: 2, strategies: strategy(capital: "USDC")))
        expectRelative(r.strategies[0].layerDaily.first { $0.day == 0 }!.amount, tokens, 1e-12)
    }

    private func messages(_ json: String, at path: String) -> [String] {
        TestSupport.diagnostics(json).filter { $0.path.description == path }.map(\.message)
    }

    @Test("validation: the token needs a fixed_yield model, the input cannot be the token, the underlying must be another existing asset")
    func validation() {
        let notPT = scenario(days: 2, strategies: strategy().replacingOccurrences(of: "\"token\": \"PT-USDe\"", with: "\"token\": \"USDC\""))
        #expect(messages(notPT, at: "strategies[0].layers[0].token")
                == [#"'USDC' must be a market asset with a fixed_yield price model ({"model": "fixed_yield", "underlying": …, "maturity": …, "implied_apy": …})"#])
        #expect(messages(scenario(days: 2, strategies: strategy(capital: "PT-USDe")), at: "strategies[0].layers[0].token")
                == ["this layer receives PT-USDe, the token itself; give it the underlying USDe (or an asset to swap at market)"])
        #expect(messages(scenario(days: 2, ptUnderlying: "PT-USDe", strategies: strategy()), at: "market.assets.PT-USDe.price.underlying")
                == ["'PT-USDe' cannot be priced from itself; name another asset"])
        #expect(messages(scenario(days: 2, ptUnderlying: "USDf", strategies: strategy()), at: "market.assets.PT-USDe.price.underlying")
                == ["unknown asset 'USDf' (did you mean 'USDe'?)"])
        let twice = scenario(days: 2, strategies: strategy(extraLayers: #", { "id": "pt2", "type": "fixed_yield", "token": "PT-USDe", "input": { "from": "pt", "fraction": 0.5 } }"#))
        #expect(!TestSupport.diagnostics(twice).isEmpty)
    }

    @Test("a chain of dependencies that comes back to the token is a cycle")
    func cycle() {
        let json = scenario(days: 2, ptUnderlying: "sX", strategies: strategy()).replacingOccurrences(of: #""USDC": {"#, with: #""sX": { "peg": { "to": "PT-USDe", "ratio": 1.0 } }, "USDC": {"#)
        #expect(messages(json, at: "market.assets.PT-USDe.price.underlying")
                == ["the prices PT-USDe → sX → PT-USDe depend on each other in a cycle; the chain must end at an asset with a price of its own"])
    }

    @Test("a random implied APY: 200 paths in 1 or 3 chunks give the same results, every path redeems the same USDe at maturity and the attribution adds up")
    func monteCarlo() throws {
        let implied = #"{ "model": "mean_reverting", "start": 0.1, "mean": 0.15, "speed": 4, "volatility": 0.2 }"#
        let json = scenario(days: 110, implied: implied, strategies: strategy(
            rules: #"[ { "when": { "metric": "apr", "layer": "pt", "above": 0.2 }, "then": { "action": "withdraw", "layer": "pt", "fraction": 0.5, "slippage": 0.001 }, "once": true } ]"#))
        let loaded = try TestSupport.load(json).scenario
        var one = SimulationOptions(); one.paths = 200; one.threads = 1; one.chunkSize = 200
        var three = one; three.threads = 2; three.chunkSize = 70
        let a = try Simulation.run(loaded, options: one).strategies[0]
        let b = try Simulation.run(loaded, options: three).strategies[0]
        #expect(a.paths.map(\.finalEquity) == b.paths.map(\.finalEquity))
        // Paths that never sold hold exactly 1000 × 1.1^(100/365) USDe; the others differ.
        let held = a.paths.filter { abs($0.finalEquity - tokens) < 1e-9 }.count
        #expect(held > 0 && held < 200)
    }

    @Test("a maturity before the start prices the PT at par: 1,000 USDe buy 1,000 PT, redeemed on day 0")
    func alreadyMatured() throws {
        let json = scenario(days: 3, strategies: strategy()).replacingOccurrences(of: "2024-04-10", with: "2023-06-30")
        let s = try TestSupport.run(json).strategies[0]
        let maturity = try #require(s.events.first { $0.kind == .maturity })
        #expect(maturity.day == 0)
        expectRelative(maturity.amount ?? 0, 1000, 1e-12)
        expectRelative(s.paths[0].finalEquity, 1000, 1e-12)
    }
}
