import Foundation
import Testing
@testable import YieldStack

/// End-to-end checks of the `yieldstack` executable: what it prints on
/// standard output and standard error, exit codes, and files written. The
/// commands' exit statuses and usage messages are tested in-process in
/// `CommandTests`; these few prove the built binary wires it up as SPEC §3 says.
@Suite("Command line", .serialized)
struct CLITests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: String {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("yieldstack").path,
            Bundle.main.bundleURL.appendingPathComponent("yieldstack").path,
            TestSupport.repositoryRoot + "/.build/debug/yieldstack",
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }

    func run(_ arguments: [String], in directory: String? = nil) throws -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory ?? TestSupport.repositoryRoot)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test("validate: three errors, each as FILE:LINE:COLUMN: key.path: message, exit 65")
    func validateInvalid() throws {
        let file = TestSupport.fixture("three-errors.json")
        let o = try run(["validate", file])
        #expect(o.status == 65)
        let lines = o.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.hasPrefix(file + ":") })
        #expect(lines[1].hasSuffix(": strategies[0].layers[1].input.fraction: must be in (0, 1], got 1.3"))
        #expect(!o.stderr.contains("Fatal") && !o.stderr.contains("Backtrace"))
    }

    @Test("validate and run: a missing file exits 74")
    func missingFile() throws {
        for command in ["validate", "run"] {
            let o = try run([command, "/nonexistent/x.json"])
            #expect(o.status == 74, "\(command)")
            #expect(o.stderr == "/nonexistent/x.json: cannot read file: no such file\n")
        }
    }

    @Test("truncated JSON exits 65 with its position")
    func truncated() throws {
        let o = try run(["validate", TestSupport.fixture("truncated.json")])
        #expect(o.status == 65)
        #expect(o.stderr.contains("truncated.json:5:"))
        #expect(o.stderr.contains("unexpected end of input"))
    }

    @Test("run writes the database and report; report --db --run reproduces it byte for byte; --json prints the run")
    func runAndReport() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/r.sqlite"
        let scenario = TestSupport.fixture("golden-scenario.json")
        let first = try run(["run", scenario, "--db", db, "--report-dir", dir, "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let json = try JSONParser.parse(first.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json["run_id"]?.int == 1)
        #expect(json["report"]?.string == dir + "/golden-scenario.md")
        #expect(json["strategies"]?.elements?.count == 2)
        // The printed figure, against the golden closed form (1e-9 relative).
        expectRelative(json["strategies"]?.elements?.first?["final_equity"]?.double ?? 0, TestSupport.goldenFlexibleFinalEquity, 1e-9)

        let written = try String(contentsOfFile: dir + "/golden-scenario.md", encoding: .utf8)
        let report = try run(["report", "--db", db, "--run", "1"])
        #expect(report.status == 0)
        #expect(report.stdout == written)
        let out = dir + "/again.md"
        #expect(try run(["report", "--db", db, "--run", "1", "--out", out]).status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == written)

        let missing = try run(["report", "--db", db, "--run", "9"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("no run with id 9"))
        #expect(try run(["report", "--db", dir + "/none.sqlite", "--run", "1"]).status == 74)
    }

    @Test("run prints a summary table by default and nothing with --quiet")
    func summaryTable() throws {
        let dir = TestSupport.tempDirectory()
        let o = try run(["run", TestSupport.fixture("golden-scenario.json"), "--db", dir + "/r.sqlite", "--report-dir", dir])
        #expect(o.status == 0)
        #expect(o.stdout.contains("strategy"))
        #expect(o.stdout.contains("flexible"))
        #expect(o.stdout.contains("12,342.19 USD"))
        let quiet = try run(["run", TestSupport.fixture("golden-scenario.json"), "--db", dir + "/r.sqlite", "--report-dir", dir, "--quiet"])
        #expect(quiet.status == 0)
        #expect(quiet.stdout.isEmpty)
    }

    @Test("schema prints a JSON Schema")
    func schema() throws {
        let o = try run(["schema"])
        #expect(o.status == 0)
        let root = try JSONParser.parse(o.stdout)
        #expect(root["title"]?.string == "yieldstack scenario")
    }
}

@Suite("Command line: compare and sweep", .serialized)
struct CLICompareSweepTests {
    let cli = CLITests()

    @Test("compare FILE writes the comparison report; compare --db compares two runs")
    func compare() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/c.sqlite"
        let o = try cli.run(["compare", TestSupport.fixture("golden-scenario.json"), "--db", db, "--report-dir", dir, "--json"])
        #expect(o.status == 0, "\(o.stderr)")
        let json = try JSONParser.parse(o.stdout)
        #expect(json["comparison_report"]?.string == dir + "/golden-scenario-compare.md")
        let lock = try #require(json["flexible_vs_locked"]?.elements?.first)
        #expect(lock["flexible"]?.string == "flexible")
        #expect(lock["locked"]?.string == "locked")
        let text = try String(contentsOfFile: dir + "/golden-scenario-compare.md", encoding: .utf8)
        #expect(text.contains("## Flexible (flexible) versus locked (locked)"))
        #expect(text.contains("Break-even lock APR, mean"))

        #expect(try cli.run(["run", TestSupport.fixture("golden-scenario.json"), "--db", db, "--report-dir", dir, "--quiet"]).status == 0)
        let runs = try cli.run(["compare", "--db", db, "1", "2"])
        #expect(runs.status == 0)
        #expect(runs.stdout.contains("# Comparison of runs 1 and 2"))
        #expect(try cli.run(["compare", "--db", db, "1", "9"]).status == 64)
        #expect(try cli.run(["compare", "1", "2"]).status == 64)
        #expect(try cli.run(["compare", TestSupport.fixture("golden-scenario.json"), "--strategies", "nope", "--db", db]).status == 64)
    }

    @Test("the lines a command prints itself: an unknown strategy, an unknown run id, a rejected sweep variant")
    func messages() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/m.sqlite"
        let golden = TestSupport.fixture("golden-scenario.json")
        let strategy = try cli.run(["compare", golden, "--strategies", "flexible,nope", "--db", db, "--report-dir", dir])
        #expect(strategy.status == 64)
        #expect(strategy.stderr == "--strategies: unknown strategy 'nope'; \(golden) has flexible, locked\n")
        #expect(!FileManager.default.fileExists(atPath: db), "nothing is stored for an unknown strategy")

        #expect(try cli.run(["run", golden, "--db", db, "--report-dir", dir, "--quiet"]).status == 0)
        let report = try cli.run(["report", "--db", db, "--run", "9"])
        #expect(report.status == 64)
        #expect(report.stderr == "\(db): no run with id 9; its runs are 1–1\n")
        let compare = try cli.run(["compare", "--db", db, "1", "9"])
        #expect(compare.status == 64)
        #expect(compare.stderr == "\(db): no run with id 9; its runs are 1–1\n")
        let gone = try cli.run(["compare", "--db", dir + "/none.sqlite", "1", "2"])
        #expect(gone.status == 74)
        #expect(gone.stderr == "\(dir)/none.sqlite: cannot read file: no such file\n")

        let sweep = try cli.run(["sweep", golden, "--set", "strategies[1].layers[0].term_days=30,0", "--db", db, "--report-dir", dir])
        #expect(sweep.status == 65)
        #expect(sweep.stderr.contains("[strategies[1].layers[0].term_days=0]"))
        #expect(sweep.stderr.contains("must be in [1, 36500], got 0"))
    }

    @Test("sweep runs the grid, one stored run per variant, and writes the sweep report")
    func sweep() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/s.sqlite"
        let o = try cli.run(["sweep", TestSupport.fixture("golden-scenario.json"), "--set", "strategies[1].layers[0].apr=0.05,0.2",
                             "--set", "strategies[0].layers[0].apy=0.01,0.03", "--db", db, "--report-dir", dir, "--json"])
        #expect(o.status == 0, "\(o.stderr)")
        let json = try JSONParser.parse(o.stdout)
        let variants = try #require(json["variants"]?.elements)
        #expect(variants.count == 4)
        #expect(variants.compactMap { $0["run_id"]?.int } == [1, 2, 3, 4])
        let report = try String(contentsOfFile: dir + "/golden-scenario-sweep.md", encoding: .utf8)
        #expect(report.contains("| `strategies[1].layers[0].apr` | 0.05, 0.2 |"))
        let bad = try cli.run(["sweep", TestSupport.fixture("golden-scenario.json"), "--set", "strategies[1].layers[0].term_days=0", "--db", db])
        #expect(bad.status == 65)
        #expect(try cli.run(["sweep", TestSupport.fixture("golden-scenario.json"), "--set", "nonsense", "--db", db]).status == 64)
    }
}
