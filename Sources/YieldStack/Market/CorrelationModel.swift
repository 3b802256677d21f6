/// Correlated normal shocks for assets named in `market.correlations`:
/// independent normals z (one stream per asset) become L·z, where L is the
/// Cholesky factor of the correlation matrix (pairs not listed are 0).
public struct CorrelationModel: Sendable {
    /// Asset names in market order; index i of the matrix.
    public let assets: [String]
    /// Lower-triangular Cholesky factor, row-major n×n.
    public let factor: [Double]

    /// Nil when the matrix is not positive semi-definite.
    public init?(market: MarketSpec) {
        let names = market.assets.map(\.name).filter { name in
            market.correlations.contains { $0.first == name || $0.second == name }
        }
        let n = names.count
        var matrix = [Double](repeating: 0, count: n * n)
        for i in 0..<n { matrix[i * n + i] = 1 }
        for c in market.correlations {
            guard let i = names.firstIndex(of: c.first), let j = names.firstIndex(of: c.second) else { return nil }
            matrix[i * n + j] = c.rho
            matrix[j * n + i] = c.rho
        }
        guard let l = CorrelationModel.cholesky(matrix, n: n) else { return nil }
        assets = names
        factor = l
    }

    /// Cholesky–Banachiewicz, extended to positive semi-definite matrices:
    /// a zero pivot (ρ = ±1 between two assets: one is the other's shock, or
    /// its negative) gives a zero column. Nil unless the matrix is positive
    /// semi-definite (some triple of correlations is inconsistent).
    public static func cholesky(_ a: [Double], n: Int) -> [Double]? {
        let tolerance = 1e-10
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var sum = a[i * n + j]
                for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    if sum > 1e-12 {
                        l[i * n + i] = sum.squareRoot()
                    } else {
                        guard sum > -tolerance else { return nil }
                        l[i * n + i] = 0
                    }
                } else if l[j * n + j] > 0 {
                    l[i * n + j] = sum / l[j * n + j]
                } else {
                    // A zero pivot: the rest of this column must be zero too.
                    guard abs(sum) <= tolerance else { return nil }
                    l[i * n + j] = 0
                }
            }
        }
        return l
    }

    /// Mixes independent innovations (one array per asset, same layout) in place.
    public func correlate(_ z: inout [[Double]]) {
        let n = assets.count
        guard n > 1, let count = z.first?.count else { return }
        var row = [Double](repeating: 0, count: n)
        for idx in 0..<count {
            for i in 0..<n { row[i] = z[i][idx] }
            for i in 0..<n {
                var s = 0.0
                for k in 0...i { s += factor[i * n + k] * row[k] }
                z[i][idx] = s
            }
        }
    }
}
