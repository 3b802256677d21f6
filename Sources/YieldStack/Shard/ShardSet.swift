/// What a shard database says about the runs it holds (its manifest): which
/// run, which slice of its paths.
public struct ShardManifest: Sendable, Equatable {
    /// The shard database file.
    public var file: String
    /// The run's id in that file.
    public var runID: Int64
    public var scenarioName: String
    public var scenarioSHA256: String
    public var seed: UInt64
    public var paths: Int
    public var toolVersion: String
    public var shard: ShardSpec
    /// The paths this shard ran.
    public var range: Range<Int>

    public init(file: String, runID: Int64, scenarioName: String, scenarioSHA256: String, seed: UInt64, paths: Int,
                toolVersion: String, shard: ShardSpec, range: Range<Int>) {
        self.file = file
        self.runID = runID
        self.scenarioName = scenarioName
        self.scenarioSHA256 = scenarioSHA256
        self.seed = seed
        self.paths = paths
        self.toolVersion = toolVersion
        self.shard = shard
        self.range = range
    }

    var label: String { "\(file) (run \(runID), shard \(shard), paths \(range.lowerBound)..<\(range.upperBound))" }
}

/// The shards given to `merge`, grouped into the runs they make (one for a
/// `run`, one per variant for a `sweep`), after checking that they belong
/// together (SPEC §3): one scenario per run (SHA-256), one seed, one path
/// count, one tool version; shards disjoint and together covering every path.
public enum ShardSet {
    /// One run to write: its shards in path order.
    public struct Group: Sendable, Equatable {
        public var scenarioSHA256: String
        public var shards: [ShardManifest]
    }

    /// The runs the shards make, in the order of their first appearance;
    /// or every problem found, each naming the files.
    public static func group(_ manifests: [ShardManifest]) -> Result<[Group], ShardError> {
        var problems: [String] = []
        guard !manifests.isEmpty else { return .failure(ShardError("no shard runs to merge: the databases hold no run made with --shard")) }
        // Every file must hold the same runs: shards of one run (or of one sweep).
        let files = orderedUnique(manifests.map(\.file))
        let runsOf = Dictionary(grouping: manifests, by: \.file).mapValues { Set($0.map(\.scenarioSHA256)) }
        let reference = runsOf[files[0]]!
        for f in files.dropFirst() where runsOf[f]! != reference {
            let a = manifests.first { $0.file == files[0] }!, b = manifests.first { $0.file == f }!
            let sameScenarioName = a.scenarioName == b.scenarioName
            problems.append("\(files[0]) and \(f) hold shards of different scenarios (\(sameScenarioName ? "'\(a.scenarioName)', changed between the runs" : "'\(a.scenarioName)' and '\(b.scenarioName)'"): "
                + "scenario SHA-256 \(a.scenarioSHA256.prefix(12))… and \(b.scenarioSHA256.prefix(12))…")
        }
        var groups: [Group] = []
        for sha in orderedUnique(manifests.map(\.scenarioSHA256)) {
            let shards = manifests.filter { $0.scenarioSHA256 == sha }.sorted { ($0.range.lowerBound, $0.file) < ($1.range.lowerBound, $1.file) }
            let first = shards[0]
            for s in shards.dropFirst() {
                if s.seed != first.seed {
                    problems.append("\(first.file) and \(s.file) ran '\(first.scenarioName)' with different seeds (\(first.seed) and \(s.seed))")
                }
                if s.paths != first.paths {
                    problems.append("\(first.file) and \(s.file) ran '\(first.scenarioName)' with different path counts (\(first.paths) and \(s.paths))")
                }
                if s.toolVersion != first.toolVersion {
                    problems.append("\(first.file) and \(s.file) were made by different yieldstack versions (\(first.toolVersion) and \(s.toolVersion))")
                }
            }
            var covered = 0
            var previous: ShardManifest?
            for s in shards {
                if s.range.lowerBound < covered, let p = previous {
                    problems.append("\(s.label) overlaps \(p.label)")
                } else if s.range.lowerBound > covered {
                    problems.append("paths \(covered)..<\(s.range.lowerBound) of '\(s.scenarioName)' are in no shard: a gap \(previous.map { "after \($0.label)" } ?? "at the start"), before \(s.label)")
                }
                covered = max(covered, s.range.upperBound)
                previous = s
            }
            if covered < first.paths, let p = previous {
                problems.append("paths \(covered)..<\(first.paths) of '\(first.scenarioName)' are in no shard: a gap after \(p.label)")
            }
            groups.append(Group(scenarioSHA256: sha, shards: shards))
        }
        return problems.isEmpty ? .success(groups) : .failure(ShardError(problems.joined(separator: "\n")))
    }

    private static func orderedUnique(_ xs: [String]) -> [String] {
        var seen = Set<String>()
        return xs.filter { seen.insert($0).inserted }
    }
}
