/// The liquidation loop shared by every liquidation rule (DOMAIN "Lending"),
/// as a pure function so it can be tested alone. While
/// HF = collateral·oracle·LT / (debt·price) < 1, a liquidator repays up to
/// `closeFactor` of the debt (all of it when HF is below
/// `fullLiquidationBelow`) and seizes collateral worth the repaid value ×
/// (1 + bonus) at the oracle price. If the collateral runs out first, the
/// rest of the debt is bad debt. A rule (`LiquidationRule`) chooses the terms.
public enum LiquidationModel {
    public struct Terms: Sendable {
        public var liquidationThreshold: Double
        public var bonus: Double
        public var closeFactor: Double
        public var fullLiquidationBelow: Double

        public init(liquidationThreshold: Double, bonus: Double, closeFactor: Double, fullLiquidationBelow: Double) {
            self.liquidationThreshold = liquidationThreshold
            self.bonus = bonus
            self.closeFactor = closeFactor
            self.fullLiquidationBelow = fullLiquidationBelow
        }
    }

    /// One liquidator call.
    public struct Round: Sendable, Equatable {
        public var healthFactorBefore: Double
        /// Debt repaid, in units of the borrowed asset.
        public var repaid: Double
        /// Collateral taken, in its own units.
        public var seized: Double
        public var healthFactorAfter: Double?
        public var closeFactor: Double
    }

    public struct Outcome: Sendable, Equatable {
        public var rounds: [Round]
        public var collateral: Double
        public var debt: Double
        /// Debt left when the collateral ran out (units of the borrowed asset).
        public var badDebt: Double
    }

    public static func healthFactor(collateral: Double, debt: Double, collateralPrice: Double, debtPrice: Double, threshold: Double) -> Double? {
        let debtValue = debt * debtPrice
        guard debtValue > 0 else { return nil }
        return collateral * collateralPrice * threshold / debtValue
    }

    /// One liquidator call on a position at health factor `hf` < 1: repays
    /// `closeFactor` of the debt (all of it below `fullLiquidationBelow`, or
    /// when `forceFull`) and seizes repaid × P_d × (1 + bonus) / P_c of
    /// collateral, capped at the collateral (then repaid = C·P_c / ((1 + bonus)·P_d)).
    public static func step(collateral: Double, debt: Double, healthFactor hf: Double, collateralPrice: Double, debtPrice: Double,
                            terms: Terms, forceFull: Bool = false) -> (repaid: Double, seized: Double, closeFactor: Double) {
        let close = hf < terms.fullLiquidationBelow || forceFull ? 1.0 : terms.closeFactor
        var repaid = debt * close
        var seized = repaid * debtPrice * (1 + terms.bonus) / collateralPrice
        if seized >= collateral {
            seized = collateral
            repaid = min(debt, collateral * collateralPrice / ((1 + terms.bonus) * debtPrice))
        }
        return (repaid, seized, close)
    }

    /// Liquidates until healthy, out of collateral, or out of debt.
    /// `collateralPrice` is the oracle's price of one unit of collateral.
    public static func run(collateral c0: Double, debt d0: Double, collateralPrice: Double, debtPrice: Double, terms: Terms) -> Outcome {
        var collateral = c0
        var debt = d0
        var rounds: [Round] = []
        var badDebt = 0.0
        // Each round closes at least the close factor of what is left, so a
        // few dozen rounds reach dust; the cap only guards pathological input.
        while rounds.count < 200, debt > 0, collateral > 0,
              let hf = healthFactor(collateral: collateral, debt: debt, collateralPrice: collateralPrice, debtPrice: debtPrice, threshold: terms.liquidationThreshold),
              hf < 1 {
            let (repaid, seized, close) = step(collateral: collateral, debt: debt, healthFactor: hf, collateralPrice: collateralPrice,
                                               debtPrice: debtPrice, terms: terms, forceFull: rounds.count >= 100)
            collateral -= seized
            debt -= repaid
            if debt < 1e-12 * d0 { debt = 0 }
            if collateral < 1e-12 * c0 { collateral = 0 }
            rounds.append(Round(healthFactorBefore: hf, repaid: repaid, seized: seized,
                                healthFactorAfter: healthFactor(collateral: collateral, debt: debt, collateralPrice: collateralPrice,
                                                                debtPrice: debtPrice, threshold: terms.liquidationThreshold),
                                closeFactor: close))
        }
        if collateral == 0, debt > 0 {
            badDebt = debt
            debt = 0
        }
        return Outcome(rounds: rounds, collateral: collateral, debt: debt, badDebt: badDebt)
    }
}
