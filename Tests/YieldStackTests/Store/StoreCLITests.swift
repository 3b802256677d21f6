import Foundation
import GRDB
import Testing
@testable import YieldStack

/// The CLI side of the store's failure handling: `import`, a report that
/// cannot be written under `--json`, an unwritable `--report-dir`, and
/// `report` on a read-only file.
@Suite("Command line: import and failing outputs", .serialized)
struct StoreCLITests {
    let cli = CLITests()
    let scenario = TestSupport.fixture("golden-scenario.json")

    @Test("import brings a recovery file's run into the target under a new id; a foreign file exits 74")
    func importCommand() throws {
        let (result, summaries, metadata) = try ConcurrentStoreTests.goldenRun()
        let dir = TestSupport.tempDirectory()
        let target = dir + "/target.sqlite"
        let source = dir + "/source.sqlite"
        do {
            let t = try ResultStore(path: target)
            _ = try t.save(result, summaries: summaries, metadata: metadata)
            let s = try ResultStore(path: source, wait: .standard, journal: .delete)
            var later = metadata
            later.finishedAt = "2026-01-01T00:00:02Z"
            _ = try s.save(result, summaries: summaries, metadata: later)
            s.close()
            t.close()
        }
        let o = try cli.run(["import", "--db", target, source])
        #expect(o.status == 0, "\(o.stderr)")
        #expect(o.stdout == "\(source): imported 1 run into \(target) (run 1 → 2)\n")
        let store = try ResultStore(readOnlyPath: target)
        #expect(try store.runIDs() == [1, 2])
        // Identical apart from ids and timestamps, which dump leaves out.
        for table in StoreSchema.runTables.map(\.name) {
            #expect(try store.dump(table: table, run: 2) == store.dump(table: table, run: 1), "\(table)")
        }
        let again = try cli.run(["import", "--db", target, source])
        #expect(again.status == 74)
        #expect(again.stderr.contains("already holds run 1 of \(source) (as run 2"))
        let text = dir + "/notes.txt"
        try Data(String(repeating: "not a database ", count: 10).utf8).write(to: URL(fileURLWithPath: text))
        let bad = try cli.run(["import", "--db", target, text])
        #expect(bad.status == 74)
        #expect(bad.stderr == "\(text): database error: the file is not a database (not SQLite, so not a yieldstack results database)\n")
        #expect(try cli.run(["import", "--db", target]).status == 64)
    }

    @Test("run --json whose report cannot be written prints the run's JSON with report null and an error, then exits 74")
    func reportUnwritableJSON() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/r.sqlite"
        try FileManager.default.createDirectory(atPath: dir + "/golden-scenario.md", withIntermediateDirectories: true)
        let o = try cli.run(["run", scenario, "--db", db, "--report-dir", dir, "--json"])
        #expect(o.status == 74)
        let json = try JSONParser.parse(o.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json["run_id"]?.int == 1)
        #expect(json["report"]?.value == .null)
        #expect(json["error"]?.string?.hasPrefix(dir + "/golden-scenario.md: cannot write the report: ") == true)
        #expect(o.stderr.hasSuffix("render its report again with `yieldstack report --db \(db) --run 1 --out \(dir)/golden-scenario.md`\n"))
        #expect(!o.stderr.contains("NSCocoaErrorDomain"))
        // And the advice works.
        let again = try cli.run(["report", "--db", db, "--run", "1", "--out", dir + "/again.md"])
        #expect(again.status == 0, "\(again.stderr)")
    }

    @Test("run with a --report-dir that is a file fails up front with exit 74 and stores nothing")
    func reportDirUnwritable() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/r.sqlite"
        _ = FileManager.default.createFile(atPath: dir + "/reports", contents: Data("x".utf8))
        let o = try cli.run(["run", scenario, "--db", db, "--report-dir", dir + "/reports"])
        #expect(o.status == 74)
        #expect(o.stderr == "\(dir)/reports: cannot write: the report folder cannot take files: it is a file, not a folder\n")
        #expect(try ResultStore(readOnlyPath: db).runIDs() == [])
    }

    @Test("run into a foreign SQLite file exits 74 with a sentence and leaves it alone")
    func foreignDB() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/other.sqlite"
        // A plain SQLite file with one unrelated table.
        let queue = try DatabaseQueue(path: db)
        try queue.write { db in try db.execute(sql: "CREATE TABLE unrelated (x INTEGER)") }
        try queue.close()
        let o = try cli.run(["run", scenario, "--db", db, "--report-dir", dir])
        #expect(o.status == 74)
        #expect(o.stderr.hasPrefix("\(db): database error: is an SQLite database of another program (its tables: unrelated)"))
        #expect(try StoreSafetyTests.tables(db) == ["unrelated"])
    }
}
