import Foundation
import Testing
@testable import YieldStack

/// Staking-type rates (liquid_staking and restaking `apr`, soft staking
/// `apy`) may be negative down to −1; lending rates stay ≥ 0 (SPEC §2.3).
@Suite("Negative yields")
struct NegativeRateTests {
    /// APR from +15 % on day 0 down to −5 % on day `days − 1`, linearly.
    static func funding(days: Int) -> [Double] {
        (0..<days).map { 0.15 - 0.20 * Double($0) / Double(days - 1) }
    }

    @Test("sUSDe-style liquid_staking: an APR series from +15 % to −5 % grows then shrinks the balance as 100 × Π(1 + r_d/365), to 1e-12")
    func susdeSeries() throws {
        let days = 60
        let rates = Self.funding(days: days)
        let values = rates.map { Format.plain($0) }.joined(separator: ", ")
        // The fee is a share of rewards: it does not soften the negative days.
        let r = try TestSupport.run(DeFi.scenario(days: days, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "ethena", "type": "liquid_staking", "receipt": "stETH", "protocol_fee": 0.1,
                              "apr": { "model": "series", "values": [\(values)] }, "redemption": { "queue_days": 7 } } ] } ]
            """))
        let s = r.strategies[0]
        let parsed = rates.map { Double(Format.plain($0))! }
        let expected = parsed.reduce(100.0) { $0 * (1 + ($1 > 0 ? $1 * 0.9 : $1) / 365) }
        expectRelative(s.layers[0].amount[0], expected, 1e-12)
        expectRelative(s.layers[0].yieldTokens[0], expected - 100, 1e-9)
        expectRelative(s.attribution[0][AttributionSource.staking.index][0], (expected - 100) * 2000, 1e-9)
        #expect(s.paths[0].finalEquity.isFinite)
        // Without the fee, the plain product.
        let plain = try TestSupport.run(DeFi.scenario(days: days, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "ethena", "type": "liquid_staking", "receipt": "stETH", "apr": { "model": "series", "values": [\(values)] } } ] } ]
            """)).strategies[0]
        expectRelative(plain.layers[0].amount[0], parsed.reduce(100.0) { $0 * (1 + $1 / 365) }, 1e-12)
    }

    @Test("a negative flat APR shrinks the balance and the staking source is negative: 100 × (1 − 0.05/365)^30")
    func negativeFlat() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 30, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "ethena", "type": "liquid_staking", "receipt": "stETH", "apr": -0.05, "mode": "exchange_rate" } ] } ]
            """))
        let s = r.strategies[0]
        let expected = 100 * pow(1 - 0.05 / 365, 30.0)
        // exchange_rate mode: the wrapped units stay 100, the value shrinks.
        expectRelative(s.layers[0].amount[0], 100, 1e-12)
        expectRelative(s.paths[0].finalEquity, expected * 2000, 1e-12)
        #expect(s.attribution[0][AttributionSource.staking.index][0] < 0)
    }

    @Test("a mean_reverting staking rate may go below 0 (floor −1): volatility 0 at −0.5 → 100 × (1 − 0.5/365)^20")
    func negativeMeanReverting() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 20, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "ethena", "type": "liquid_staking", "receipt": "stETH",
                              "apr": { "model": "mean_reverting", "start": -0.5, "mean": -0.5, "speed": 10, "volatility": 0 } } ] } ]
            """))
        expectRelative(r.strategies[0].layers[0].amount[0], 100 * pow(1 - 0.5 / 365, 20.0), 1e-12)
    }

    @Test("restaking at −2 % with a 10 % fee: 100 × (1 − 0.02/365)^30 (the fee takes no share of a loss)")
    func negativeRestaking() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 30, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "eigen", "type": "restaking", "receipt": "stETH", "apr": -0.02, "fee": 0.1 } ] } ]
            """))
        let s = r.strategies[0]
        expectRelative(s.layers[0].amount[0], 100 * pow(1 - 0.02 / 365, 30.0), 1e-12)
        #expect(s.attribution[0][AttributionSource.restaking.index][0] < 0)
    }

    @Test("soft staking at −10 % APY charges the stake daily: 1000 × (1 − 0.1/365)^10")
    func negativeSoftStaking() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 10, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 }, "layers": [ { "id": "earn", "type": "soft_staking", "apy": -0.1 } ] } ]
            """))
        let s = r.strategies[0]
        let expected = 1000 * pow(1 - 0.1 / 365, 10.0)
        expectRelative(s.layers[0].amount[0], expected, 1e-12)
        expectRelative(s.attribution[0][AttributionSource.staking.index][0], (expected - 1000) * 2, 1e-9)
    }

    @Test("bounds: staking rates go down to −1; lending rates, and anything below −1, are refused")
    func bounds() {
        func problems(_ layer: String, capital: String = "ETH") -> [String: String] {
            let json = DeFi.scenario(days: 3, strategies: """
                [ { "name": "s", "capital": { "asset": "\(capital)", "amount": 100 }, "layers": [ \(layer) ] } ]
                """)
            return Dictionary(TestSupport.diagnostics(json).map { ($0.path.description, $0.message) }, uniquingKeysWith: { a, b in a + " / " + b })
        }
        #expect(problems(#"{ "id": "l", "type": "liquid_staking", "receipt": "stETH", "apr": -1 }"#).isEmpty)
        #expect(problems(#"{ "id": "l", "type": "liquid_staking", "receipt": "stETH", "apr": -1.5 }"#)["strategies[0].layers[0].apr"] != nil)
        let series = problems(#"{ "id": "l", "type": "liquid_staking", "receipt": "stETH", "apr": { "model": "series", "values": [0.1, -0.2, -2] } }"#)
        #expect(series["strategies[0].layers[0].apr.values[2]"]?.hasPrefix("must be in [-1, 100], got -2") == true)
        #expect(problems(#"{ "id": "l", "type": "liquid_staking", "receipt": "stETH", "apr": { "model": "series", "values": [0.1, -0.2, -1] } }"#).isEmpty)
        let lending = problems(DeFi.lending(borrowAPR: #"{ "model": "series", "values": [0.01, -0.01, 0.01] }"#), capital: "stETH")
        #expect(lending["strategies[0].layers[0].borrow_apr.values[1]"]?.hasPrefix("must be in [0, 100]") == true)
        #expect(!problems(DeFi.lending(borrowAPR: "-0.01"), capital: "stETH").isEmpty)
    }
}
