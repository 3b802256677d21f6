import Foundation
import Testing
@testable import YieldStack

/// Soft (flexible) staking, DOMAIN "Soft staking": reward = average of the
/// day's snapshots (limited by min/max) × APY / 365.
@Suite("Soft staking")
struct SoftStakingTests {
    func strategy(_ layer: String, flows: String = "[]", capital: Double = 1000) -> String {
        """
        [ { "name": "s", "capital": { "asset": "TOK", "amount": \(capital) },
            "layers": [ { "id": "earn", "type": "soft_staking", \(layer) } ], "flows": \(flows) } ]
        """
    }

    func yieldTokens(_ result: SimulationResult) -> Double { result.strategies[0].layers[0].yieldTokens[0] }

    @Test("1,000 tokens at 5 % APY for one day earn 1000 × 0.05 / 365 ≈ 0.1370")
    func oneDay() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 1, strategies: strategy(#""apy": 0.05"#)))
        let expected = 1000 * 0.05 / 365
        expectClose(yieldTokens(r), expected, 1e-12)
        #expect(Format.fixed(yieldTokens(r), 4) == "0.1370")
        // Valued at the token's price (2) and attributed to staking.
        expectClose(r.strategies[0].attribution[0][AttributionSource.staking.index][0], expected * 2, 1e-10)
    }

    @Test("a deposit at hour 12 that doubles the balance earns on the snapshot average, 1,500")
    func intradayDeposit() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 1, strategies: strategy(#""apy": 0.05"#, flows: #"[ { "day": 0, "hour": 12, "amount": 1000 } ]"#)))
        // Snapshots at hours 0…11 see 1,000; hours 12…23 see 2,000.
        let average = (12 * 1000.0 + 12 * 2000.0) / 24
        expectClose(yieldTokens(r), average * 0.05 / 365, 1e-12)
        expectClose(r.strategies[0].layers[0].amount[0], 2000 + average * 0.05 / 365, 1e-9)
    }

    @Test("with 4 snapshots a deposit at hour 7 counts from the 12:00 snapshot on")
    func coarseSnapshots() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 1, strategies: strategy(#""apy": 0.05, "snapshots_per_day": 4"#,
                                                                                 flows: #"[ { "day": 0, "hour": 7, "amount": 1000 } ]"#)))
        let average = (2 * 1000.0 + 2 * 2000.0) / 4
        expectClose(yieldTokens(r), average * 0.05 / 365, 1e-12)
    }

    @Test("a withdrawal at hour 6 counts in the snapshots from hour 6")
    func intradayWithdrawal() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 1, strategies: strategy(#""apy": 0.05"#, flows: #"[ { "day": 0, "hour": 6, "amount": -400 } ]"#)))
        let average = (6 * 1000.0 + 18 * 600.0) / 24
        expectClose(yieldTokens(r), average * 0.05 / 365, 1e-12)
    }

    @Test("max_balance caps what earns")
    func maxBalance() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 1, strategies: strategy(#""apy": 0.05, "max_balance": 600"#)))
        expectClose(yieldTokens(r), 600 * 0.05 / 365, 1e-12)
    }

    @Test("below min_balance nothing is earned; a deposit crossing it earns for the snapshots above it")
    func minBalance() throws {
        let none = try TestSupport.run(TestSupport.scenario(days: 1, strategies: strategy(#""apy": 0.05, "min_balance": 1500"#)))
        #expect(yieldTokens(none) == 0)
        let crossing = try TestSupport.run(TestSupport.scenario(days: 1, strategies: strategy(#""apy": 0.05, "min_balance": 1500"#,
                                                                                     flows: #"[ { "day": 0, "hour": 18, "amount": 1000 } ]"#)))
        let average = (18 * 0.0 + 6 * 2000.0) / 24
        expectClose(yieldTokens(crossing), average * 0.05 / 365, 1e-12)
    }

    @Test("auto_compound grows the balance as (1 + APY/365)^n")
    func autoCompound() throws {
        let n = 30
        let r = try TestSupport.run(TestSupport.scenario(days: n, strategies: strategy(#""apy": 0.05, "auto_compound": true"#)))
        expectRelative(r.strategies[0].layers[0].amount[0], 1000 * pow(1 + 0.05 / 365, Double(n)), 1e-13)
    }

    @Test("without auto_compound the rewards sit beside the balance and do not earn")
    func simpleRewards() throws {
        let n = 30
        let r = try TestSupport.run(TestSupport.scenario(days: n, strategies: strategy(#""apy": 0.05"#)))
        expectRelative(r.strategies[0].layers[0].amount[0], 1000 + Double(n) * 1000 * 0.05 / 365, 1e-13)
    }

    @Test("a withdrawal larger than the balance takes what there is and records the shortfall")
    func overdraw() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 2, strategies: strategy(#""apy": 0"#, flows: #"[ { "day": 1, "amount": -1500 } ]"#)))
        #expect(r.strategies[0].layers[0].amount[0] == 0)
        let refused = r.strategies[0].events.filter { $0.kind == .refusedAction }
        #expect(refused.count == 1)
        #expect(refused.first?.amount == -500)
        // The 1,000 withdrawn at price 2 leave the strategy as a flow, not a loss.
        expectClose(r.strategies[0].paths[0].netFlows, -2000, 1e-9)
        expectClose(r.strategies[0].paths[0].totalReturn, 0, 1e-12)
    }

    @Test("a rate series sets each day's APY")
    func rateSeries() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 3, strategies: strategy(#""apy": { "model": "series", "values": [0.01, 0.1, 0.2] }"#)))
        expectClose(yieldTokens(r), 1000 * (0.01 + 0.1 + 0.2) / 365, 1e-12)
    }
}
