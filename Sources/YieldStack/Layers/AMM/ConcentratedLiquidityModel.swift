/// Concentrated liquidity (Uniswap v3) in a price range [pa, pb] of pair[0]
/// in pair[1]. With liquidity L, inside the range the position holds
/// x = L(1/√p − 1/√pb) and y = L(√p − √pa); below pa it is all x,
/// L(1/√pa − 1/√pb); above pb all y, L(√pb − √pa); out of range it earns no
/// fees. Receipts in such a position do not pass rebases on.
public struct ConcentratedLiquidityModel: AMMModel {
    public let lower: Double
    public let upper: Double

    public init(lower: Double, upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    public var passesRebases: Bool { false }
    public var compoundsFees: Bool { false }
    public var hasRange: Bool { true }

    public func amounts(liquidity l: Double, price p: Double) -> (x: Double, y: Double) {
        let sa = lower.squareRoot(), sb = upper.squareRoot()
        if p <= lower { return (l * (1 / sa - 1 / sb), 0) }
        if p >= upper { return (0, l * (sb - sa)) }
        let sp = p.squareRoot()
        return (l * (1 / sp - 1 / sb), l * (sp - sa))
    }

    /// L for a position worth `value` (pair[1] units) at price p.
    public func liquidity(value: Double, price p: Double) -> Double {
        let unit = amounts(liquidity: 1, price: p)
        let perL = unit.x * p + unit.y
        return perL > 0 ? value / perL : 0
    }

    public func enter(value: Double, price: Double) -> AMMPosition {
        let l = liquidity(value: value, price: price)
        let a = amounts(liquidity: l, price: price)
        return AMMPosition(x: a.x, y: a.y, liquidity: l)
    }

    public func rebalance(_ position: AMMPosition, to price: Double) -> AMMPosition {
        let a = amounts(liquidity: position.liquidity, price: price)
        return AMMPosition(x: a.x, y: a.y, liquidity: position.liquidity)
    }

    public func inRange(_ position: AMMPosition, price: Double) -> Bool {
        price > lower && price < upper
    }
}

/// `"amm": "concentrated"`, with its price `range`.
enum ConcentratedCurve: AMMCurve {
    static let name = "concentrated"
    static let parameters: Set<String> = ["range"]
    static func problems(_ spec: LPSpec) -> [(String, String)] {
        guard let r = spec.range else { return [("range", "a concentrated position needs 'range' [lower, upper]")] }
        return r.lower >= r.upper ? [("range", "lower bound must be below upper bound")] : []
    }
    static func model(_ spec: LPSpec) -> any AMMModel {
        ConcentratedLiquidityModel(lower: spec.range?.lower ?? 0, upper: spec.range?.upper ?? .infinity)
    }
}
