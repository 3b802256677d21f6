import Foundation
import Testing
@testable import YieldStack

@Suite("Restaking")
struct RestakingTests {
    /// ETH at 2000, stETH pegged to ETH, weETH pegged to stETH (or ETH), EIGEN at 4.
    func scenario(days: Int, weETHTo: String = "stETH", shocks: String = "[]", strategies: String) -> String {
        """
        { "name": "restaking", "start": "2024-01-01", "days": \(days), "seed": 3,
          "market": {
            "assets": { "ETH": { "price": { "model": "constant", "value": 2000 } },
                        "stETH": { "peg": { "to": "ETH", "ratio": { "model": "constant", "value": 1.0 } } },
                        "weETH": { "peg": { "to": "\(weETHTo)", "ratio": { "model": "constant", "value": 1.0 } } },
                        "EIGEN": { "price": { "model": "constant", "value": 4 } } },
            "shocks": \(shocks) },
          "strategies": \(strategies) }
        """
    }

    let lido = #"{ "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0.035, "protocol_fee": 0.1 }"#

    func eigen(_ extra: String = "") -> String {
        #"{ "id": "eigen", "type": "restaking", "receipt": "weETH", "apr": 0.01, "fee": 0.1\#(extra) }"#
    }

    @Test("100 stETH (Lido 3.5 % gross, 10 % fee) restaked at 1 % with a 10 % fee for a year holds 100 × (1 + 0.0315/365)^365 × (1 + 0.009/365)^365, split between staking and restaking")
    func year() throws {
        let r = try TestSupport.run(scenario(days: 365, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 }, "layers": [ \(lido), \(eigen()) ] } ]
            """))
        let s = r.strategies[0]
        let a = 1 + 0.0315 / 365, b = 1 + 0.009 / 365
        let final = 100 * pow(a, 365) * pow(b, 365)
        expectRelative(s.layers[1].amount[0], final, 1e-12)
        // Day d (from 1) mints 100(ab)^(d−1)·gL for Lido, then 100(ab)^(d−1)·a·gR for restaking:
        // geometric sums with ratio ab over 365 accruals.
        let geometric = (pow(a * b, 365) - 1) / (a * b - 1)
        let staking = 100 * (a - 1) * geometric * 2000
        let restaking = 100 * a * (b - 1) * geometric * 2000
        expectRelative(s.attribution[0][AttributionSource.staking.index][0], staking, 1e-9)
        expectRelative(s.attribution[1][AttributionSource.restaking.index][0], restaking, 1e-9)
        expectRelative(s.paths[0].finalEquity, final * 2000, 1e-12)
    }

    @Test("a 2 % slash of the restaking layer burns 2 % of every weETH balance, booked as restaking")
    func slash() throws {
        func run(_ shocks: String) throws -> StrategyResult {
            try TestSupport.run(scenario(days: 20, shocks: shocks, strategies: """
                [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 }, "layers": [ \(lido), \(eigen()), { "id": "w", "type": "hold" } ] } ]
                """)).strategies[0]
        }
        let clean = try run("[]")
        let slashed = try run(#"[ { "day": 10, "layer": "eigen", "slash": 0.02 } ]"#)
        expectRelative(slashed.layers[2].amount[0], clean.layers[2].amount[0] * 0.98, 1e-12)
        // The burn is valued at the day-10 balance: 100 (ab)^10 before the day's accrual.
        let a = 1 + 0.0315 / 365, b = 1 + 0.009 / 365
        let burnt = 100 * pow(a * b, 10) * 0.02 * 2000
        let cleanRestaking = clean.attribution[1][AttributionSource.restaking.index][0]
        let slashedRestaking = slashed.attribution[1][AttributionSource.restaking.index][0]
        // Later days earn on 2 % less, so the difference is the burn plus 2 % of the later rewards.
        #expect(slashedRestaking < cleanRestaking - burnt * 0.999)
        #expect(slashed.events.contains { $0.kind == .shock && $0.layer == "eigen" && $0.day == 10 })
    }

    @Test("incentives pay restaked value × APR / 365 a day into spot, in the token at its price")
    func incentives() throws {
        let r = try TestSupport.run(scenario(days: 30, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ \(lido), \(eigen(#", "incentives": [ { "asset": "EIGEN", "apr": 0.05 } ]"#)) ] } ]
            """))
        let s = r.strategies[0]
        // Day d pays on 100·a^(d+1)·b^d weETH (Lido has accrued, restaking not yet): Σ = 100a((ab)^30 − 1)/(ab − 1).
        let a = 1 + 0.0315 / 365, b = 1 + 0.009 / 365
        let held = 100 * a * (pow(a * b, 30) - 1) / (a * b - 1)
        let value = held * 2000 * 0.05 / 365
        expectRelative(s.attribution[1][AttributionSource.incentives.index][0], value, 1e-12)
        let weETH = 100 * pow(a * b, 30) * 2000
        expectRelative(s.paths[0].finalEquity, weETH + value, 1e-12)
    }

    @Test("a weETH loop on an E-mode lender: 2 loops at t = 0.9 post C(1 + t + t²) of collateral")
    func loop() throws {
        let r = try TestSupport.run(scenario(days: 1, weETHTo: "ETH", strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 10 },
                "layers": [ { "id": "etherfi", "type": "restaking", "receipt": "weETH", "apr": 0 },
                            { "id": "emode", "type": "lending", "borrow": "ETH", "max_ltv": 0.93, "liquidation_threshold": 0.95,
                              "liquidation_bonus": 0.01, "target_ltv": 0.9, "oracle": "underlying", "borrow_apr": 0,
                              "loop": { "via": "etherfi", "times": 2 } } ] } ]
            """))
        let s = r.strategies[0]
        expectRelative(s.layers[1].amount[0], 10 * (1 + 0.9 + 0.81), 1e-12)
        // The final borrow brings the position to 0.9: debt = 0.9 × collateral.
        expectRelative(s.layers[1].debt[0], 0.9 * 10 * (1 + 0.9 + 0.81), 1e-12)
    }

    @Test("a loop through Lido and restaking (ETH → stETH → weETH) mints each step 1:1 and posts C(1 + t + t²)")
    func twoStepLoop() throws {
        let r = try TestSupport.run(scenario(days: 1, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 10 },
                "layers": [ { "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0 },
                            { "id": "eigen", "type": "restaking", "receipt": "weETH", "apr": 0 },
                            { "id": "emode", "type": "lending", "borrow": "ETH", "max_ltv": 0.93, "liquidation_threshold": 0.95,
                              "liquidation_bonus": 0.01, "target_ltv": 0.9, "oracle": "underlying", "borrow_apr": 0,
                              "loop": { "via": "eigen", "times": 2 } } ] } ]
            """))
        expectRelative(r.strategies[0].layers[2].amount[0], 10 * (1 + 0.9 + 0.81), 1e-12)
    }

    @Test("withdrawal through the protocol pays 1:1 in the restaked asset after withdrawal_days")
    func withdrawal() throws {
        let r = try TestSupport.run(scenario(days: 12, weETHTo: "ETH", strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 50 },
                "layers": [ { "id": "etherfi", "type": "restaking", "receipt": "weETH", "apr": 0, "withdrawal_days": 7 } ],
                "rules": [ { "when": { "day": 2 }, "then": { "action": "unstake", "layer": "etherfi", "via": "queue" } } ] } ]
            """))
        let redemption = try #require(r.strategies[0].events.first { $0.kind == .redemption })
        #expect(redemption.day == 9)
        expectClose(redemption.amount ?? 0, 50, 1e-12)
    }

    @Test("the receipt must be pegged to the restaked asset")
    func validation() throws {
        let d = TestSupport.diagnostics(scenario(days: 5, weETHTo: "ETH", strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 }, "layers": [ \(lido), \(eigen()) ] } ]
            """))
        #expect(d.map(\.message) == ["'weETH' is pegged to ETH but this layer restakes stETH"])
        #expect(d.first?.path.description == "strategies[0].layers[1].receipt")
    }
}
