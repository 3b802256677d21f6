import Foundation
import GRDB
import Testing
@testable import YieldStack

/// Several writers sharing one database: none may lose its run.
@Suite("Results database: concurrent writers")
struct ConcurrentStoreTests {
    static let tables = StoreSchema.runTables.map(\.name)

    /// The golden run with hand-made `market_daily` and `layer_rates`
    /// rows, so that every table of a run is exercised.
    static func goldenRun() throws -> (SimulationResult, [StrategySummary], RunMetadata) {
        let loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        var result = try Simulation.run(loaded.scenario, options: SimulationOptions(threads: 1))
        result.marketDaily = (0..<3).flatMap { day in
            [MarketDailyRecord(path: 0, day: day, asset: 0, price: 2 + Double(day), ratio: nil),
             MarketDailyRecord(path: 0, day: day, asset: 1, price: 1, ratio: 0.99)]
        }
        for s in result.strategies.indices {
            result.strategies[s].layerRates = (0..<3).map { LayerRateRecord(path: 0, day: $0, layer: 0, rate: 0.05 + Double(s) / 100) }
        }
        let metadata = RunMetadata(scenarioFile: loaded.file, scenarioJSON: loaded.text, scenarioSHA256: loaded.sha256,
                                   storedPaths: 1, startedAt: "2026-01-01T00:00:00Z", finishedAt: "2026-01-01T00:00:01Z")
        return (result, RunPipeline.summarise(result), metadata)
    }

    /// Runs `body(i)` on `count` threads released at the same moment.
    static func race(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let ready = DispatchSemaphore(value: 0)
        let go = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        for i in 0..<count {
            done.enter()
            let thread = Thread {
                ready.signal()
                go.wait()
                body(i)
                done.leave()
            }
            thread.start()
        }
        for _ in 0..<count { ready.wait() }
        for _ in 0..<count { go.signal() }
        done.wait()
    }

    /// A connection that keeps a write transaction open across accesses,
    /// like another process in the middle of a long run.
    static func lockHolder(_ path: String) throws -> DatabaseQueue {
        var config = Configuration()
        config.allowsUnsafeTransactions = true
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
        return queue
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var messages: [String] = []
        func add(_ m: String) { lock.lock(); messages.append(m); lock.unlock() }
    }

    @Test("8 first-time writers racing on a database that does not exist yet all store their run, 20 times over")
    func firstTimeWriters() throws {
        let (result, summaries, metadata) = try Self.goldenRun()
        let reference = try ResultStore()
        let one = try reference.save(result, summaries: summaries, metadata: metadata)
        let perRun = try Self.tables.map { try reference.dump(table: $0, run: one).count }
        for repetition in 0..<20 {
            let dir = TestSupport.tempDirectory() + "/new-folder-\(repetition)"
            let path = dir + "/results.sqlite"
            let failures = Failures()
            Self.race(8) { i in
                do {
                    let store = try ResultStore(path: path)
                    _ = try store.save(result, summaries: summaries, metadata: metadata)
                } catch {
                    failures.add("writer \(i): \(error)")
                }
            }
            #expect(failures.messages == [], "repetition \(repetition)")
            let store = try ResultStore(readOnlyPath: path)
            #expect(try store.runIDs() == Array(1...8), "repetition \(repetition)")
            let check = try store.queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            #expect(check == ["ok"])
            for (table, rows) in zip(Self.tables, perRun) {
                #expect(try store.count(table: table) == 8 * rows, "\(table)")
            }
            let migrations = try store.queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier") }
            #expect(migrations == StoreSchema.migrations.map(\.identifier))
            #expect(!FileManager.default.fileExists(atPath: path + ".recovery-\(metadata.scenarioSHA256.prefix(8))-1.sqlite"))
        }
    }

    @Test("a writer blocked longer than its wait keeps its run in a recovery file, which imports with identical rows")
    func recoveryFile() throws {
        let (result, summaries, metadata) = try Self.goldenRun()
        let dir = TestSupport.tempDirectory()
        let path = dir + "/results.sqlite"
        let first = try ResultStore(path: path)
        #expect(try first.save(result, summaries: summaries, metadata: metadata) == 1)

        // Another process holds the write lock and does not let go.
        let blocker = try Self.lockHolder(path)
        let writer = try ResultStore(path: path, wait: StoreWaitPolicy(busyTimeout: 0.05, total: 0.3))
        var later = metadata
        later.startedAt = "2026-01-02T00:00:00Z"
        later.finishedAt = "2026-01-02T00:00:01Z"
        var recovery = ""
        do {
            _ = try writer.save(result, summaries: summaries, metadata: later)
            Issue.record("saved through a held lock")
        } catch {
            recovery = try #require(error.recoveryPath)
            #expect(recovery == path + ".recovery-\(metadata.scenarioSHA256.prefix(8))-1.sqlite")
            #expect(error.message.hasPrefix("the database is locked by another process"))
            #expect(error.message.hasSuffix("import it with `yieldstack import --db \(path) \(recovery)`"))
            #expect(RunFailure.store(error).exitCode == 74)
        }
        try blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        try blocker.close()
        #expect(try first.runIDs() == [1])

        // The recovery file is a whole yieldstack database on its own: no -wal or -journal beside it.
        for suffix in ["-wal", "-shm", "-journal"] { #expect(!FileManager.default.fileExists(atPath: recovery + suffix), "\(suffix)") }
        let saved = try ResultStore(readOnlyPath: recovery)
        #expect(try saved.runIDs() == [1])

        #expect(try writer.importRuns(from: recovery) == [ImportedRun(sourceID: 1, id: 2)])
        // Importing it again would count the run twice: refused, nothing added.
        #expect { try writer.importRuns(from: recovery) } throws: { error in
            (error as? StoreError)?.message == "already holds run 1 of \(recovery) (as run 2: same scenario, seed, paths and timestamps); nothing was imported from that file"
        }
        #expect(try first.runIDs() == [1, 2])
        for table in Self.tables {
            let original = try saved.dump(table: table, run: 1)
            #expect(!original.isEmpty, "\(table)")
            #expect(try first.dump(table: table, run: 2) == original, "\(table)")
            #expect(try first.dump(table: table, run: 1) == original, "\(table)")
        }
        // A second recovery in the same place takes the next number.
        let again = try Self.lockHolder(path)
        do {
            _ = try writer.save(result, summaries: summaries, metadata: metadata)
            Issue.record("saved through a held lock")
        } catch {
            #expect(error.recoveryPath == path + ".recovery-\(metadata.scenarioSHA256.prefix(8))-2.sqlite")
        }
        try again.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
    }

    @Test("a writer that waits within its budget stores its run once the lock is released")
    func waitsForLock() throws {
        let (result, summaries, metadata) = try Self.goldenRun()
        let path = TestSupport.tempDirectory() + "/results.sqlite"
        let store = try ResultStore(path: path, wait: StoreWaitPolicy(busyTimeout: 0.02, total: 60))
        let blocker = try Self.lockHolder(path)
        let retried = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        store.onBusyRetry = { retried.signal() }
        let saved = Failures()
        let thread = Thread {
            do { saved.add("id \(try store.save(result, summaries: summaries, metadata: metadata))") } catch { saved.add("\(error)") }
            finished.signal()
        }
        thread.start()
        // The writer has met the lock (a busy timeout passed) and is retrying; now let go.
        retried.wait()
        retried.wait()
        try blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
        finished.wait()
        #expect(saved.messages == ["id 1"])
    }

    @Test("separate processes running into one new database all store their run")
    func processes() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/shared/results.sqlite"
        let scenario = TestSupport.fixture("golden-scenario.json")
        let processes = (0..<4).map { i -> (Process, Pipe) in
            let p = Process()
            p.executableURL = URL(fileURLWithPath: CLITests.binary)
            p.arguments = ["run", scenario, "--db", db, "--report-dir", dir + "/reports-\(i)", "--quiet"]
            let err = Pipe()
            p.standardError = err
            return (p, err)
        }
        for (p, _) in processes { try p.run() }
        for (p, err) in processes {
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "\(stderr)")
        }
        let store = try ResultStore(readOnlyPath: db)
        #expect(try store.runIDs() == [1, 2, 3, 4])
    }
}
