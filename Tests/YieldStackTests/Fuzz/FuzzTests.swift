// Structural fuzz test of scenario files (SPEC §3: bad input exits 64, 65 or 74,
// never 70, a signal, a Swift trap or a hang).
//
// Each mutant is one of the shipped scenarios/*.json with one to three
// structural mutations (FuzzMutator: deleted keys, swapped types, extreme and
// invalid numbers, hostile strings, duplicate keys, deep nesting,
// self-references, swapped layers, 50 copies of a strategy, huge counts,
// injected depth/flows/series/GBM/shocks with extreme numbers, CRLF,
// truncation, stray bytes, hostile series files: CRLF, UTF-16, binary, empty,
// /dev/zero, /dev/null, a FIFO, a symlink loop, a directory, 1e308, 1e-320,
// a NUL). The generator is the fuzzer's own SplitMix64 with a fixed seed:
// mutant i depends only on (seed, i), so every run makes the same mutants.
// Each mutant runs in a subprocess of the built binary:
//     yieldstack validate FILE
// and, when that exits 0,
//     yieldstack run FILE --paths 3 --db DIR/r.sqlite --report-dir DIR --quiet
// each with a 10 s timeout (killed and counted as a hang).
//
// Short run (part of the suite, 200 mutants, well under 30 s in debug):
//     swift build --build-tests && swift test --skip-build --filter Fuzz
// Long run (CI: .ci/run sets it; ≥ 3000 mutants):
//     YIELDSTACK_FUZZ_MUTANTS=3000 swift test --skip-build --filter Fuzz
//   or Tests/fuzz/run-long.sh [N] [OUT_DIR]
// Other knobs:
//     YIELDSTACK_FUZZ_FIRST=i     start at mutant i (with MUTANTS=1: reproduce mutant i alone)
//     YIELDSTACK_FUZZ_SEED=n      another seed (decimal or 0x-hex) to explore further
//     YIELDSTACK_FUZZ_OUT=DIR     keep failing mutants and summary.tsv/results.tsv there
// A failing mutant is saved (scenario, hostile file, stderr, description) and
// its directory printed in the failure, with the command to reproduce it.
import Foundation
import Testing
@testable import YieldStack

@Suite("Fuzz: structural mutations of the shipped scenarios", .serialized)
struct FuzzTests {
    static let defaultMutants = 200
    static let defaultSeed: UInt64 = 0x5CE7_A210_F022_0001

    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var mutantCount: Int { environment["YIELDSTACK_FUZZ_MUTANTS"].flatMap { Int($0) } ?? defaultMutants }
    static var firstMutant: Int { environment["YIELDSTACK_FUZZ_FIRST"].flatMap { Int($0) } ?? 0 }
    static var seed: UInt64 {
        guard let s = environment["YIELDSTACK_FUZZ_SEED"] else { return defaultSeed }
        return s.hasPrefix("0x") ? UInt64(s.dropFirst(2), radix: 16) ?? defaultSeed : UInt64(s) ?? defaultSeed
    }

    struct Failure { var index: Int; var directory: String; var what: String; var signature: String }

    /// Runs one mutant in its own directory; returns the contract violation, if any.
    static func check(_ mutant: FuzzMutant, in directory: String, dataDirectory: String) -> (failure: String?, outcomes: [FuzzRunner.Outcome]) {
        let fm = FileManager.default
        try? fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var data = mutant.data
        if let kind = mutant.seriesFile {
            // Each "@@SERIES@@name" becomes a hostile file made for that shipped file name.
            var text = String(decoding: data, as: UTF8.self)
            let regex = try! NSRegularExpression(pattern: #"@@SERIES@@([A-Za-z0-9._-]*)"#)
            for m in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).reversed() {
                let whole = Range(m.range, in: text)!, name = String(text[Range(m.range(at: 1), in: text)!])
                text.replaceSubrange(whole, with: FuzzRunner.materialize(kind, original: name, in: directory, dataDirectory: dataDirectory))
            }
            data = Data(text.utf8)
        }
        let file = directory + "/mutant-\(mutant.index).json"
        _ = fm.createFile(atPath: file, contents: data)
        // A data file's own errors are reported at its own FILE:LINE:COLUMN.
        let dataFiles = [directory + "/", dataDirectory + "/", "/dev/"]
        let validate = FuzzRunner.run(["validate", file], in: directory)
        if let v = FuzzRunner.violation(validate, file: file, dataFiles: dataFiles) { return (v, [validate]) }
        guard validate.status == 0 else { return (nil, [validate]) }
        let run = FuzzRunner.run(["run", file, "--paths", "3", "--db", directory + "/r.sqlite", "--report-dir", directory, "--quiet"], in: directory)
        if let v = FuzzRunner.violation(run, file: file, dataFiles: dataFiles) { return (v, [validate, run]) }
        // After validate accepted it and with no hostile data file, nothing is left to fail to read:
        // a 74 from writing a fresh temp database is a bug (a NUL in an id breaking a UNIQUE key), not I/O.
        if run.status == 74, mutant.seriesFile == nil {
            return ("exit 74 from run on a fresh database: \(run.stderr.split(separator: "\n").first.map { String($0.prefix(120)) } ?? "")", [validate, run])
        }
        return (nil, [validate, run])
    }

    /// A short key grouping failures: command, outcome and the first stderr line with the file name and numbers masked.
    static func signature(_ o: FuzzRunner.Outcome, file: String) -> String {
        var first = o.stderr.split(separator: "\n").first.map(String.init) ?? ""
        // A trap: group by the first frame in our sources (Swift's backtrace names it).
        if o.signaled, let r = o.stderr.range(of: #"Sources/[A-Za-z0-9_/]+\.swift:[0-9]+"#, options: .regularExpression) {
            return "\(o.command.first ?? "?") \(o.statusText) at \(o.stderr[r])"
        }
        if let r = first.range(of: "internal error in strategy '[^']*'", options: .regularExpression) { first.replaceSubrange(r, with: "internal error in strategy S") }
        var masked = first.replacingOccurrences(of: file, with: "FILE")
        masked = masked.replacingOccurrences(of: #"[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?"#, with: "#", options: .regularExpression)
        return "\(o.command.first ?? "?") \(o.statusText) \(masked.prefix(160))"
    }

    @Test("mutants of the shipped scenarios exit 0, 64, 65 or 74: no 70, no signal, no hang, no forged or crash output")
    func mutants() throws {
        let mutator = try FuzzMutator(seed: Self.seed, repositoryRoot: TestSupport.repositoryRoot)
        #expect(mutator.bases.count >= 5, "the shipped scenarios were not found under \(TestSupport.repositoryRoot)/scenarios")
        let keep = Self.environment["YIELDSTACK_FUZZ_OUT"]
        let root = keep ?? TestSupport.tempDirectory() + "/fuzz"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var failures: [Failure] = []
        var results = "index\tbase\tvalidate\trun\tseconds\tverdict\tmutations\n"
        var statusCounts: [String: Int] = [:]
        let range = Self.firstMutant..<(Self.firstMutant + Self.mutantCount)
        let start = Date()
        for i in range {
            let mutant = mutator.mutant(i)
            let dir = root + "/mutant-\(i)"
            let (failure, outcomes) = Self.check(mutant, in: dir, dataDirectory: mutator.dataDirectory)
            let file = dir + "/mutant-\(i).json"
            for o in outcomes { statusCounts["\(o.command[0]) \(o.statusText)", default: 0] += 1 }
            results += "\(i)\t\(mutant.base)\t\(outcomes[0].statusText)\t\(outcomes.count > 1 ? outcomes[1].statusText : "-")\t"
                + String(format: "%.2f", outcomes.map(\.seconds).reduce(0, +)) + "\t\(failure ?? "ok")\t\(mutant.mutations.joined(separator: "; ").replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\t", with: " "))\n"
            if let failure, let last = outcomes.last {
                let commands = outcomes.map { "yieldstack " + $0.command.joined(separator: " ") + "   → " + $0.statusText }.joined(separator: "\n")
                let what = """
                    mutant \(i) of \(mutant.base) (seed \(String(Self.seed, radix: 16))): \(failure)
                    mutations: \(mutant.mutations.joined(separator: "; "))\(mutant.seriesFile.map { " (series file: \($0.rawValue))" } ?? "")
                    \(commands)
                    stderr: \(String(last.stderr.prefix(600)))
                    saved in \(dir); reproduce: YIELDSTACK_FUZZ_FIRST=\(i) YIELDSTACK_FUZZ_MUTANTS=1 swift test --skip-build --filter Fuzz
                    """
                try? what.write(toFile: dir + "/FAILURE.txt", atomically: true, encoding: .utf8)
                failures.append(Failure(index: i, directory: dir, what: what, signature: Self.signature(last, file: file) + " [\(failure.prefix(60))]"))
            } else {
                try? FileManager.default.removeItem(atPath: dir)
            }
        }
        // One summary line per distinct failure, with its count and first mutants.
        var groups: [String: [Int]] = [:]
        for f in failures { groups[f.signature, default: []].append(f.index) }
        let summary = groups.sorted { $0.value.count > $1.value.count }
            .map { "\($0.value.count)\t\($0.key)\tmutants \($0.value.prefix(8).map(String.init).joined(separator: ","))" }.joined(separator: "\n")
        try? results.write(toFile: root + "/results.tsv", atomically: true, encoding: .utf8)
        try? (summary + "\n").write(toFile: root + "/summary.tsv", atomically: true, encoding: .utf8)
        let elapsed = Date().timeIntervalSince(start)
        print("fuzz: \(range.count) mutants in \(String(format: "%.1f", elapsed)) s, \(failures.count) failing, \(groups.count) distinct; outcomes \(statusCounts.sorted { $0.key < $1.key }); kept in \(root)")
        for f in failures.prefix(40) { Issue.record(Comment(rawValue: f.what)) }
        #expect(failures.isEmpty, "\(failures.count) of \(range.count) mutants broke the exit-code contract (\(groups.count) distinct):\n\(summary)")
    }

    /// Fixed hostile series files beside an otherwise valid scenario, and hostile scenario paths.
    @Test("hostile series files and scenario paths exit 65 or 74, never hang or crash", arguments: FuzzSeriesFile.allCases)
    func hostileSeries(_ kind: FuzzSeriesFile) throws {
        let mutator = try FuzzMutator(seed: Self.seed, repositoryRoot: TestSupport.repositoryRoot)
        let base = try #require(mutator.bases.first { $0.name == "june-2022-replay.json" } ?? mutator.bases.first)
        let dir = TestSupport.tempDirectory()
        var tree = base.tree
        for p in tree.allPaths() where tree.key(at: p.path) == "file" {
            let name = (p.node.stringValue ?? "").split(separator: "/").last.map(String.init) ?? ""
            tree.update(at: p.path[...]) { $0 = .string("@@SERIES@@" + name) }
        }
        let mutant = FuzzMutant(index: 0, base: base.name, mutations: ["series → \(kind.rawValue)"], data: Data(tree.text().utf8), seriesFile: kind)
        let (failure, outcomes) = Self.check(mutant, in: dir, dataDirectory: mutator.dataDirectory)
        #expect(failure == nil, "\(kind.rawValue): \(failure ?? "") — \(outcomes.map(\.statusText)) \(outcomes.last?.stderr.prefix(400) ?? "") (in \(dir))")
    }

    @Test("a scenario path that is a device, a FIFO, a directory or a symlink loop exits 65 or 74 at once",
          arguments: ["/dev/zero", "/dev/null", "fifo", "dir", "loop", "utf16"])
    func hostileScenarioPath(_ what: String) throws {
        let dir = TestSupport.tempDirectory()
        var path = what
        switch what {
        case "fifo": path = dir + "/s.json"; _ = mkfifo(path, 0o600)
        case "dir": path = dir
        case "loop":
            path = dir + "/a.json"
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: dir + "/b.json")
            try FileManager.default.createSymbolicLink(atPath: dir + "/b.json", withDestinationPath: path)
        case "utf16":
            path = dir + "/s.json"
            let text = try String(contentsOfFile: TestSupport.repositoryRoot + "/scenarios/steth-loop.json", encoding: .utf8)
            _ = FileManager.default.createFile(atPath: path, contents: text.data(using: .utf16))
        default: break
        }
        let o = FuzzRunner.run(["validate", path], in: dir)
        #expect(FuzzRunner.violation(o, file: path) == nil && o.status != 0, "validate \(what): \(o.statusText) \(o.stderr.prefix(400))")
    }

    /// The minimal reproducers of what the fuzzer found (Fixtures/fuzz/*.json, each
    /// one shipped scenario with one change, named by its failure; the
    /// `description` says the change and the expected exit). Each must keep the
    /// contract; this test fails until the sources are fixed.
    @Test("fuzz reproducers in Fixtures/fuzz keep the exit-code contract")
    func reproducers() throws {
        let dir = TestSupport.fixture("fuzz")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        #expect(!names.isEmpty)
        for name in names {
            let work = TestSupport.tempDirectory()
            let mutant = FuzzMutant(index: 0, base: name, mutations: [name], data: try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name)), seriesFile: nil)
            let (failure, outcomes) = Self.check(mutant, in: work, dataDirectory: TestSupport.repositoryRoot + "/scenarios/data")
            #expect(failure == nil, "\(name): \(failure ?? "") — \(outcomes.map { $0.command[0] + " " + $0.statusText }) \(outcomes.last?.stderr.prefix(300) ?? "")")
        }
    }

    /// Counts no one can simulate must be refused (65), not run for hours or trap.
    @Test("huge counts are refused with 65", arguments: [
        ("days", "9223372036854775807"), ("days", "1e300"), ("days", "-1"), ("paths", "9223372036854775807"), ("paths", "0"),
        ("days", "100000000"),
    ])
    func hugeCounts(_ key: String, _ value: String) throws {
        let mutator = try FuzzMutator(seed: Self.seed, repositoryRoot: TestSupport.repositoryRoot)
        let base = try #require(mutator.bases.first { $0.name == "steth-loop.json" } ?? mutator.bases.first)
        var tree = base.tree
        tree.set(key, .number(value))
        let dir = TestSupport.tempDirectory()
        let mutant = FuzzMutant(index: 0, base: base.name, mutations: ["\(key) → \(value)"], data: Data(tree.text().utf8), seriesFile: nil)
        let (failure, outcomes) = Self.check(mutant, in: dir, dataDirectory: mutator.dataDirectory)
        #expect(failure == nil && outcomes[0].status == 65, "\(key) = \(value): \(outcomes.map(\.statusText)) \(failure ?? "") \(outcomes.last?.stderr.prefix(300) ?? "")")
    }
}
