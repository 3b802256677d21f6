import Testing
@testable import YieldStack

@Suite("Shards: ranges and the checks of merge")
struct ShardSetTests {
    @Test("shard K of N takes ⌊K·P/N⌋ ..< ⌊(K+1)·P/N⌋: 2000 paths in 4 are 500 each; 10 in 3 are 0..<3, 3..<6, 6..<10")
    func ranges() {
        #expect((0..<4).map { ShardSpec(index: $0, count: 4).range(paths: 2000) } == [0..<500, 500..<1000, 1000..<1500, 1500..<2000])
        #expect((0..<3).map { ShardSpec(index: $0, count: 3).range(paths: 10) } == [0..<3, 3..<6, 6..<10])
        // Any N covers every path once.
        for n in [1, 2, 7, 64, 1000] {
            let ranges = (0..<n).map { ShardSpec(index: $0, count: n).range(paths: 999) }
            #expect(ranges.first?.lowerBound == 0 && ranges.last?.upperBound == 999)
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        }
    }

    @Test("K/N parses with K from 0 to N − 1; anything else is refused with a sentence")
    func parsing() throws {
        #expect(try ShardSpec.parse("3/4").get() == ShardSpec(index: 3, count: 4))
        for bad in ["4/4", "-1/4", "1/0", "a/b", "2", "1/2/3", ""] {
            #expect(throws: ShardError.self) { try ShardSpec.parse(bad).get() }
        }
        #expect(throws: ShardError("--shard 4/4: K must be between 0 and 3 (shards are numbered from 0), got 4")) { try ShardSpec.parse("4/4").get() }
    }

    static func manifest(_ file: String, _ k: Int, _ n: Int, paths: Int = 10, seed: UInt64 = 1, sha: String = "aaaa", name: String = "s") -> ShardManifest {
        let spec = ShardSpec(index: k, count: n)
        return ShardManifest(file: file, runID: 1, scenarioName: name, scenarioSHA256: String(repeating: sha, count: 16), seed: seed,
                             paths: paths, toolVersion: "0.3.0", shard: spec, range: spec.range(paths: paths))
    }

    @Test("complete disjoint shards group into one run in path order")
    func complete() throws {
        let groups = try ShardSet.group([Self.manifest("b.sqlite", 1, 2), Self.manifest("a.sqlite", 0, 2)]).get()
        #expect(groups.count == 1)
        #expect(groups[0].shards.map(\.file) == ["a.sqlite", "b.sqlite"])
    }

    @Test("an overlap, a gap and a mixed seed are refused, naming the files")
    func refusals() {
        func message(_ m: [ShardManifest]) -> String {
            if case .failure(let e) = ShardSet.group(m) { return e.message }
            return ""
        }
        let overlap = message([Self.manifest("a.sqlite", 0, 2), Self.manifest("b.sqlite", 0, 2), Self.manifest("c.sqlite", 1, 2)])
        #expect(overlap.contains("b.sqlite") && overlap.contains("a.sqlite") && overlap.contains("overlaps"))
        let gap = message([Self.manifest("a.sqlite", 0, 3), Self.manifest("c.sqlite", 2, 3)])
        #expect(gap.contains("paths 3..<6") && gap.contains("a.sqlite") && gap.contains("c.sqlite"))
        let end = message([Self.manifest("a.sqlite", 0, 2)])
        #expect(end.contains("paths 5..<10") && end.contains("a.sqlite"))
        let seed = message([Self.manifest("a.sqlite", 0, 2), Self.manifest("b.sqlite", 1, 2, seed: 2)])
        #expect(seed.contains("a.sqlite and b.sqlite") && seed.contains("different seeds (1 and 2)"))
        let scenario = message([Self.manifest("a.sqlite", 0, 2), Self.manifest("b.sqlite", 1, 2, sha: "bbbb", name: "t")])
        #expect(scenario.contains("a.sqlite and b.sqlite hold shards of different scenarios"))
    }
}
