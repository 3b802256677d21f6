import Foundation
import Testing
@testable import YieldStack

/// `redemption.queue_days` and restaking `withdrawal_days` as models: the
/// value on the request day, rounded and clamped to [0, 3650], is that
/// request's wait (SPEC §2.3).
@Suite("Queue lengths as models")
struct QueueModelTests {
    func unstake(queue: String, day: Int = 2, days: Int = 20) throws -> StrategyResult {
        try TestSupport.run(DeFi.scenario(days: days, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "ethena", "type": "liquid_staking", "receipt": "stETH", "apr": 0, "redemption": { "queue_days": \(queue) } } ],
                "rules": [ { "when": { "day": \(day) }, "then": { "action": "unstake", "layer": "ethena", "via": "queue" } } ] } ]
            """)).strategies[0]
    }

    @Test("a series queue: requested on day 2, where the series reads 3.4 (rounded to 3), paid on day 5; on day 4 (6.6 → 7), day 11")
    func seriesQueue() throws {
        let values = "[10, 10, 3.4, 10, 6.6" + String(repeating: ", 10", count: 15) + "]"
        let queue = #"{ "model": "series", "values": \#(values) }"#
        let early = try unstake(queue: queue, day: 2)
        #expect(early.events.first { $0.kind == .redemption }?.day == 5)
        let later = try unstake(queue: queue, day: 4)
        #expect(later.events.first { $0.kind == .redemption }?.day == 11)
        expectClose(later.events.first { $0.kind == .redemption }?.amount ?? 0, 100, 1e-12)
    }

    @Test("a plain number still works: 7 days from day 2 is day 9; 0 pays at once")
    func fixedQueue() throws {
        #expect(try unstake(queue: "7").events.first { $0.kind == .redemption }?.day == 9)
        #expect(try unstake(queue: "0").events.first { $0.kind == .redemption }?.day == 2)
    }

    @Test("a mean_reverting queue with no volatility sits at its mean: 4.5 rounds (away from zero) to 5 → day 7")
    func meanRevertingQueue() throws {
        let s = try unstake(queue: #"{ "model": "mean_reverting", "start": 4.5, "mean": 4.5, "speed": 5, "volatility": 0 }"#)
        #expect(s.events.first { $0.kind == .redemption }?.day == 7)
    }

    @Test("restaking withdrawal_days as a series: 12 on the request day 1 → paid on day 13")
    func restakingSeries() throws {
        let values = "[7, 12" + String(repeating: ", 7", count: 18) + "]"
        let r = try TestSupport.run(DeFi.scenario(days: 20, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 50 },
                "layers": [ { "id": "eigen", "type": "restaking", "receipt": "stETH", "apr": 0, "withdrawal_days": { "model": "series", "values": \(values) } } ],
                "rules": [ { "when": { "day": 1 }, "then": { "action": "unstake", "layer": "eigen", "via": "queue" } } ] } ]
            """))
        let redemption = try #require(r.strategies[0].events.first { $0.kind == .redemption })
        #expect(redemption.day == 13)
        expectClose(redemption.amount ?? 0, 50, 1e-12)
    }

    @Test("bounds: a series value outside [0, 3650] days and a fractional plain number are refused")
    func bounds() {
        let json = DeFi.scenario(days: 3, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "l", "type": "liquid_staking", "receipt": "stETH", "apr": 0, "redemption": { "queue_days": { "model": "series", "values": [1, -1, 4000] } } } ] } ]
            """)
        let byPath = Dictionary(TestSupport.diagnostics(json).map { ($0.path.description, $0.message) }, uniquingKeysWith: { a, b in a + " / " + b })
        #expect(byPath["strategies[0].layers[0].redemption.queue_days.values[1]"]?.hasPrefix("must be in [0, 3650] days") == true)
        #expect(byPath["strategies[0].layers[0].redemption.queue_days.values[2]"]?.hasPrefix("must be in [0, 3650] days") == true)
        let fractional = DeFi.scenario(days: 3, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "l", "type": "liquid_staking", "receipt": "stETH", "apr": 0, "redemption": { "queue_days": 2.5 } } ] } ]
            """)
        #expect(!TestSupport.diagnostics(fractional).isEmpty)
        #expect(LiquidStakingLayer.days(.nan) == 0)
        #expect(LiquidStakingLayer.days(1e300) == 3650)
        #expect(LiquidStakingLayer.days(-3) == 0)
    }
}
