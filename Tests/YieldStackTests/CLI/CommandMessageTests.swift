import ArgumentParser
import Foundation
import Testing
@testable import YieldStack
@testable import YieldStackCLI

/// Shell completion, and the sentences a user gets for a wrong number, an
/// oversized run, a wrong list of strategies or run ids: in-process, as in
/// `CommandTests`; the lines the commands print themselves are checked end
/// to end at the bottom.
@Suite("Command messages and completion", .serialized)
struct CommandMessageTests {
    let golden = TestSupport.fixture("golden-scenario.json")

    func cli(_ arguments: String...) -> CommandLineHarness.Outcome { CommandLineHarness.run(arguments) }

    /// A 1,200-day file: a million paths of it (1.2e9 path-days) are past the path-day limit.
    func longRun(in dir: String) throws -> String {
        let file = dir + "/long-run.json"
        try TestSupport.scenario(days: 1200, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """).write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    // MARK: completion

    @Test("bash completion: scenario files complete as *.json, --db as *.sqlite/*.db, --report-dir as a folder")
    func completionKinds() {
        let script = YieldStackCommand.completionScript(for: .bash)
        func body(_ function: String) -> Substring {
            guard let start = script.range(of: "\(function)() {") else { return "" }
            let rest = script[start.upperBound...]
            return rest[..<(rest.range(of: "\n}\n")?.lowerBound ?? rest.endIndex)]
        }
        let json = "__yieldstack_add_completions -o plusdirs -fX '!*.@(json)'"
        let database = "__yieldstack_add_completions -o plusdirs -fX '!*.@(sqlite|db)'"
        for command in ["_yieldstack_run", "_yieldstack_validate", "_yieldstack_compare", "_yieldstack_sweep", "_yieldstack_bench"] {
            #expect(body(command).contains(json), "\(command)")
        }
        for command in ["_yieldstack_run", "_yieldstack_compare", "_yieldstack_sweep", "_yieldstack_report", "_yieldstack_import"] {
            #expect(body(command).contains("'--db')\n        \(database)"), "\(command)")
        }
        for command in ["_yieldstack_run", "_yieldstack_compare", "_yieldstack_sweep"] {
            #expect(body(command).contains("'--report-dir')\n        __yieldstack_add_completions -d"), "\(command)")
        }
    }

    @Test("bash completion: `yieldstack run scenarios/ste<Tab>` offers the two steth files and nothing else")
    func completionInBash() throws {
        let bash = "/usr/bin/bash"
        guard FileManager.default.isExecutableFile(atPath: bash) else { return }
        let dir = TestSupport.tempDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/scenarios", withIntermediateDirectories: true)
        for name in ["steth-aave-curve.json", "steth-loop.json", "soft-vs-locked.json", "steth-notes.txt"] {
            try "{}".write(toFile: dir + "/scenarios/" + name, atomically: true, encoding: .utf8)
        }
        let script = dir + "/yieldstack.bash"
        try YieldStackCommand.completionScript(for: .bash).write(toFile: script, atomically: true, encoding: .utf8)
        // bash-completion turns extglob on in interactive shells; the script relies on it.
        let line = "yieldstack run scenarios/ste"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bash)
        process.currentDirectoryURL = URL(fileURLWithPath: dir)
        process.arguments = ["-c", """
            shopt -s extglob; source \(script)
            COMP_LINE='\(line)'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(yieldstack run scenarios/ste); COMP_CWORD=2
            _yieldstack yieldstack scenarios/ste run
            printf '%s\\n' "${COMPREPLY[@]}" | sort
            """]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(text == "scenarios/steth-aave-curve.json\nscenarios/steth-loop.json\n")
    }

    // MARK: numbers

    @Test("a negative number after an option is its value, and validate() says what is wrong with it (64)")
    func negativeNumbers() {
        let cases: [([String], String)] = [
            (["run", golden, "--paths", "-5"], "--paths must be between 1 and 1000000, got -5."),
            (["run", golden, "--seed", "-1"], "--seed must be between 0 and 2^53 − 1, got -1."),
            (["run", golden, "--threads", "-2"], "--threads must be between 1 and 256, got -2."),
            (["run", golden, "--store-paths", "-1"], "--store-paths must be at least 1, got -1."),
            (["compare", golden, "--paths", "-5"], "--paths must be between 1 and 1000000, got -5."),
            (["sweep", golden, "--set", "days=10", "--paths", "-5"], "--paths must be between 1 and 1000000, got -5."),
            (["bench", golden, "--paths", "-5"], "--paths must be between 1 and 1000000, got -5."),
            (["bench", golden, "--threads", "-1"], "--threads must be between 1 and 256, got -1."),
            (["report", "--db", "x.sqlite", "--run", "-3"], "--run must be a run id (1 or more), got -3."),
        ]
        for (arguments, message) in cases {
            let o = CommandLineHarness.run(arguments)
            #expect(o.status == 64, "\(arguments)")
            #expect(o.message == message, "\(arguments)")
        }
    }

    // MARK: path-day limit

    @Test("the path-day limit is the library's: a file's own paths are a scenario problem (65), --paths over it a usage error (64)")
    func limitsInLibrary() throws {
        var loaded = try ScenarioLoader.load(path: try longRun(in: TestSupport.tempDirectory()))
        #expect(SimulationLimits.check(scenario: loaded.scenario, file: "f.json", options: SimulationOptions()) == nil)
        let override = try #require(SimulationLimits.check(scenario: loaded.scenario, file: "f.json", options: SimulationOptions(paths: 900_000)))
        #expect(override.exitCode == 64)
        #expect(SimulationLimits.check(scenario: loaded.scenario, file: "f.json", options: SimulationOptions(paths: 833_333)) == nil)
        loaded.scenario.paths = 900_000
        let own = try #require(SimulationLimits.check(scenario: loaded.scenario, file: "f.json", options: SimulationOptions()))
        #expect(own.exitCode == 65)
        #expect(own.description == "f.json: 900000 paths × 1200 days exceeds the limit of 1,000,000,000 path-days; at most 833333 paths fit 1200 days")
        // No overflow trap on absurd sizes.
        loaded.scenario.days = Int.max / 2
        #expect(SimulationLimits.check(scenario: loaded.scenario, file: "f.json", options: SimulationOptions(paths: 4)) != nil)
    }

    @Test("sweep and compare apply the path-day limit as run does (64), and nothing is stored")
    func limitsEverywhere() throws {
        let dir = TestSupport.tempDirectory()
        let file = try longRun(in: dir)
        let db = dir + "/r.sqlite"
        // The file's 1,200 days fit 30,000 paths; the variant's 36,500 days do not (1.095e9 path-days).
        let sweep = cli("sweep", file, "--set", "days=36500", "--paths", "30000", "--db", db, "--report-dir", dir, "--quiet")
        #expect(sweep.status == 64)
        #expect(sweep.message == "")
        let compare = cli("compare", file, "--paths", "1000000", "--db", db, "--report-dir", dir, "--quiet")
        #expect(compare.status == 64)
        #expect(compare.message == "")
        #expect(!FileManager.default.fileExists(atPath: db))
        // Within the limit, the sweep runs.
        #expect(cli("sweep", file, "--set", "days=30,40", "--paths", "2", "--db", db, "--report-dir", dir, "--quiet").status == 0)
        // The base file never runs in a sweep: 1,000,000 × 1,200 days is over the limit, a 1-day variant is not. The
        // database under a plain file then fails to open (74), which proves the limit let the sweep through without running it.
        let blocker = dir + "/plain-file"
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        #expect(cli("sweep", file, "--set", "days=1", "--paths", "1000000", "--db", blocker + "/s.sqlite", "--report-dir", dir, "--quiet").status == 74)
    }

    // MARK: compare

    @Test("compare --db DB 3: one run id is a usage error (64) saying two are needed, not a missing file (74)")
    func compareOneRunID() {
        let one = cli("compare", "--db", "/nonexistent/c.sqlite", "3")
        #expect(one.status == 64)
        #expect(one.message == "compare --db needs two run ids, got 1: 3.")
        let three = cli("compare", "--db", "/nonexistent/c.sqlite", "1", "2", "3")
        #expect(three.status == 64)
        #expect(three.message == "compare --db needs two run ids, got 3: 1 2 3.")
    }

    @Test("--strategies: a typo gets the nearest name; an empty list asks for a name; both exit 64 and run nothing")
    func strategySelection() throws {
        let names = ["flexible", "locked"]
        #expect(StrategySelection.resolve("locked, flexible", names: names, file: "g.json") == .success(["locked", "flexible"]))
        #expect(StrategySelection.resolve("flexible,flexibel", names: names, file: "g.json")
            == .failure(.init(message: "--strategies: unknown strategy 'flexibel' (did you mean 'flexible'?); g.json has flexible, locked")))
        #expect(StrategySelection.resolve("zzz", names: names, file: "g.json")
            == .failure(.init(message: "--strategies: unknown strategy 'zzz'; g.json has flexible, locked")))
        #expect(StrategySelection.resolve(",", names: names, file: "g.json")
            == .failure(.init(message: "--strategies: give at least one strategy name; g.json has flexible, locked")))
        #expect(StrategySelection.resolve(" ", names: names, file: "g.json")
            == .failure(.init(message: "--strategies: give at least one strategy name; g.json has flexible, locked")))

        let dir = TestSupport.tempDirectory()
        let db = dir + "/c.sqlite"
        #expect(cli("compare", golden, "--strategies", "flexible,flexibel", "--db", db, "--report-dir", dir).status == 64)
        #expect(cli("compare", golden, "--strategies", ",", "--db", db, "--report-dir", dir).status == 64)
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    // MARK: report folder

    @Test("an unwritable --report-dir fails before the simulation (74) and stores no run")
    func unwritableReportDirectory() throws {
        let dir = TestSupport.tempDirectory()
        let blocker = dir + "/not-a-folder"
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        let db = dir + "/r.sqlite"
        let o = cli("run", golden, "--db", db, "--report-dir", blocker + "/reports", "--quiet")
        #expect(o.status == 74)
        if FileManager.default.fileExists(atPath: db) {
            #expect(try ResultStore(path: db).runIDs().isEmpty)
        }
    }
}

/// What the commands print themselves, through the built binary.
@Suite("Command line: messages", .serialized)
struct CLIMessageTests {
    let cli = CLITests()

    @Test("the path-day limit prints one line, no usage banner, exit 64")
    func pathDayLimit() throws {
        let dir = TestSupport.tempDirectory()
        let file = try CommandMessageTests().longRun(in: dir)
        let o = try cli.run(["run", file, "--paths", "1000000", "--db", dir + "/r.sqlite", "--report-dir", dir])
        #expect(o.status == 64)
        #expect(o.stderr == "\(file): 1000000 paths × 1200 days exceeds the limit of 1,000,000,000 path-days; at most 833333 paths fit 1200 days\n")
        let sweep = try cli.run(["sweep", file, "--set", "days=36500", "--paths", "30000", "--db", dir + "/r.sqlite", "--report-dir", dir])
        #expect(sweep.status == 64)
        #expect(sweep.stderr.hasSuffix("\(file) (variant 1: days=36500): 30000 paths × 36500 days exceeds the limit of 1,000,000,000 path-days; at most 27397 paths fit 36500 days\n"))
        #expect(!sweep.stderr.contains("Usage:"))
    }

    @Test("warnings go to standard error as FILE:LINE:COLUMN: path: warning: ..., and the command still succeeds (0)")
    func warnings() throws {
        let dir = TestSupport.tempDirectory()
        let file = dir + "/percent.json"
        try TestSupport.scenario(days: 10, paths: 3, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "e", "type": "soft_staking", "apy": 5 } ] } ]
            """).write(toFile: file, atomically: true, encoding: .utf8)
        let validate = try cli.run(["validate", file])
        #expect(validate.status == 0)
        let lines = validate.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix(": strategies[0].layers[0].apy: warning: is 5 (500 %); rates are decimals, 0.05 = 5 %; did you mean 0.05?") == true)
        #expect(lines.last?.hasSuffix(": paths: warning: all 3 paths would be identical: no gbm or mean_reverting model; running all 3 as asked (paths 3), but 1 path gives the same figures") == true)
        let run = try cli.run(["run", file, "--paths", "2", "--db", dir + "/r.sqlite", "--report-dir", dir, "--quiet"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("warning: all 2 paths would be identical"))
        #expect(!run.stderr.contains("all 3 paths"))
        #expect(try ResultStore(path: dir + "/r.sqlite").load(run: 1).paths == 2)
    }

    @Test("--strategies with a typo names the nearest strategy")
    func strategyTypo() throws {
        let dir = TestSupport.tempDirectory()
        let golden = TestSupport.fixture("golden-scenario.json")
        let o = try cli.run(["compare", golden, "--strategies", "flexible,lockd", "--db", dir + "/c.sqlite", "--report-dir", dir])
        #expect(o.status == 64)
        #expect(o.stderr == "--strategies: unknown strategy 'lockd' (did you mean 'locked'?); \(golden) has flexible, locked\n")
    }
}

/// The progress line's text, without a terminal.
@Suite("Progress line")
struct ProgressLineTests {
    @Test("simulating: bar, percent, chunks done and the time left from the time spent")
    func simulating() {
        // 5 of 20 chunks in 10 s: 15 more at 2 s each = 30 s left.
        #expect(ProgressLine.format(label: "x.json", phase: .simulating, completed: 5, total: 20, elapsed: 10, width: 8)
            == "x.json simulating [##......] 25 % 5/20 chunks, 0:30 left")
        #expect(ProgressLine.format(label: "x.json", phase: .simulating, completed: 0, total: 20, elapsed: 3, width: 4)
            == "x.json simulating [....] 0 % 0/20 chunks, estimating time left")
        #expect(ProgressLine.format(label: "x.json", phase: .simulating, completed: 20, total: 20, elapsed: 61, width: 4)
            == "x.json simulating [####] 100 % 20/20 chunks, 0:00 left")
        // 1 of 100 in 45 s: 99 × 45 = 4455 s = 1:14:15.
        #expect(ProgressLine.format(label: "sweep", phase: .simulating, completed: 1, total: 100, elapsed: 45, unit: "variants", width: 4)
            == "sweep simulating [....] 1 % 1/100 variants, 1:14:15 left")
    }

    @Test("storing and rendering name the phase alone")
    func laterPhases() {
        #expect(ProgressLine.format(label: "x.json", phase: .storing, completed: 0, total: 0, elapsed: 5) == "x.json storing…")
        #expect(ProgressLine.format(label: "x.json", phase: .rendering, completed: 0, total: 0, elapsed: 5) == "x.json rendering…")
    }

    @Test("durations: m:ss under an hour, h:mm:ss over, rounded up")
    func durations() {
        #expect(ProgressLine.duration(0) == "0:00")
        #expect(ProgressLine.duration(6.2) == "0:07")
        #expect(ProgressLine.duration(750) == "12:30")
        #expect(ProgressLine.duration(3723) == "1:02:03")
    }

    @Test("no progress with --quiet or --json (and none off a terminal, as under the test runner)")
    func when() throws {
        let quiet = try OutputArguments.parse(["--quiet"])
        let json = try OutputArguments.parse(["--json"])
        let plain = try OutputArguments.parse([])
        #expect(!ProgressBar.wanted(quiet))
        #expect(!ProgressBar.wanted(json))
        #expect(ProgressBar.wanted(plain) == (isatty(2) != 0))
    }
}

/// The compare summary line: magnitudes printed, the sign in the words.
@Suite("Compare summary wording")
struct CompareWordingTests {
    func line(_ extra: Double, _ crash: Double) -> String {
        YieldStackCommand.Compare.lockLine(flexible: "flex", locked: "lock", extraYield: extra, crashDifference: crash,
                                           breakEvenMean: 0.031, breakEvenCVaR: nil, currency: "ETH")
    }

    @Test("a lock that earned more and came out ahead")
    func ahead() {
        #expect(line(0.012, 3.5) == "flex vs lock: locking added 1.20 % a year on initial value; on crash paths the locked one is ahead by 3.50 ETH; "
            + "break-even lock APR 3.100 % (mean), none (CVaR 95)")
    }

    @Test("a lock that earned less and fell behind: no minus signs after the words")
    func behind() {
        let text = line(-0.005, -0.93)
        #expect(text == "flex vs lock: locking earned 0.50 % a year less on initial value; on crash paths the locked one is behind by 0.93 ETH; "
            + "break-even lock APR 3.100 % (mean), none (CVaR 95)")
        #expect(!text.contains(" -"))
    }

    @Test("a difference that rounds to zero is no difference")
    func zero() {
        #expect(line(0, -0.001).contains("on crash paths no difference"))
    }
}
