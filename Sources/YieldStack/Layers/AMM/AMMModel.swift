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
    /// Whether fees stay in the pool and compound (false: collected beside
    /// the position, as Uniswap v3 does).
    var compoundsFees: Bool { get }
    /// Whether the position can leave its range (reports days in range).
    var hasRange: Bool { get }
}

extension AMMModel {
    public func inRange(_ position: AMMPosition, price: Double) -> Bool { true }
    public var passesRebases: Bool { true }
    public var compoundsFees: Bool { true }
    public var hasRange: Bool { false }
}

/// An AMM curve as the scenario names it (`lp.amm`): which of the LP
/// layer's curve parameters it uses, what it requires of them, and the model
/// it builds. Adding a curve is one file with a type conforming to this
/// protocol and one line in `AMMRegistry.curves`.
protocol AMMCurve: Sendable {
    /// The `amm` string of the scenario file.
    static var name: String { get }
    /// The LP fields this curve reads (`amplification`, `range`); the LP
    /// layer refuses the others.
    static var parameters: Set<String> { get }
    /// Missing or inconsistent parameters: (field, message).
    static func problems(_ spec: LPSpec) -> [(String, String)]
    static func model(_ spec: LPSpec) -> any AMMModel
}

/// The registry of AMM curves: one line per curve.
enum AMMRegistry {
    static let curves: [any AMMCurve.Type] = [
        ConstantProductCurve.self,
        StableSwapCurve.self,
        ConcentratedCurve.self,
    ]

    static var names: [String] { curves.map { $0.name } }

    static func curve(named name: String) -> (any AMMCurve.Type)? { curves.first { $0.name == name } }

    static func model(_ spec: LPSpec) -> any AMMModel {
        (curve(named: spec.amm) ?? ConstantProductCurve.self).model(spec)
    }
}
