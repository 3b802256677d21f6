/// `--shard K/N` (SPEC §3): shard K (0-based, so `$JOB_COMPLETION_INDEX`
/// and a Slurm array `0-(N-1)` plug in directly) of N runs paths
/// ⌊K·P/N⌋ ..< ⌊(K+1)·P/N⌋ of the P paths. Paths are seeded per (seed,
/// component, path), so a shard's paths are the same whatever N is.
public struct ShardSpec: Sendable, Equatable, CustomStringConvertible {
    public var index: Int
    public var count: Int

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    /// Most shards of one run: far more than any scheduler's array, few
    /// enough that a path range is never empty for sensible path counts.
    public static let maxCount = 100_000

    /// Parses `K/N` with 0 ≤ K < N ≤ `maxCount`; nil and a sentence otherwise.
    public static func parse(_ text: String) -> Result<ShardSpec, ShardError> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
              let n = Int(parts[1].trimmingCharacters(in: .whitespaces)) else {
            return .failure(ShardError("--shard must be K/N, e.g. 0/4 (shard K of N, K from 0 to N−1), got '\(text)'"))
        }
        guard (1...maxCount).contains(n) else { return .failure(ShardError("--shard \(text): N must be between 1 and \(maxCount), got \(n)")) }
        guard (0..<n).contains(k) else { return .failure(ShardError("--shard \(text): K must be between 0 and \(n - 1) (shards are numbered from 0), got \(k)")) }
        return .success(ShardSpec(index: k, count: n))
    }

    /// Paths ⌊K·P/N⌋ ..< ⌊(K+1)·P/N⌋ of `paths`: disjoint, in order, covering 0 ..< P.
    public func range(paths: Int) -> Range<Int> {
        let lo = index * paths / count
        let hi = (index + 1) * paths / count
        return lo..<hi
    }

    public var description: String { "\(index)/\(count)" }
}

/// A problem with `--shard` or with the shards given to `merge`: exit 64
/// for a bad argument, 65 for shards that do not make one run.
public struct ShardError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
