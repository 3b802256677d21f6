import Foundation
import Testing
@testable import YieldStack

@Suite("Liquid staking")
struct LiquidStakingTests {
    func lido(mode: String = "rebasing", extra: String = "") -> String {
        #"{ "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0.04, "protocol_fee": 0.1, "mode": "\#(mode)"\#(extra) }"#
    }

    @Test("100 ETH at 4 % gross with a 10 % fee for 365 days → 100 × (1 + 0.036/365)^365 stETH")
    func lidoYear() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 365, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 }, "layers": [ \(lido()) ] } ]
            """))
        let expected = 100 * pow(1 + 0.036 / 365, 365.0)
        expectRelative(r.strategies[0].layers[0].amount[0], expected, 1e-12)
        expectRelative(r.strategies[0].layers[0].yieldTokens[0], expected - 100, 1e-10)
    }

    @Test("exchange_rate mode keeps the wrapped balance fixed with the same value")
    func exchangeRate() throws {
        let rebasing = try TestSupport.run(DeFi.scenario(days: 365, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 }, "layers": [ \(lido()) ] } ]
            """))
        let wrapped = try TestSupport.run(DeFi.scenario(days: 365, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 }, "layers": [ \(lido(mode: "exchange_rate")) ] } ]
            """))
        expectRelative(wrapped.strategies[0].layers[0].amount[0], 100, 1e-12)
        #expect(wrapped.strategies[0].paths[0].finalEquity == rebasing.strategies[0].paths[0].finalEquity)
    }

    @Test("staking rewards accrue on receipts held downstream, and are the staking layer's yield")
    func rebaseDownstream() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 30, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ \(lido()), { "id": "wallet", "type": "hold" } ] } ]
            """))
        let s = r.strategies[0]
        let expected = 100 * pow(1 + 0.036 / 365, 30.0)
        #expect(s.layers[0].amount[0] == 0)
        expectRelative(s.layers[1].amount[0], expected, 1e-12)
        expectRelative(s.layers[0].yieldTokens[0], expected - 100, 1e-10)
        expectRelative(s.attribution[0][AttributionSource.staking.index][0], (expected - 100) * 2000, 1e-9)
    }

    @Test("unstake through the queue pays 1:1 less the fee after queue_days; on the market it pays the ratio")
    func unstake() throws {
        func run(_ via: String) throws -> SimulationResult {
            try TestSupport.run(DeFi.scenario(days: 12, ratio: DeFi.stepRatio(0.95, days: 12), strategies: """
                [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                    "layers": [ { "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0, "redemption": { "queue_days": 5, "fee": 0.001 } } ],
                    "rules": [ { "when": { "day": 2 }, "then": { "action": "unstake", "layer": "lido", "via": "\(via)", "slippage": 0.01 } } ] } ]
                """))
        }
        let queue = try run("queue")
        let redemption = try #require(queue.strategies[0].events.first { $0.kind == .redemption })
        #expect(redemption.day == 7)
        expectClose(redemption.amount ?? 0, 100 * 0.999, 1e-9)
        expectClose(queue.strategies[0].paths[0].finalEquity, 100 * 0.999 * 2000, 1e-6)
        let market = try run("market")
        #expect(market.strategies[0].events.first { $0.kind == .redemption }?.day == 2)
        expectClose(market.strategies[0].paths[0].finalEquity, 100 * 0.95 * 0.99 * 2000, 1e-6)
    }

    @Test("a slash burns that share of every receipt balance")
    func slash() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 5, shocks: #"[ { "day": 3, "layer": "lido", "slash": 0.01 } ]"#, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0 }, { "id": "w", "type": "hold" } ] } ]
            """))
        expectClose(r.strategies[0].layers[1].amount[0], 99, 1e-12)
        #expect(r.strategies[0].events.contains { $0.kind == .shock && $0.layer == "lido" && $0.path == 0 })
    }
}
