/// Aave v3's rule (DOMAIN "Lending"): a liquidator repays `close_factor` of
/// the debt (50 % by default), or all of it once the health factor is below
/// `full_liquidation_below` (0.95), and seizes the repaid value ×
/// (1 + `liquidation_bonus`) of collateral at the oracle price.
enum AaveLiquidation: LiquidationRule {
    static let name = "aave"

    static func problems(_ spec: LendingSpec) -> [(String, String)] {
        spec.liquidationBonus == nil ? [("liquidation_bonus", "the aave liquidation model needs 'liquidation_bonus'")] : []
    }

    static func terms(_ spec: LendingSpec) -> LiquidationModel.Terms {
        LiquidationModel.Terms(liquidationThreshold: spec.liquidationThreshold, bonus: spec.liquidationBonus ?? 0,
                               closeFactor: spec.closeFactor, fullLiquidationBelow: spec.fullLiquidationBelow)
    }
}
