/// A market-depth curve (SPEC §2.1 `depth`, DOMAIN "Market depth and
/// cascades"): the market's liquidity for an asset X as a virtual two-sided
/// pool against its quote asset.
///
/// The pool is written in scaled coordinates: X' = x·m, X valued at its
/// modelled quote price m, and Y = y in quote units. Undisplaced it holds
/// `liquidity` L of each side (X' = Y = L), so its marginal price is m. Its
/// state is one number, the displacement Δ = marginal price / modelled price
/// (1 undisplaced): a trade moves Δ along the curve, and the market's
/// arbitrage moves it back (`DepthSpec.recover_days`). Since both curves
/// below are homogeneous, a trade of q units of X is a trade of q·m in X'.
public protocol DepthCurve: Sendable {
    /// Balances (X', Y) of the pool displaced to `displacement`.
    func balances(displacement: Double) -> (x: Double, y: Double)
    /// Y received for adding `dx` to X' (a sale of dx/m units of X), and the
    /// displacement after.
    func sell(_ dx: Double, displacement: Double) -> (out: Double, displacement: Double)
    /// X' received for adding `dy` of Y (a purchase of X), and the
    /// displacement after.
    func buy(_ dy: Double, displacement: Double) -> (out: Double, displacement: Double)
}

/// A depth curve by its scenario name (`depth.amm`); one line per curve.
enum DepthRegistry {
    static let names = ["constant_product", "stableswap"]

    static func curve(_ spec: DepthSpec) -> any DepthCurve {
        switch spec.amm {
        case "stableswap": return StableSwapDepth(liquidity: spec.liquidity, onChainA: spec.amplification ?? 100)
        default: return ConstantProductDepth(liquidity: spec.liquidity)
        }
    }
}
