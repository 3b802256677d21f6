/// StableSwap depth: Curve's two-coin invariant (`StableSwapModel`) in the
/// scaled coordinates of `DepthCurve`. Undisplaced the pool is balanced,
/// X' = Y = L, so D = 2L; a displaced state is the point of the invariant
/// whose marginal price is Δ, and a trade moves along the invariant: flat
/// near balance, then steep as the pool empties of the quote asset.
public struct StableSwapDepth: DepthCurve {
    public let liquidity: Double
    /// The whitepaper's A (on-chain `A()` / 2), as in `StableSwapModel`.
    public let whitepaperA: Double
    let invariant: Double

    /// `onChainA`: the pool's `A()`, the scenario's `amplification`.
    public init(liquidity: Double, onChainA: Double) {
        self.liquidity = liquidity
        whitepaperA = onChainA / 2
        invariant = 2 * liquidity
    }

    public func balances(displacement: Double) -> (x: Double, y: Double) {
        if displacement == 1 { return (liquidity, liquidity) }
        let x = StableSwapModel.balanceAtPrice(displacement, invariant: invariant, whitepaperA: whitepaperA, guess: liquidity)
        return (x, StableSwapModel.balance(other: x, invariant: invariant, whitepaperA: whitepaperA))
    }

    public func sell(_ dx: Double, displacement: Double) -> (out: Double, displacement: Double) {
        let (x, y) = balances(displacement: displacement)
        guard dx > 0 else { return (0, displacement) }
        let x1 = x + dx
        let y1 = StableSwapModel.balance(other: x1, invariant: invariant, whitepaperA: whitepaperA)
        return (max(0, y - y1), StableSwapModel.price(x: x1, y: y1, invariant: invariant, whitepaperA: whitepaperA))
    }

    public func buy(_ dy: Double, displacement: Double) -> (out: Double, displacement: Double) {
        let (x, y) = balances(displacement: displacement)
        guard dy > 0 else { return (0, displacement) }
        let y1 = y + dy
        // The invariant is symmetric in x and y.
        let x1 = StableSwapModel.balance(other: y1, invariant: invariant, whitepaperA: whitepaperA)
        return (max(0, x - x1), StableSwapModel.price(x: x1, y: y1, invariant: invariant, whitepaperA: whitepaperA))
    }
}
