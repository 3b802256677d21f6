import ArgumentParser
import Foundation
import Testing
@testable import YieldStack
@testable import YieldStackCLI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `yieldstack bench`: the figures it prints (by hand), peak memory, the
/// measured child processes of `--compare`, and what `--compare` refuses.
@Suite("Bench: per path-day figures, peak memory, --compare", .serialized)
struct BenchCommandTests {
    let golden = TestSupport.fixture("golden-scenario.json")

    /// An executable shell script in `dir`.
    func script(_ name: String, _ body: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(chmod(path, 0o755) == 0)
        return path
    }

    // MARK: figures

    @Test("ns per path-day, MiB per 1,000 paths, median, pair ratios, by hand")
    func figures() {
        // 0.73 s over 10,000 × 365 = 3,650,000 path-days: 730,000,000 ns / 3,650,000 = 200 ns.
        expectClose(BenchFigures.nanosecondsPerPathDay(seconds: 0.73, paths: 10_000, days: 365), 200, 1e-9)
        // 0.026 s over 2,000 × 365 = 730,000 path-days: 26,000,000 / 730,000 = 35.616… ns.
        expectClose(BenchFigures.nanosecondsPerPathDay(seconds: 0.026, paths: 2_000, days: 365), 35.616438356, 1e-6)
        #expect(BenchFigures.nanosecondsPerPathDay(seconds: 1, paths: 0, days: 365) == .infinity)
        // 200 MiB over 4,000 paths: 50 MiB per 1,000.
        expectClose(BenchFigures.mebibytesPerThousandPaths(bytes: 200 * 1_048_576, paths: 4_000), 50, 1e-12)
        #expect(BenchFigures.median([3, 1, 2]) == 2)
        #expect(BenchFigures.median([4, 1, 3, 2]) == 2.5)
        #expect(BenchFigures.median([7]) == 7)
        #expect(BenchFigures.median([]).isNaN)
        #expect(BenchFigures.ratio(3, over: 2) == 1.5)
        #expect(BenchFigures.ratio(3, over: 0).isNaN)
        // Pairs 1.1/1.0, 2.0/2.0, 0.9/1.0: ratios 1.1, 1, 0.9, median 1 (the medians
        // of the two series, 1.1 and 1.0, would say 1.1).
        expectClose(BenchFigures.medianPairRatio(new: [1.1, 2.0, 0.9], old: [1.0, 2.0, 1.0]), 1, 1e-12)
        #expect(BenchFigures.times(1.0249) == "1.02×")
        #expect(BenchFigures.times(0.836) == "0.84×")
    }

    // MARK: peak memory

    @Test("ru_maxrss is KiB on Linux; MiB conversion")
    func units() {
        #if os(Linux)
        #expect(ProcessMemory.bytes(maxRSS: 1024) == 1_048_576)
        #else
        #expect(ProcessMemory.bytes(maxRSS: 1024) == 1024)
        #endif
        #expect(ProcessMemory.mebibytes(3 * 1_048_576) == 3)
        #expect(ProcessMemory.mebibytes(524_288) == 0.5)
    }

    @Test("the peak resident size is at least a 64 MiB buffer this process wrote to")
    func peakOfSelf() throws {
        let size = 64 * 1_048_576
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 4096)
        defer { buffer.deallocate() }
        // Touch every page, so that all of it is resident.
        memset(buffer, 1, size)
        let peak = try #require(ProcessMemory.peakResidentBytes())
        #expect(peak >= size)
        #expect(buffer.load(fromByteOffset: size - 1, as: UInt8.self) == 1)
    }

    // MARK: child processes

    @Test("a wait status decodes as exit status or signal")
    func waitStatus() {
        #expect(ChildProcess.termination(0) == .exited(0))
        #expect(ChildProcess.termination(3 << 8) == .exited(3))
        #expect(ChildProcess.termination(64 << 8) == .exited(64))
        #expect(ChildProcess.termination(9) == .signalled(9))
        #expect(ChildProcess.termination(15 | 0x80) == .signalled(15))  // with the core-dump bit
        var t = timeval()
        t.tv_sec = 2
        t.tv_usec = 250_000
        #expect(ChildProcess.seconds(t) == 2.25)
    }

    @Test("a child's exit status, standard error, arguments and CPU time come back")
    func childOutcome() throws {
        let dir = TestSupport.tempDirectory()
        let failing = try ChildProcess.run("/bin/sh", ["-c", "echo \"$1 $2\" >&2; echo out; exit 3", "sh", "a b", "c"],
                                           standardErrorFile: dir + "/err")
        #expect(failing.termination == .exited(3))
        #expect(!failing.succeeded)
        #expect(failing.standardError == "a b c\n")
        // A busy loop: CPU time is counted, and for one thread it is not more than the wall time.
        let busy = try ChildProcess.run("/bin/sh", ["-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"],
                                        standardErrorFile: dir + "/err")
        #expect(busy.succeeded)
        #expect(busy.cpuSeconds > 0.01)
        #expect(busy.cpuSeconds <= busy.wallSeconds + 0.01)
        let killed = try ChildProcess.run("/bin/sh", ["-c", "kill -9 $$"], standardErrorFile: dir + "/err")
        #expect(killed.termination == .signalled(9))
        #expect(throws: ChildProcess.SpawnError.self) {
            try ChildProcess.run(dir + "/missing", [], standardErrorFile: dir + "/err")
        }
    }

    @Test("a child's peak resident size is at least the 50 MB string it held")
    func childPeak() throws {
        let dir = TestSupport.tempDirectory()
        let o = try ChildProcess.run("/bin/sh", ["-c", "x=$(head -c 50000000 /dev/zero | tr '\\0' a); echo ${#x} >&2"],
                                     standardErrorFile: dir + "/err")
        #expect(o.standardError == "50000000\n")
        #expect(o.peakResidentBytes >= 50_000_000)
    }

    // MARK: --compare

    @Test("each child runs `run FILE` with the bench's options; --store-paths only if given")
    func childArguments() {
        var w = BenchComparison.Workload(file: "s.json", paths: 2000, threads: 2, storePaths: nil)
        #expect(w.arguments(database: "/t/x.sqlite", reportDirectory: "/t")
                == ["run", "s.json", "--paths", "2000", "--threads", "2", "--db", "/t/x.sqlite", "--report-dir", "/t", "--quiet"])
        w.storePaths = 5
        #expect(w.arguments(database: "/t/x.sqlite", reportDirectory: "/t")
                == ["run", "s.json", "--paths", "2000", "--threads", "2", "--store-paths", "5", "--db", "/t/x.sqlite", "--report-dir", "/t", "--quiet"])
        #expect(BenchComparison.shellQuoted("/a/yieldstack") == "/a/yieldstack")
        #expect(BenchComparison.shellQuoted("my dir/it's") == #"'my dir/it'\''s'"#)
        #expect(BenchComparison.shellQuoted("") == "''")
    }

    @Test("the table and ratios of two builds, by hand")
    func comparisonTable() {
        func outcome(_ wall: Double, _ cpu: Double, _ mib: Int) -> ChildProcess.Outcome {
            .init(termination: .exited(0), wallSeconds: wall, cpuSeconds: cpu, peakResidentBytes: mib * 1_048_576, standardError: "")
        }
        let c = BenchComparison(
            a: .init(label: "A", path: "old", outcomes: [outcome(2.0, 3.0, 100), outcome(1.8, 2.6, 110), outcome(1.9, 2.8, 105)]),
            b: .init(label: "B", path: "new", outcomes: [outcome(1.0, 1.5, 50), outcome(1.2, 1.6, 55), outcome(0.9, 1.4, 52)]),
            workload: .init(file: "s.json", paths: 10, threads: 1, storePaths: nil))
        #expect(c.table() == """
            binary  best wall s  best CPU s  median CPU s  peak RSS MiB
            A  old        1.800       2.600         2.800         110.0
            B  new        0.900       1.400         1.500          55.0
            """)
        // Pair ratios 1.5/3.0 = 0.5, 1.6/2.6 = 0.615…, 1.4/2.8 = 0.5: median 0.5.
        // Best wall 0.9/1.8 = 0.5, best CPU 1.4/2.6 = 0.538…, peak 55/110 = 0.5.
        #expect(c.ratios() == "B/A: wall 0.50× (best), CPU 0.54× (best), 0.50× (median of 3 A/B pairs), peak RSS 0.50×")
    }

    @Test("--compare alternates A B A B, each in its own folder with the options passed on")
    func compareRuns() throws {
        let dir = TestSupport.tempDirectory()
        let log = dir + "/log"
        // Each fake build appends its label, its arguments and whether its report folder exists.
        let body = #"""
            prev=; dir=; for x in "$@"; do [ "$prev" = --report-dir ] && dir=$x; prev=$x; done
            echo "$LABEL $* $(test -d "$dir" && echo dir)" >> \#(log)
            """#
        let a = try script("a", "LABEL=A; " + body, in: dir)
        let b = try script("b", "LABEL=B; " + body, in: dir)
        let o = CommandLineHarness.run(["bench", "--compare", a, b, golden, "--paths", "3", "--repeat", "2", "--threads", "1"])
        #expect(o.status == 0, "\(o.message)")
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.map { String($0.prefix(1)) } == ["A", "B", "A", "B"])
        #expect(lines.allSatisfy { $0.contains("run \(golden) --paths 3 --threads 1 --db ") && $0.hasSuffix(" --quiet dir") })
        #expect(!lines.contains { $0.contains("--store-paths") })
        let folders = lines.map { $0.components(separatedBy: "--report-dir ")[1].components(separatedBy: " ")[0] }
        #expect(Set(folders).count == 4)
        #expect(folders.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
    }

    @Test("--compare stops at a failing build with its status")
    func compareFailure() throws {
        let dir = TestSupport.tempDirectory()
        let bad = try script("bad", "echo 'Error: Unknown option' >&2; exit 64", in: dir)
        let ok = try script("ok", "exit 0", in: dir)
        #expect(CommandLineHarness.run(["bench", golden, "--compare", ok, bad, "--paths", "3"]).status == 64)
        let signalled = try script("killed", "kill -9 $$", in: dir)
        #expect(CommandLineHarness.run(["bench", golden, "--compare", signalled, ok, "--paths", "3"]).status == 70)
        let outcome = ChildProcess.Outcome(termination: .exited(64), wallSeconds: 0, cpuSeconds: 0, peakResidentBytes: 0,
                                           standardError: "Error: Unknown option '--frob'\n")
        #expect(BenchComparison.failure(.init(label: "B", path: "/x/new build"), arguments: ["run", "s.json"], repetition: 2, outcome: outcome) == """
            bench --compare: B (/x/new build) exited with status 64 on repetition 2:
              '/x/new build' run s.json
            its standard error:
            Error: Unknown option '--frob'
            """)
    }

    @Test("--compare refuses a missing, non-executable or folder binary and a wrong count (64)")
    func compareValidation() throws {
        let dir = TestSupport.tempDirectory()
        let ok = try script("ok", "exit 0", in: dir)
        try "x".write(toFile: dir + "/plain", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["bench", "--compare", ok, dir + "/missing"], "--compare: \(dir)/missing: no such file."),
            (["bench", "--compare", dir + "/plain", ok], "--compare: \(dir)/plain is not executable."),
            (["bench", "--compare", ok, dir], "--compare: \(dir) is a folder, not an executable."),
            (["bench", golden, "--compare", ok], "--compare takes two executables, the old build then the new, got 1: \(ok)."),
            (["bench", golden, "--compare", ok, ok, golden], "--compare takes two executables, the old build then the new, got 3: \(ok) \(ok) \(golden)."),
            (["bench", golden, "--store-paths", "0"], "--store-paths must be at least 1, got 0."),
        ]
        for (arguments, message) in cases {
            let o = CommandLineHarness.run(arguments)
            #expect(o.status == 64, "\(arguments)")
            #expect(o.message == message, "\(arguments)")
        }
    }
}
