/// x·y = k (Uniswap v2). A position holds equal values of both assets; after
/// arbitrage to price p it holds x = √(k/p), y = √(k·p). Against holding the
/// entry amounts, a price move by factor r leaves it worth 2√r/(1 + r).
public struct ConstantProductModel: AMMModel {
    public init() {}

    public func enter(value: Double, price: Double) -> AMMPosition {
        AMMPosition(x: value / 2 / price, y: value / 2)
    }

    public func rebalance(_ position: AMMPosition, to price: Double) -> AMMPosition {
        let k = position.x * position.y
        guard k > 0, price > 0 else { return position }
        return AMMPosition(x: (k / price).squareRoot(), y: (k * price).squareRoot())
    }
}

/// `"amm": "constant_product"`.
enum ConstantProductCurve: AMMCurve {
    static let name = "constant_product"
    static let parameters: Set<String> = []
    static func problems(_ spec: LPSpec) -> [(String, String)] { [] }
    static func model(_ spec: LPSpec) -> any AMMModel { ConstantProductModel() }
}
