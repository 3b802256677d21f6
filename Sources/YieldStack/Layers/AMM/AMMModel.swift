/// A liquidity position's holdings: `x` of pair[0], `y` of pair[1], and for
/// concentrated positions the liquidity L that defines them.
public struct AMMPosition: Sendable, Equatable {
    public var x: Double
    public var y: Double
    public var liquidity: Double

    public init(x: Double, y: Double, liquidity: Double = 0) {
        self.x = x
        self.y = y
        self.liquidity = liquidity
    }

    /// Value in pair[1] units at `price` (pair[0] in pair[1]).
    public func value(at price: Double) -> Double { x * price + y }
}

/// One AMM curve (DOMAIN "Liquidity pools"). External arbitrage keeps the
/// pool's price equal to the market price, so a position is a function of the
/// price and its invariant. Adding a curve is one file and a registry line in
/// `AMMRegistry`.
public protocol AMMModel: Sendable {
    /// The holdings of a position worth `value` (pair[1] units) entered at `price`.
    func enter(value: Double, price: Double) -> AMMPosition
    /// The holdings after arbitrage moves the pool to `price`.
    func rebalance(_ position: AMMPosition, to price: Double) -> AMMPosition
    /// Whether the position earns fees at `price`.
    func inRange(_ position: AMMPosition, price: Double) -> Bool
    /// Whether receipts held in the position grow with rebases.
    var passesRebases: Bool { get }
}

extension AMMModel {
    public func inRange(_ position: AMMPosition, price: Double) -> Bool { true }
    public var passesRebases: Bool { true }
}

enum AMMRegistry {
    static func model(_ spec: LPSpec) -> any AMMModel {
        switch spec.amm {
        case .constantProduct: return ConstantProductModel()
        case .stableswap: return StableSwapModel(amplification: spec.amplification ?? 100)
        case .concentrated: return ConcentratedLiquidityModel(lower: spec.range?.lower ?? 0, upper: spec.range?.upper ?? .infinity)
        }
    }
}
