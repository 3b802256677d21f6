import Foundation

/// Morpho Blue's rule (DOMAIN "Lending"): a market has one liquidation LTV
/// (LLTV, the spec's `liquidation_threshold`); a position is liquidatable when
/// debt > collateral × price × LLTV (HF < 1). There is no close factor: the
/// liquidator may repay the whole debt in one call, and the simulation does.
/// It seizes repaid × LIF / price of collateral, with the liquidation
/// incentive factor LIF = min(1.15, 1 / (0.3·LLTV + 0.7)), or 1 +
/// `liquidation_bonus` when the spec gives one.
///
/// `close_factor` and `full_liquidation_below` are Aave's knobs; a Morpho
/// market has neither, so giving either explicitly is reported as an error
/// rather than silently ignored.
enum MorphoLiquidation: LiquidationRule {
    static let name = "morpho"

    /// Morpho Blue's `LIQUIDATION_CURSOR` and `MAX_LIQUIDATION_INCENTIVE_FACTOR`.
    static let cursor = 0.3
    static let maxIncentiveFactor = 1.15

    /// LIF = min(1.15, 1 / (cursor·LLTV + 1 − cursor)).
    static func incentiveFactor(lltv: Double) -> Double {
        min(maxIncentiveFactor, 1 / (cursor * lltv + (1 - cursor)))
    }

    static func problems(_ spec: LendingSpec) -> [(String, String)] {
        ["close_factor", "full_liquidation_below"].filter { spec.givenFields.contains($0) }.map {
            ($0, "the morpho liquidation model has no '\($0)' (a liquidator repays the whole debt in one call); remove it or use liquidation_model 'aave'")
        }
    }

    static func terms(_ spec: LendingSpec) -> LiquidationModel.Terms {
        let lif = spec.liquidationBonus.map { 1 + $0 } ?? incentiveFactor(lltv: spec.liquidationThreshold)
        return LiquidationModel.Terms(liquidationThreshold: spec.liquidationThreshold, bonus: lif - 1,
                                      closeFactor: 1, fullLiquidationBelow: 1)
    }
}
