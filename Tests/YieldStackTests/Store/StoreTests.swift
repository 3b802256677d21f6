import Foundation
import GRDB
import Testing
@testable import YieldStack

@Suite("Results database")
struct StoreTests {
    static let tables = ["runs", "strategies", "layers", "daily", "layer_daily", "daily_quantiles", "events", "path_summary", "metrics"]

    func golden() throws -> LoadedScenario {
        try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
    }

    func run(_ loaded: LoadedScenario, store: ResultStore, reports: String? = nil, options: SimulationOptions = SimulationOptions()) throws -> RunOutput {
        try RunPipeline.run(loaded, options: options, store: store, reportDirectory: reports, now: { "2026-01-01T00:00:00Z" })
    }

    @Test("a run is stored whole: every table has its rows, with foreign keys to the run")
    func storesRun() throws {
        let store = try ResultStore()
        let output = try run(golden(), store: store)
        #expect(output.runID == 1)
        for table in Self.tables { #expect(try store.count(table: table) > 0, "\(table)") }
        #expect(try store.count(table: "daily") == 2 * 40)
        #expect(try store.count(table: "layer_daily") == 2 * 40)
        #expect(try store.count(table: "daily_quantiles") == 2 * 40)
        #expect(try store.count(table: "path_summary") == 2)
        let stored = output.stored
        #expect(stored.strategies.map(\.name) == ["flexible", "locked"])
        #expect(stored.strategies[0].layers == [StoredLayer(id: "earn", type: "soft_staking", asset: "TOK")])
        // A row that names no run is refused by the schema.
        #expect(throws: DatabaseError.self) {
            try store.queue.write { db in
                try db.execute(sql: "INSERT INTO metrics VALUES (999, 'x', 'y', 1)")
            }
        }
    }

    @Test("report --db --run reproduces the run's report byte for byte")
    func reportReproduction() throws {
        let dir = TestSupport.tempDirectory()
        let path = dir + "/results.sqlite"
        let store = try ResultStore(path: path)
        let output = try run(golden(), store: store, reports: dir)
        let written = try String(contentsOfFile: try #require(output.reportPath), encoding: .utf8)
        let reopened = try ResultStore(path: path)
        let rerendered = ReportRenderer(run: try reopened.load(run: output.runID), databasePath: path).render()
        #expect(rerendered == written)
        #expect(written.utf8.count > 1000)
    }

    @Test("two runs of the same file and seed give identical rows and reports, apart from ids, timestamps and the run line")
    func reproducible() throws {
        let store = try ResultStore()
        let loaded = try golden()
        let first = try run(loaded, store: store, options: SimulationOptions(threads: 1))
        let second = try run(loaded, store: store, options: SimulationOptions(threads: 2))
        for table in Self.tables {
            let a = try store.dump(table: table, run: first.runID)
            let b = try store.dump(table: table, run: second.runID)
            #expect(a == b, "\(table) differs")
            #expect(!a.isEmpty)
        }
        let linesA = first.report.components(separatedBy: "\n")
        let linesB = second.report.components(separatedBy: "\n")
        #expect(linesA.count == linesB.count)
        let differing = zip(linesA, linesB).filter { $0 != $1 }
        #expect(differing.count == 1)
        #expect(differing.first?.0.hasPrefix(ReportRenderer.runLinePrefix) == true)
    }

    @Test("a run interrupted at any point of the write leaves no rows", arguments: [1, 2, 3, 40, 120, 200])
    func atomic(failAfter: Int) throws {
        let store = try ResultStore()
        let loaded = try golden()
        _ = try run(loaded, store: store)
        let before = try Self.tables.map { try store.count(table: $0) }
        store.failAfterRows = failAfter
        #expect(throws: RunFailure.self) { try run(loaded, store: store) }
        store.failAfterRows = nil
        let after = try Self.tables.map { try store.count(table: $0) }
        #expect(before == after)
        #expect(try store.runIDs() == [1])
        // The next run still succeeds.
        #expect(try run(loaded, store: store).runID >= 2)
    }

    @Test("reopening a database keeps its runs; migrations are recorded, not re-run")
    func reopen() throws {
        let path = TestSupport.tempDirectory() + "/r.sqlite"
        do {
            let store = try ResultStore(path: path)
            _ = try run(golden(), store: store)
        }
        let again = try ResultStore(path: path)
        #expect(try again.runIDs() == [1])
        let mode = try again.queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test("a database path that cannot be opened is a StoreError (exit 74)")
    func unopenable() {
        let dir = TestSupport.tempDirectory()
        #expect(throws: StoreError.self) { try ResultStore(path: dir) }
        #expect(RunFailure.store(StoreError(path: dir, message: "x")).exitCode == 74)
    }

    @Test("a file that is not a database is reported, not crashed on")
    func notADatabase() throws {
        let path = TestSupport.tempDirectory() + "/junk.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        do {
            _ = try ResultStore(path: path)
            Issue.record("opened junk")
        } catch {
            #expect(error.message.contains("not a yieldstack database") || error.message.contains("not a database"))
        }
    }
}
