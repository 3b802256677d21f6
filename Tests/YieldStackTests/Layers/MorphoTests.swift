import Foundation
import Testing
@testable import YieldStack

@Suite("Morpho Blue liquidation")
struct MorphoTests {
    /// 100 stETH posted, 60 ETH borrowed at LLTV `lltv`, the ratio moved on day 1.
    static func morpho(lltv: Double = 0.86, extra: String = "") -> String {
        """
        { "id": "morpho", "type": "lending", "borrow": "ETH", "max_ltv": 0.65, "liquidation_threshold": \(lltv),
          "target_ltv": 0.6, "borrow_apr": 0, "liquidation_model": "morpho"\(extra) }
        """
    }

    func position(ratio: Double, layer: String = morpho()) throws -> StrategyResult {
        try TestSupport.run(DeFi.scenario(days: 3, ratio: DeFi.stepRatio(ratio, days: 3), strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(layer) ] } ]
            """)).strategies[0]
    }

    @Test("LIF = min(1.15, 1/(0.3·LLTV + 0.7)): LLTV 0.86 → 1/0.958 = 1.043841, 0.915 → 1/0.9745 = 1.026167; capped at 1.15")
    func incentiveFactor() {
        expectClose(MorphoLiquidation.incentiveFactor(lltv: 0.86), 1.04384, 1e-5)
        expectClose(MorphoLiquidation.incentiveFactor(lltv: 0.86), 1 / 0.958, 1e-15)
        expectClose(MorphoLiquidation.incentiveFactor(lltv: 0.915), 1.0262, 1e-4)
        expectClose(MorphoLiquidation.incentiveFactor(lltv: 0.915), 1 / 0.9745, 1e-15)
        // 1/(0.3·0.385 + 0.7) = 1/0.8155 = 1.2262 > 1.15: the cap binds below LLTV 0.3869.
        #expect(MorphoLiquidation.incentiveFactor(lltv: 0.385) == 1.15)
    }

    @Test("ratio 0.69 at LLTV 0.86: HF 0.98900 < 1, the whole 60 ETH repaid in one call, 60 × 1.043841 / 0.69 = 90.7688 stETH seized")
    func wholeDebtInOneCall() throws {
        let s = try position(ratio: 0.69)
        let lif = 1 / (0.3 * 0.86 + 0.7)
        let liquidations = s.events.filter { $0.kind == .liquidation }
        #expect(liquidations.map(\.day) == [1])
        #expect(s.paths[0].liquidations == 1)
        expectClose(liquidations.first?.amount ?? 0, 60 * lif / 0.69, 1e-9)
        #expect(Format.fixed(liquidations.first?.amount ?? 0, 4) == "90.7688")
        expectClose(s.layers[0].debt[0], 0, 1e-12)
        expectClose(s.layers[0].amount[0], 100 - 60 * lif / 0.69, 1e-9)
        expectClose(s.paths[0].minHealthFactor ?? 0, 100 * 0.69 * 0.86 / 60, 1e-12)
        // The borrower loses the incentive: 60 ETH × (LIF − 1) at 2000 USD.
        expectClose(s.attribution[0][AttributionSource.liquidation.index][0], -60 * (lif - 1) * 2000, 1e-6)
        // The same HF under aave (0.989 > 0.95) closes only half.
        let aave = try position(ratio: 0.69, layer: DeFi.lending(lt: 0.86, bonus: lif - 1))
        expectClose(aave.layers[0].debt[0], 30, 1e-9)
    }

    @Test("the pure loop with Morpho's terms: one round, repaid = debt, seized = debt × LIF / price")
    func pureLoop() {
        let terms = LiquidationModel.Terms(liquidationThreshold: 0.915, bonus: MorphoLiquidation.incentiveFactor(lltv: 0.915) - 1,
                                           closeFactor: 1, fullLiquidationBelow: 1)
        // 100 collateral at 0.9, 83 debt: HF = 100 × 0.9 × 0.915 / 83 = 0.99217.
        let o = LiquidationModel.run(collateral: 100, debt: 83, collateralPrice: 0.9, debtPrice: 1, terms: terms)
        #expect(o.rounds.count == 1)
        expectClose(o.rounds[0].repaid, 83, 1e-12)
        expectClose(o.rounds[0].seized, 83 / 0.9745 / 0.9, 1e-12)
        #expect(o.debt == 0)
        #expect(o.badDebt == 0)
    }

    @Test("a given liquidation_bonus replaces the LIF: 0.05 → seized 60 × 1.05 / 0.69")
    func givenBonus() throws {
        let s = try position(ratio: 0.69, layer: Self.morpho(extra: #", "liquidation_bonus": 0.05"#))
        expectClose(s.layers[0].amount[0], 100 - 60 * 1.05 / 0.69, 1e-9)
        expectClose(s.layers[0].debt[0], 0, 1e-12)
    }

    @Test("healthy at LLTV: ratio 0.70 gives HF 100 × 0.7 × 0.86 / 60 = 1.0033, no liquidation")
    func healthy() throws {
        let s = try position(ratio: 0.70)
        #expect(s.paths[0].liquidations == 0)
        expectClose(s.layers[0].debt[0], 60, 1e-12)
    }

    @Test("close_factor or full_liquidation_below given with morpho is an error; without a bonus it is not")
    func contradictions() {
        func diagnostics(_ extra: String) -> [String: String] {
            let json = DeFi.scenario(days: 3, strategies: """
                [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ \(Self.morpho(extra: extra)) ] } ]
                """)
            return Dictionary(TestSupport.diagnostics(json).map { ($0.path.description, $0.message) }, uniquingKeysWith: { a, b in a + " / " + b })
        }
        #expect(diagnostics("").isEmpty)
        let both = diagnostics(#", "close_factor": 0.5, "full_liquidation_below": 0.95"#)
        #expect(both["strategies[0].layers[0].close_factor"]?.contains("no 'close_factor'") == true)
        #expect(both["strategies[0].layers[0].full_liquidation_below"]?.contains("no 'full_liquidation_below'") == true)
        #expect(both.count == 2)
    }
}
