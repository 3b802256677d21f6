import Foundation
import Testing
@testable import YieldStack

@Suite("Lending")
struct LendingTests {
    let terms = LiquidationModel.Terms(liquidationThreshold: 0.8, bonus: 0.075, closeFactor: 0.5, fullLiquidationBelow: 0.95)

    @Test("ratio 0.74: HF 0.98667, half the debt (30 ETH) repaid, 43.581 stETH seized, HF after 1.1133")
    func partialLiquidation() throws {
        let o = LiquidationModel.run(collateral: 100, debt: 60, collateralPrice: 0.74, debtPrice: 1, terms: terms)
        #expect(o.rounds.count == 1)
        let round = try #require(o.rounds.first)
        expectClose(round.healthFactorBefore, 100 * 0.74 * 0.8 / 60, 1e-12)
        #expect(Format.fixed(round.healthFactorBefore, 5) == "0.98667")
        expectClose(round.repaid, 30, 1e-12)
        expectClose(round.seized, 30 * 1.075 / 0.74, 1e-12)
        #expect(Format.fixed(round.seized, 3) == "43.581")
        expectClose(round.healthFactorAfter ?? 0, (100 - 30 * 1.075 / 0.74) * 0.74 * 0.8 / 30, 1e-12)
        #expect(Format.fixed(round.healthFactorAfter ?? 0, 4) == "1.1133")
    }

    @Test("ratio 0.70: HF 0.9333 < 0.95, the whole debt closed, 92.143 stETH seized")
    func fullLiquidation() throws {
        let o = LiquidationModel.run(collateral: 100, debt: 60, collateralPrice: 0.70, debtPrice: 1, terms: terms)
        #expect(o.rounds.count == 1)
        expectClose(o.rounds[0].healthFactorBefore, 0.7 * 0.8 * 100 / 60, 1e-12)
        #expect(o.rounds[0].closeFactor == 1)
        expectClose(o.rounds[0].seized, 60 * 1.075 / 0.7, 1e-12)
        #expect(Format.fixed(o.rounds[0].seized, 3) == "92.143")
        #expect(o.debt == 0)
        expectClose(o.collateral, 100 - 60 * 1.075 / 0.7, 1e-12)
    }

    @Test("collateral that cannot cover the debt leaves bad debt")
    func badDebt() {
        let o = LiquidationModel.run(collateral: 100, debt: 90, collateralPrice: 0.5, debtPrice: 1, terms: terms)
        #expect(o.collateral == 0)
        // All 100 seized for 50/1.075 of debt repaid.
        expectClose(o.badDebt, 90 - 50 / 1.075, 1e-9)
        #expect(o.debt == 0)
    }

    /// 100 stETH posted, 60 ETH borrowed on day 0, the ratio moved on day 1.
    func position(ratio: Double, oracle: String) throws -> StrategyResult {
        try TestSupport.run(DeFi.scenario(days: 3, ratio: DeFi.stepRatio(ratio, days: 3), strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending(oracle: oracle)) ] } ]
            """)).strategies[0]
    }

    @Test("in the engine: the market oracle liquidates at 0.74 and 0.70 as computed; the underlying oracle does not")
    func engineLiquidations() throws {
        let partial = try position(ratio: 0.74, oracle: "market")
        let liquidations = partial.events.filter { $0.kind == .liquidation }
        #expect(liquidations.map(\.day) == [1])
        expectClose(liquidations[0].amount ?? 0, 30 * 1.075 / 0.74, 1e-9)
        expectClose(partial.layers[0].debt[0], 30, 1e-9)
        expectClose(partial.paths[0].minHealthFactor ?? 0, 100 * 0.74 * 0.8 / 60, 1e-12)
        // The borrower loses the bonus: seized value − repaid value = 30 × 0.075 ETH.
        expectClose(partial.attribution[0][AttributionSource.liquidation.index][0], -30 * 0.075 * 2000, 1e-6)

        let full = try position(ratio: 0.70, oracle: "market")
        expectClose(full.layers[0].debt[0], 0, 1e-12)
        expectClose(full.layers[0].amount[0], 100 - 60 * 1.075 / 0.7, 1e-9)
        #expect(full.paths[0].liquidations == 1)

        for ratio in [0.74, 0.70] {
            let safe = try position(ratio: ratio, oracle: "underlying")
            #expect(safe.paths[0].liquidations == 0)
            expectClose(safe.paths[0].minHealthFactor ?? 0, 100 * 0.8 / 60, 1e-12)
        }
    }

    @Test("kinked rate at U = 0.95 (44 % APR): 60 ETH of debt for 30 days grows to 60 × (1 + 0.44/365)^30")
    func kinkedDebt() throws {
        let rate = #"{ "model": "kinked", "base": 0, "slope1": 0.04, "slope2": 0.8, "optimal_utilization": 0.9, "utilization": 0.95 }"#
        let r = try TestSupport.run(DeFi.scenario(days: 30, strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending(borrowAPR: rate)) ] } ]
            """))
        expectRelative(r.strategies[0].layers[0].debt[0], 60 * pow(1 + 0.44 / 365, 30.0), 1e-12)
        let cost = r.strategies[0].attribution[0][AttributionSource.borrowCost.index][0]
        expectRelative(cost, -(60 * pow(1 + 0.44 / 365, 30.0) - 60) * 2000, 1e-9)
    }

    @Test("a borrow_apr shock overrides the rate for its duration")
    func rateShock() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 20, shocks: #"[ { "day": 5, "layer": "aave", "borrow_apr": 0.5, "duration_days": 10 } ]"#, strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending(borrowAPR: "0.02")) ] } ]
            """))
        let expected = 60 * pow(1 + 0.02 / 365, 10.0) * pow(1 + 0.5 / 365, 10.0)
        expectRelative(r.strategies[0].layers[0].debt[0], expected, 1e-12)
    }

    @Test("3 loops at target LTV t give collateral C(1 + t + t² + t³); the last borrow, to t, is the output")
    func loop() throws {
        let t = 0.7
        let r = try TestSupport.run(DeFi.scenario(days: 1, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0 },
                            \(DeFi.lending(#", "loop": { "via": "lido", "times": 3 }"#, target: t)) ] } ]
            """))
        let s = r.strategies[0]
        let collateral = 100 * (1 + t + t * t + t * t * t)
        expectRelative(s.layers[1].amount[0], collateral, 1e-14)
        expectRelative(s.layers[1].debt[0], t * collateral, 1e-14)
        // Equity is unchanged by borrowing: 100 ETH either way.
        expectRelative(s.paths[0].finalEquity, 100 * 2000, 1e-12)
    }

    @Test("supply interest accrues on collateral")
    func supplyInterest() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 10, strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending(#", "supply_apr": 0.01"#)) ] } ]
            """))
        expectRelative(r.strategies[0].layers[0].amount[0], 100 * pow(1 + 0.01 / 365, 10.0), 1e-13)
        expectRelative(r.strategies[0].layers[0].yieldTokens[0], 100 * pow(1 + 0.01 / 365, 10.0) - 100, 1e-9)
    }

    @Test("a deleverage rule on health factor keeps alive a position that a gradual decline liquidates without it")
    func deleverageSavesPosition() throws {
        // The ratio slides from 1.00 to 0.80 over 40 days.
        let values = (0..<41).map { Format.plain(1 - 0.2 * Double($0) / 40) }.joined(separator: ", ")
        func run(rules: String) throws -> StrategyResult {
            try TestSupport.run(DeFi.scenario(days: 41, ratio: #"{ "model": "series", "values": [\#(values)] }"#, strategies: """
                [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending(target: 0.7)) ],
                    "rules": \(rules) } ]
                """)).strategies[0]
        }
        let without = try run(rules: "[]")
        #expect(without.paths[0].liquidations >= 1)
        let with = try run(rules: #"[ { "when": { "metric": "health_factor", "layer": "aave", "below": 1.1 }, "then": { "action": "deleverage", "layer": "aave", "target_health_factor": 1.4, "slippage": 0.001 } } ]"#)
        #expect(with.paths[0].liquidations == 0)
        #expect(with.events.contains { $0.kind == .rule })
        #expect((with.paths[0].minHealthFactor ?? 0) >= 1)
        #expect(with.attribution[0][AttributionSource.liquidation.index][0] == 0)
        #expect(without.attribution[0][AttributionSource.liquidation.index][0] < 0)
    }

    @Test("deleverage to a target LTV lands on it; releverage returns to a higher one")
    func deleverageAndReleverage() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 6, strategies: """
            [ { "name": "s", "capital": { "asset": "ETH", "amount": 100 },
                "layers": [ { "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0 },
                            \(DeFi.lending(#", "loop": { "via": "lido", "times": 2 }"#, target: 0.7)) ],
                "rules": [ { "when": { "day": 2 }, "then": { "action": "deleverage", "layer": "aave", "target_ltv": 0.5 } },
                           { "when": { "day": 4 }, "then": { "action": "releverage", "layer": "aave", "target_ltv": 0.6 } } ] } ]
            """))
        let s = r.strategies[0]
        let ltvs = s.events.filter { $0.kind == .rule }.compactMap { e -> Double? in
            guard let node = try? JSONParser.parse(e.detail), let l = node["layers"]?["aave"]?["ltv_after"]?.double else { return nil }
            return l
        }
        #expect(ltvs.count == 2)
        if ltvs.count == 2 {
            expectClose(ltvs[0], 0.5, 1e-12)
            expectClose(ltvs[1], 0.6, 1e-12)
        }
        // With zero rates and a 1.0 ratio, neither move changes equity.
        expectRelative(s.paths[0].finalEquity, 200_000, 1e-12)
    }
}

@Suite("Rule conditions and layer shocks")
struct ConditionAndShockTests {
    @Test("an ltv condition fires when the ratio falls: 60 ETH on 100 stETH at ratio 0.9 is LTV 0.6667")
    func ltvCondition() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 4, ratio: DeFi.stepRatio(0.9, days: 4), strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending()) ],
                "rules": [ { "when": { "metric": "ltv", "layer": "aave", "above": 0.66 }, "then": { "action": "deleverage", "layer": "aave", "target_ltv": 0.5 }, "once": true } ] } ]
            """))
        let rule = try #require(r.strategies[0].events.first { $0.kind == .rule })
        #expect(rule.day == 1)
        // Repaid from the 60 idle ETH: debt 0.5 × 90 = 45.
        expectClose(r.strategies[0].layers[0].debt[0], 45, 1e-9)
    }

    @Test("an apr condition reads the layer's current rate, here a borrow-rate spike")
    func aprCondition() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 10, shocks: #"[ { "day": 6, "layer": "aave", "borrow_apr": 0.3, "duration_days": 2 } ]"#, strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending(borrowAPR: "0.02")) ],
                "rules": [ { "when": { "metric": "apr", "layer": "aave", "above": 0.1 }, "then": { "action": "exit" } } ] } ]
            """))
        #expect(r.strategies[0].events.filter { $0.kind == .rule }.map(\.day) == [6])
        #expect(r.strategies[0].layers[0].debt[0] == 0)
    }

    @Test("an exploit takes that share of a layer's holdings and is attributed as an exploit loss")
    func exploit() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 5, shocks: #"[ { "day": 2, "layer": "earn", "exploit": 0.25 } ]"#, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 }, "layers": [ { "id": "earn", "type": "soft_staking", "apy": 0 } ] } ]
            """))
        let s = r.strategies[0]
        expectClose(s.layers[0].amount[0], 750, 1e-9)
        expectClose(s.attribution[0][AttributionSource.exploit.index][0], -250 * 2, 1e-9)
        #expect(s.events.contains { $0.kind == .shock && $0.layer == "earn" && $0.day == 2 })
    }

    @Test("a supply_apr shock overrides what the collateral earns")
    func supplyShock() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 10, shocks: #"[ { "day": 0, "layer": "aave", "supply_apr": 0.365, "duration_days": 2 } ]"#, strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(DeFi.lending()) ] } ]
            """))
        expectRelative(r.strategies[0].layers[0].amount[0], 100 * 1.001 * 1.001, 1e-12)
    }
}
