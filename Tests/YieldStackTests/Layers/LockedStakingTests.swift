import Foundation
import Testing
@testable import YieldStack

/// Locked staking, DOMAIN "Locked staking": simple interest on principal,
/// paid daily or at maturity; early exit forbidden, forfeiting or penalised;
/// unbonding delays liquidity.
@Suite("Locked staking")
struct LockedStakingTests {
    func scenario(days: Int, lock: String, rules: String = "[]", price: String = #"{ "model": "constant", "value": 2 }"#) -> String {
        TestSupport.scenario(days: days, price: price, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 },
                "layers": [ { "id": "lock", "type": "locked_staking", \(lock) } ], "rules": \(rules) } ]
            """)
    }

    func spot(_ r: SimulationResult, _ asset: Int = 0) -> Double {
        // Spot wallet = equity minus the layer's value, in tokens of the only asset.
        let s = r.strategies[0]
        return (s.paths[0].finalEquity - s.layers[0].value[0]) / 2
    }

    @Test("90 days at 12 % APR pay 1000 × 0.12 × 90/365 at maturity")
    func maturityPayout() throws {
        let r = try TestSupport.run(scenario(days: 100, lock: #""apr": 0.12, "term_days": 90"#))
        let s = r.strategies[0]
        let expected = 1000 * 0.12 * 90 / 365
        expectClose(s.layers[0].yieldTokens[0], expected, 1e-9)
        let payout = try #require(s.events.first { $0.kind == .rewardPayout })
        #expect(payout.day == 89)
        expectClose(payout.amount ?? 0, expected, 1e-9)
        #expect(s.events.first { $0.kind == .maturity }?.day == 89)
        // Principal and rewards are liquid in spot; nothing stays locked.
        #expect(s.layers[0].amount[0] == 0)
        expectClose(s.paths[0].finalEquity, (1000 + expected) * 2, 1e-9)
    }

    @Test("daily payout pays principal × APR / 365 each day into spot, not compounded")
    func dailyPayout() throws {
        let r = try TestSupport.run(scenario(days: 10, lock: #""apr": 0.12, "term_days": 90, "payout": "daily""#))
        let s = r.strategies[0]
        expectClose(s.layers[0].amount[0], 1000, 1e-12)
        expectClose(spot(r), 10 * 1000 * 0.12 / 365, 1e-9)
    }

    @Test("an exit rule before maturity with early_exit forbidden is refused and recorded")
    func forbidden() throws {
        let r = try TestSupport.run(scenario(days: 30, lock: #""apr": 0.12, "term_days": 90"#,
                                             rules: #"[ { "when": { "day": 10 }, "then": { "action": "exit" } } ]"#))
        let s = r.strategies[0]
        let refused = try #require(s.events.first { $0.kind == .refusedAction })
        #expect(refused.day == 10)
        #expect(refused.layer == "lock")
        #expect(refused.detail.contains("early exit is forbidden; the lock matures on day 89"))
        #expect(!s.events.contains { $0.kind == .rule })
        expectClose(s.layers[0].amount[0], 1000 + 30 * 1000 * 0.12 / 365, 1e-9)
    }

    @Test("with forfeit_rewards the principal returns without rewards")
    func forfeit() throws {
        let r = try TestSupport.run(scenario(days: 30, lock: #""apr": 0.12, "term_days": 90, "early_exit": "forfeit_rewards""#,
                                             rules: #"[ { "when": { "day": 10 }, "then": { "action": "exit" } } ]"#))
        let s = r.strategies[0]
        #expect(s.layers[0].amount[0] == 0)
        expectClose(spot(r), 1000, 1e-9)
        expectClose(s.layers[0].yieldTokens[0], 0, 1e-12)
        // The 11 days of rewards (days 0…10) show up as a cost.
        expectClose(s.attribution[0][AttributionSource.costs.index][0], -11 * 1000 * 0.12 / 365 * 2, 1e-9)
        #expect(s.events.contains { $0.kind == .rule && $0.day == 10 })
    }

    @Test("forfeit_rewards with daily payout deducts the paid rewards from the principal")
    func forfeitDaily() throws {
        let r = try TestSupport.run(scenario(days: 30, lock: #""apr": 0.12, "term_days": 90, "payout": "daily", "early_exit": "forfeit_rewards""#,
                                             rules: #"[ { "when": { "day": 10 }, "then": { "action": "exit" } } ]"#))
        // 11 days were paid out, then clawed back: the holder ends with exactly 1,000.
        expectClose(spot(r), 1000, 1e-9)
    }

    @Test("a penalty exit keeps the rewards and loses a share of principal")
    func penalty() throws {
        let r = try TestSupport.run(scenario(days: 30, lock: #""apr": 0.12, "term_days": 90, "early_exit": { "penalty": 0.02 }"#,
                                             rules: #"[ { "when": { "day": 10 }, "then": { "action": "exit" } } ]"#))
        expectClose(spot(r), 1000 * 0.98 + 11 * 1000 * 0.12 / 365, 1e-9)
    }

    @Test("unbonding_days delays liquidity: tokens exited on day 10 arrive on day 15 and convert at that day's price")
    func unbonding() throws {
        // Price 2 until day 12, then 1: converting at exit (2) and at release (1) differ by half.
        let price = #"{ "model": "series", "values": [2,2,2,2,2,2,2,2,2,2,2,2,1,1,1,1,1,1,1,1] }"#
        let r = try TestSupport.run(scenario(days: 20, lock: #""apr": 0, "term_days": 90, "early_exit": { "penalty": 0 }, "unbonding_days": 5"#,
                                             rules: #"[ { "when": { "day": 10 }, "then": { "action": "exit", "to": "USDC" } } ]"#, price: price))
        let s = r.strategies[0]
        let released = try #require(s.events.first { $0.kind == .unbonded })
        #expect(released.day == 15)
        #expect(released.detail.contains("\"received\":1000"))
        expectClose(s.paths[0].finalEquity, 1000, 1e-9)
        // While unbonding the tokens are still the layer's (not liquid).
        let day14 = try #require(s.layerDaily.first { $0.day == 14 })
        #expect(day14.amount == 1000)
        let day15 = try #require(s.layerDaily.first { $0.day == 15 })
        #expect(day15.amount == 0)
    }

    @Test("renew re-locks the principal at maturity and pays the rewards out")
    func renew() throws {
        let r = try TestSupport.run(scenario(days: 25, lock: #""apr": 0.1, "term_days": 10, "renew": true"#))
        let s = r.strategies[0]
        #expect(s.events.filter { $0.kind == .maturity }.map(\.day) == [9, 19])
        // Rewards: two full terms paid, five days accrued in the third.
        let perDay = 1000 * 0.1 / 365
        expectClose(spot(r), 20 * perDay, 1e-9)
        expectClose(s.layers[0].amount[0], 1000 + 5 * perDay, 1e-9)
    }

    @Test("a withdrawal flow cannot take tokens out of a lock")
    func withdrawalFlowRefused() throws {
        let json = TestSupport.scenario(days: 5, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 },
                "layers": [ { "id": "lock", "type": "locked_staking", "apr": 0, "term_days": 90 } ],
                "flows": [ { "day": 2, "amount": -100 } ] } ]
            """)
        let r = try TestSupport.run(json)
        #expect(r.strategies[0].events.contains { $0.kind == .refusedAction && $0.day == 2 })
        #expect(r.strategies[0].layers[0].amount[0] == 1000)
    }
}
