/// x·y = k depth (DOMAIN "Market depth and cascades"). Undisplaced X' = Y = L,
/// so k = L²; at displacement Δ = Y/X', X' = L/√Δ and Y = L·√Δ. Selling dx
/// returns ΔY = Y·dx/(X' + dx); with X' = L/p·p this is the DOMAIN's
/// y·q/(x + q) for q = dx/p units at reserves x = L/p, y = L.
public struct ConstantProductDepth: DepthCurve {
    public let liquidity: Double

    public init(liquidity: Double) { self.liquidity = liquidity }

    public func balances(displacement: Double) -> (x: Double, y: Double) {
        let r = displacement.squareRoot()
        return (liquidity / r, liquidity * r)
    }

    public func sell(_ dx: Double, displacement: Double) -> (out: Double, displacement: Double) {
        let (x, y) = balances(displacement: displacement)
        guard dx > 0 else { return (0, displacement) }
        let out = y * dx / (x + dx)
        return (out, (y - out) / (x + dx))
    }

    public func buy(_ dy: Double, displacement: Double) -> (out: Double, displacement: Double) {
        let (x, y) = balances(displacement: displacement)
        guard dy > 0 else { return (0, displacement) }
        let out = x * dy / (y + dy)
        return (out, (y + dy) / (x - out))
    }
}
