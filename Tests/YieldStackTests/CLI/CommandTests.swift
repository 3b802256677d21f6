import ArgumentParser
import Foundation
import Testing
@testable import YieldStack
@testable import YieldStackCLI

/// The commands parsed and run in-process, as argument-parser's own tests do:
/// `parseAsRoot` then `run()`, the exit status and message taken from
/// `exitCode(for:)` and `message(for:)` exactly as `main()` would print them.
/// Standard error is not captured: the test runner reports on it from other
/// tests running at the same time, so a redirection would swallow their
/// output. What a command writes is checked in the files and database it
/// leaves behind; the lines it prints itself are checked end to end in
/// `CLITests`.
enum CommandLineHarness {
    struct Outcome {
        /// The exit status `main()` would end with.
        var status: Int32
        /// argument-parser's message for the error (empty for success and `ExitCode`).
        var message: String
    }

    static func run(_ arguments: [String]) -> Outcome {
        do {
            var command = try YieldStackCommand.parseAsRoot(arguments)
            try command.run()
            return Outcome(status: 0, message: "")
        } catch {
            return Outcome(status: YieldStackCommand.exitCode(for: error).rawValue, message: YieldStackCommand.message(for: error))
        }
    }
}

@Suite("Commands in-process", .serialized)
struct CommandTests {
    let golden = TestSupport.fixture("golden-scenario.json")
    let invalid = TestSupport.fixture("three-errors.json")
    let missing = "/nonexistent/x.json"

    func cli(_ arguments: String...) -> CommandLineHarness.Outcome { CommandLineHarness.run(arguments) }

    // MARK: run

    @Test("run: stores the run and writes the report (exit 0); the stored final equity is the closed form (1e-9 relative)")
    func runSucceeds() throws {
        let dir = TestSupport.tempDirectory()
        let o = cli("run", golden, "--db", dir + "/r.sqlite", "--report-dir", dir, "--quiet")
        #expect(o.status == 0, "\(o.message)")
        let store = try ResultStore(path: dir + "/r.sqlite")
        #expect(try store.runIDs() == [1])
        let stored = try store.load(run: 1)
        #expect(stored.strategies.map(\.name) == ["flexible", "locked"])
        expectRelative(stored.strategies[0].metric("final_equity") ?? 0, TestSupport.goldenFlexibleFinalEquity, 1e-9)
        let report = try String(contentsOfFile: dir + "/golden-scenario.md", encoding: .utf8)
        #expect(report == ReportRenderer(run: stored, databasePath: dir + "/r.sqlite").render())
    }

    @Test("run: --paths and --seed override the scenario in what is stored")
    func runOverrides() throws {
        let dir = TestSupport.tempDirectory()
        let o = cli("run", golden, "--db", dir + "/r.sqlite", "--report-dir", dir, "--quiet", "--paths", "3", "--seed", "99", "--threads", "2")
        #expect(o.status == 0, "\(o.message)")
        let stored = try ResultStore(path: dir + "/r.sqlite").load(run: 1)
        #expect(stored.paths == 3)
        #expect(stored.seed == 99)
    }

    @Test("run: usage errors exit 64 with a sentence naming the option and the value")
    func runUsage() {
        let none = cli("run")
        #expect(none.status == 64)
        #expect(none.message == "Missing expected argument '<files> ...'")
        let zero = cli("run", golden, "--paths", "0")
        #expect(zero.status == 64)
        #expect(zero.message == "--paths must be between 1 and 1000000, got 0.")
        let big = cli("run", golden, "--paths", "1000001")
        #expect(big.status == 64)
        #expect(big.message == "--paths must be between 1 and 1000000, got 1000001.")
        let threads = cli("run", golden, "--threads", "0")
        #expect(threads.status == 64)
        #expect(threads.message == "--threads must be between 1 and 256, got 0.")
        let storePaths = cli("run", golden, "--store-paths", "0")
        #expect(storePaths.status == 64)
        #expect(storePaths.message == "--store-paths must be at least 1, got 0.")
        // A negative number after the option is its value (not a missing value), and validate() names it.
        let spaced = cli("run", golden, "--paths", "-5")
        #expect(spaced.status == 64)
        #expect(spaced.message == "--paths must be between 1 and 1000000, got -5.")
        // Attached with '=', the same sentence.
        let negative = cli("run", golden, "--paths=-5")
        #expect(negative.status == 64)
        #expect(negative.message == "--paths must be between 1 and 1000000, got -5.")
        #expect(cli("frobnicate").status == 64)
    }

    @Test("run: --paths that takes the file past 1,000,000,000 path-days is a usage error (64), printed alone (no usage banner)")
    func runPathDayLimit() throws {
        let dir = TestSupport.tempDirectory()
        let file = dir + "/long-run.json"
        try TestSupport.scenario(days: 1200, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """).write(toFile: file, atomically: true, encoding: .utf8)
        // 1,000,000 × 1,200 = 1.2e9 > 1e9; 1,000-day files stay within it.
        let o = cli("run", file, "--paths", "1000000", "--db", dir + "/r.sqlite", "--report-dir", dir)
        #expect(o.status == 64)
        // The command prints the sentence itself and exits: argument-parser has nothing to add.
        #expect(o.message == "")
        let loaded = try ScenarioLoader.load(path: file)
        let exceeded = try #require(SimulationLimits.check(scenario: loaded.scenario, file: file, options: SimulationOptions(paths: 1_000_000)))
        #expect(exceeded.description == "\(file): 1000000 paths × 1200 days exceeds the limit of 1,000,000,000 path-days; at most 833333 paths fit 1200 days")
        #expect(exceeded.exitCode == 64)
        #expect(SimulationLimits.check(scenario: loaded.scenario, file: file, options: SimulationOptions(paths: 833_333)) == nil)
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.sqlite"))
    }

    @Test("run: an invalid file among several exits 65 and writes nothing (its messages are checked in CLITests)")
    func runInvalid() {
        let dir = TestSupport.tempDirectory()
        let o = cli("run", golden, invalid, "--db", dir + "/r.sqlite", "--report-dir", dir)
        #expect(o.status == 65)
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/golden-scenario.md"))
    }

    @Test("run: a missing file exits 74 and creates no database")
    func runMissing() {
        let dir = TestSupport.tempDirectory()
        let o = cli("run", missing, "--db", dir + "/r.sqlite", "--report-dir", dir)
        #expect(o.status == 74)
        #expect(!FileManager.default.fileExists(atPath: dir + "/r.sqlite"))
    }

    // MARK: validate

    @Test("validate: 0 for a good file, 65 for an invalid one, 74 for a missing one (the worst wins), 64 for none")
    func validate() {
        let ok = cli("validate", golden)
        #expect(ok.status == 0)
        let bad = cli("validate", invalid)
        #expect(bad.status == 65)
        let gone = cli("validate", missing)
        #expect(gone.status == 74)
        let both = cli("validate", invalid, missing)
        #expect(both.status == 74)
        let none = cli("validate")
        #expect(none.status == 64)
        #expect(none.message == "Missing expected argument '<files> ...'")
    }

    // MARK: report

    @Test("report: re-renders a stored run byte for byte (0); an unknown run id is 64; a missing database is 74 and is not created")
    func report() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/r.sqlite"
        #expect(cli("run", golden, "--db", db, "--report-dir", dir, "--quiet").status == 0)
        let out = dir + "/again.md"
        let o = cli("report", "--db", db, "--run", "1", "--out", out)
        #expect(o.status == 0, "\(o.message)")
        let written = try String(contentsOfFile: dir + "/golden-scenario.md", encoding: .utf8)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == written)

        let unknown = cli("report", "--db", db, "--run", "9")
        #expect(unknown.status == 64)
        let noDB = cli("report", "--db", dir + "/none.sqlite", "--run", "1")
        #expect(noDB.status == 74)
        #expect(!FileManager.default.fileExists(atPath: dir + "/none.sqlite"), "report must not create a database")
        #expect(cli("report", "--db", db).status == 64)
        #expect(cli("report", "--db", db, "--run", "one").status == 64)
    }

    // MARK: compare

    @Test("compare FILE: writes the comparison (0); an unknown --strategies name is 64 and runs nothing")
    func compareFile() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/c.sqlite"
        let o = cli("compare", golden, "--db", db, "--report-dir", dir, "--quiet")
        #expect(o.status == 0, "\(o.message)")
        let text = try String(contentsOfFile: dir + "/golden-scenario-compare.md", encoding: .utf8)
        #expect(text.contains("## Flexible (flexible) versus locked (locked)"))
        #expect(try ResultStore(path: db).runIDs() == [1])

        let unknown = cli("compare", golden, "--strategies", "flexible,nope", "--db", db, "--report-dir", dir)
        #expect(unknown.status == 64)
        #expect(try ResultStore(path: db).runIDs() == [1], "nothing runs for an unknown strategy")
        #expect(cli("compare", invalid, "--db", db, "--report-dir", dir).status == 65)
        #expect(cli("compare", missing, "--db", db, "--report-dir", dir).status == 74)
        let two = cli("compare", golden, invalid)
        #expect(two.status == 64)
        #expect(two.message == "Give one scenario file, or --db PATH and two run ids.")
    }

    @Test("compare RUN RUN: 0 for two stored runs; 64 without --db, with --strategies or for an unknown id; 74 for a missing database")
    func compareRuns() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/c.sqlite"
        #expect(cli("run", golden, "--db", db, "--report-dir", dir, "--quiet").status == 0)
        #expect(cli("run", golden, "--db", db, "--report-dir", dir, "--quiet").status == 0)
        let out = dir + "/runs.md"
        #expect(cli("compare", "--db", db, "1", "2", "--out", out).status == 0)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        #expect(text.hasPrefix("# Comparison of runs 1 and 2"))

        let noDB = cli("compare", "1", "2")
        #expect(noDB.status == 64)
        #expect(noDB.message == "Comparing two runs needs --db PATH.")
        let strategies = cli("compare", "--db", db, "1", "2", "--strategies", "flexible")
        #expect(strategies.status == 64)
        #expect(strategies.message == "--strategies applies to a scenario file, not to two runs.")
        let unknown = cli("compare", "--db", db, "1", "9")
        #expect(unknown.status == 64)
        let gone = cli("compare", "--db", dir + "/none.sqlite", "1", "2")
        #expect(gone.status == 74)
    }

    // MARK: sweep

    @Test("sweep: one stored run per variant (0); a bad --set is 64, a variant the schema rejects 65, a missing file 74")
    func sweep() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/s.sqlite"
        let o = cli("sweep", golden, "--set", "strategies[1].layers[0].apr=0.05,0.2", "--set", "strategies[0].layers[0].apy=0.01,0.03",
                    "--db", db, "--report-dir", dir, "--quiet")
        #expect(o.status == 0, "\(o.message)")
        let store = try ResultStore(path: db)
        #expect(try store.runIDs() == [1, 2, 3, 4])
        // First axis slowest: run 3 is apr 0.2 with apy 0.01. The lock pays 1000 × 0.2 × 30/365 TOK over its term.
        let third = try store.load(run: 3)
        expectClose(third.strategies[1].metric("layer.lock.yield") ?? 0, 1000 * 0.2 * 30 / 365, 1e-9)
        let report = try String(contentsOfFile: dir + "/golden-scenario-sweep.md", encoding: .utf8)
        #expect(report.contains("| `strategies[1].layers[0].apr` | 0.05, 0.2 |"))

        let none = cli("sweep", golden, "--db", db)
        #expect(none.status == 64)
        #expect(none.message == "Give at least one --set KEYPATH=v1,v2,...")
        #expect(cli("sweep", golden, "--set", "nonsense", "--db", db, "--report-dir", dir).status == 64)
        let rejected = cli("sweep", golden, "--set", "strategies[1].layers[0].term_days=0", "--db", db, "--report-dir", dir)
        #expect(rejected.status == 65)
        #expect(cli("sweep", missing, "--set", "strategies[1].layers[0].apr=0.1", "--db", db, "--report-dir", dir).status == 74)
        #expect(try store.runIDs() == [1, 2, 3, 4], "failed sweeps store nothing")
    }

    // MARK: schema

    @Test("schema: parses to the schema command; --help exits 0; an extra argument is a usage error (64)")
    func schema() throws {
        // What it prints is checked end to end in CLITests (here it would land in the test log).
        #expect(try YieldStackCommand.parseAsRoot(["schema"]) is YieldStackCommand.Schema)
        #expect(cli("schema", "--help").status == 0)
        #expect(cli("schema", "extra").status == 64)
    }
}
