import Foundation
import GRDB
import Testing
@testable import YieldStack

/// Files that are not ours, read-only databases, full disks, and outputs
/// that cannot be written: each a StoreError or RunFailure (exit 74) with a
/// sentence, and never a damaged database.
@Suite("Results database: foreign, read-only and failing files")
struct StoreSafetyTests {
    /// Tables and views: from schema v3 the released names of the bulky tables are views.
    static func tables(_ path: String) throws -> [String] {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name")
        }
    }

    func golden() throws -> LoadedScenario {
        try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
    }

    func run(_ store: ResultStore, reports: String? = nil) throws -> RunOutput {
        let loaded = try golden()
        return try RunPipeline.run(loaded, options: SimulationOptions(threads: 1), store: store, reportDirectory: reports, now: { "2026-01-01T00:00:00Z" })
    }

    // MARK: Foreign files

    @Test("an SQLite file of another program is refused and left untouched")
    func foreign() throws {
        let path = TestSupport.tempDirectory() + "/notes.sqlite"
        do {
            let other = try DatabaseQueue(path: path)
            try other.write { db in try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('keep me')") }
            try other.close()
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            _ = try ResultStore(path: path)
            Issue.record("opened a foreign database for writing")
        } catch {
            #expect(error.message == """
                is an SQLite database of another program (its tables: notes), not a yieldstack results database; \
                it was left untouched: give --db a new file or an existing yieldstack database
                """)
            #expect(RunFailure.store(error).exitCode == 74)
        }
        #expect(throws: StoreError.self) { try ResultStore(readOnlyPath: path) }
        #expect(try Self.tables(path) == ["notes"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("another GRDB application's database (its own migrations) is foreign too")
    func foreignGRDB() throws {
        let path = TestSupport.tempDirectory() + "/app.sqlite"
        var migrator = DatabaseMigrator()
        migrator.registerMigration("createPlayers") { db in try db.execute(sql: "CREATE TABLE player (id INTEGER PRIMARY KEY)") }
        let other = try DatabaseQueue(path: path)
        try migrator.migrate(other)
        try other.close()
        #expect { try ResultStore(path: path) } throws: { error in
            (error as? StoreError)?.message.hasPrefix("is an SQLite database of another program (its tables: grdb_migrations, player)") == true
        }
        #expect(try Self.tables(path) == ["grdb_migrations", "player"])
    }

    @Test("a file that is not SQLite at all gets a sentence, exit 74")
    func notSQLite() throws {
        let path = TestSupport.tempDirectory() + "/notes.txt"
        try Data("just some text, long enough to look like a file header to SQLite".utf8).write(to: URL(fileURLWithPath: path))
        let expected = "\(path): database error: the file is not a database (not SQLite, so not a yieldstack results database)"
        #expect { try ResultStore(path: path) } throws: { ($0 as? StoreError)?.description == expected }
        #expect { try ResultStore(readOnlyPath: path) } throws: { ($0 as? StoreError)?.description == expected }
    }

    @Test("a database written by a newer yieldstack is refused for writing, readable for reports")
    func newerSchema() throws {
        let path = TestSupport.tempDirectory() + "/r.sqlite"
        do {
            let store = try ResultStore(path: path)
            _ = try run(store)
            try store.queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-future')") }
        }
        #expect { try ResultStore(path: path) } throws: { error in
            (error as? StoreError)?.message.hasPrefix("was written by a newer yieldstack (it has schema migration 'v99-future'") == true
        }
        #expect(try ResultStore(readOnlyPath: path).runIDs() == [1])
    }

    @Test("a database made before market_daily and layer_rates gets them by a new migration, keeping its runs")
    func upgradesV1() throws {
        let path = TestSupport.tempDirectory() + "/old.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try StoreSchema.migrator.migrate(queue, upTo: "v1-runs")
            try queue.write { db in
                try db.execute(sql: """
                    INSERT INTO runs (scenario_name, scenario_file, scenario_json, scenario_sha256, seed, paths, days, start_date,
                                      currency, stored_paths, tool_version, started_at, finished_at, status)
                    VALUES ('old', 'old.json', '{}', ?, 1, 1, 1, '2024-01-01', 'USD', 1, '0.1.0', 'a', 'b', 'completed')
                    """, arguments: [String(repeating: "a", count: 64)])
            }
            try queue.close()
        }
        #expect(try !Self.tables(path).contains("market_daily"))
        // report reads it as it is, without migrating it.
        do {
            let old = try ResultStore(readOnlyPath: path)
            let run = try old.load(run: 1)
            #expect(run.scenarioName == "old")
            #expect(run.marketDaily.isEmpty && run.layerRates.isEmpty)
            old.close()
        }
        #expect(try !Self.tables(path).contains("market_daily"))
        let store = try ResultStore(path: path)
        #expect(try store.runIDs() == [1])
        let ids = try store.queue.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
        #expect(ids == ["v1-runs", "v2-market-daily-layer-rates", "v3-integer-keys", "v4-cascade-events", "v5-shard-runs"])
        #expect(try Self.tables(path).contains("market_daily"))
        #expect(try Self.tables(path).contains("layer_rates"))
    }

    // MARK: Read-only

    @Test("report's read-only open reads a 0444 file in a 0555 folder, and SQLite refuses writes through it")
    func readOnly() throws {
        let dir = TestSupport.tempDirectory() + "/ro"
        let path = dir + "/r.sqlite"
        let written: String
        do {
            let store = try ResultStore(path: path)
            written = try run(store).report
            store.close()
        }
        for suffix in ["-wal", "-shm"] { #expect(!FileManager.default.fileExists(atPath: path + suffix)) }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: dir)
        defer {
            try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: dir)
            try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let store = try ResultStore(readOnlyPath: path)
        #expect(store.isReadOnly)
        #expect(try store.runIDs() == [1])
        let report = ReportRenderer(run: try store.load(run: 1), databasePath: path).render()
        #expect(report == written)
        // The connection itself is read-only (SQLITE_OPEN_READONLY), whatever the permission bits allow root.
        #expect { try store.queue.write { db in try db.execute(sql: "DELETE FROM metrics") } } throws: { error in
            (error as? DatabaseError)?.resultCode == .SQLITE_READONLY
        }
        #expect(throws: StoreError.self) { try store.checkWritable() }
        #expect { try store.importRuns(from: path) } throws: { error in
            (error as? StoreError)?.message == "was opened read-only; it cannot take imported runs"
        }
        store.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    }

    @Test("on a read-only mount (no -wal can be created) the database is read as immutable, creating no -wal or -shm")
    func immutableFallback() throws {
        let dir = TestSupport.tempDirectory() + "/with space?and#marks"
        let path = dir + "/r.sqlite"
        do {
            let store = try ResultStore(path: path)
            _ = try run(store)
            store.close()
        }
        for suffix in ["-wal", "-shm"] { #expect(!FileManager.default.fileExists(atPath: path + suffix)) }
        let store = try ResultStore(readOnlyPath: path, wait: .standard, immutable: true)
        #expect(try store.runIDs() == [1])
        #expect(try store.load(run: 1).strategies.count == 2)
        #expect { try store.queue.write { db in try db.execute(sql: "DELETE FROM metrics") } } throws: { error in
            (error as? DatabaseError)?.resultCode == .SQLITE_READONLY
        }
        store.close()
        for suffix in ["-wal", "-shm"] { #expect(!FileManager.default.fileExists(atPath: path + suffix), "\(suffix)") }
    }

    @Test("read-only open of a missing or empty file says so")
    func readOnlyMissing() throws {
        let dir = TestSupport.tempDirectory()
        #expect { try ResultStore(readOnlyPath: dir + "/none.sqlite") } throws: { ($0 as? StoreError)?.message == "no such file" }
        _ = FileManager.default.createFile(atPath: dir + "/empty.sqlite", contents: Data())
        #expect { try ResultStore(readOnlyPath: dir + "/empty.sqlite") } throws: {
            ($0 as? StoreError)?.message == "is an empty database: it holds no yieldstack runs"
        }
        #expect { try ResultStore(readOnlyPath: dir) } throws: { ($0 as? StoreError)?.message == "is a directory, not a database file" }
    }

    // MARK: Failing writes

    @Test("a full disk fails the run with a sentence, keeps the run in a recovery file, leaves no -wal and the old runs intact")
    func diskFull() throws {
        let path = TestSupport.tempDirectory() + "/r.sqlite"
        do {
            let store = try ResultStore(path: path)
            _ = try run(store)
            store.close()
        }
        do {
            let store = try ResultStore(path: path)
            // SQLite's page limit stands in for a full disk: the same SQLITE_FULL.
            try store.queue.inDatabase { db in
                let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                try db.execute(sql: "PRAGMA max_page_count = \(pages + 1)")
            }
            do {
                _ = try run(store)
                Issue.record("ran on a full disk")
            } catch {
                guard let error = error as? RunFailure, case .store(let e) = error else { Issue.record("\(error)"); return }
                #expect(e.message.hasPrefix("no space left on device (the disk is full); the finished run was saved to \(path).recovery-"))
                #expect(!e.message.contains("NSCocoaErrorDomain") && !e.message.contains("error 13"))
                #expect(error.exitCode == 74)
                let recovery = try #require(e.recoveryPath)
                #expect(try ResultStore(readOnlyPath: recovery).runIDs() == [1])
            }
            store.close()
        }
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        let reopened = try ResultStore(path: path)
        #expect(try reopened.runIDs() == [1])
        #expect(try reopened.queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") } == ["ok"])
    }

    @Test("file-system errors become phrases, not Foundation codes", arguments: [
        (NSError(domain: NSCocoaErrorDomain, code: 512, userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOSPC))]) as any Error,
         "no space left on device"),
        (CocoaError(.fileWriteNoPermission) as any Error, "permission denied"),
        (CocoaError(.fileWriteVolumeReadOnly) as any Error, "read-only file system"),
        (CocoaError(.fileWriteOutOfSpace) as any Error, "no space left on device"),
        (POSIXError(.EISDIR) as any Error, "is a directory"),
        (POSIXError(.EROFS) as any Error, "read-only file system"),
        (NSError(domain: NSPOSIXErrorDomain, code: Int(EACCES)) as any Error, "permission denied"),
    ])
    func phrases(error: any Error, phrase: String) {
        #expect(IOErrorText.describe(error) == phrase)
    }

    @Test("writing a file onto a folder's name is described without a Foundation code")
    func writeOntoDirectory() throws {
        let dir = TestSupport.tempDirectory()
        do {
            try "x".write(toFile: dir, atomically: false, encoding: .utf8)
            Issue.record("wrote onto a directory")
        } catch {
            #expect(IOErrorText.describe(error) == "is a directory")
        }
    }

    // MARK: Outputs of a run

    @Test("a report that cannot be written after the run is stored says so, with the run id and how to re-render; its JSON has report null and an error")
    func reportUnwritable() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/r.sqlite"
        let reportPath = dir + "/golden-scenario.md"
        // A folder where the report file should go: the write fails after the run is committed.
        try FileManager.default.createDirectory(atPath: reportPath, withIntermediateDirectories: true)
        let store = try ResultStore(path: db)
        do {
            _ = try run(store, reports: dir)
            Issue.record("wrote a report onto a folder")
        } catch {
            guard let error = error as? RunFailure, case .reportNotWritten(let path, let reason, let database, let output) = error else { Issue.record("\(error)"); return }
            #expect(path == reportPath)
            #expect(database == db)
            #expect(error.exitCode == 74)
            #expect(!reason.contains("NSCocoaErrorDomain"))
            #expect(error.description.hasSuffix("""
                . Run 1 is stored in \(db); render its report again with `yieldstack report --db \(db) --run 1 --out \(reportPath)`
                """))
            #expect(output.runID == 1)
            let json = JSONNode(output.json)
            #expect(json["report"]?.value == .null)
            #expect(json["error"]?.string == "\(reportPath): cannot write the report: \(reason)")
            #expect(json["run_id"]?.int == 1)
        }
        #expect(try store.runIDs() == [1])
    }

    @Test("a report folder that cannot take files fails before the simulation, storing nothing")
    func reportFolderUnwritable() throws {
        let dir = TestSupport.tempDirectory()
        let notAFolder = dir + "/reports"
        _ = FileManager.default.createFile(atPath: notAFolder, contents: Data("x".utf8))
        let store = try ResultStore(path: dir + "/r.sqlite")
        #expect { try run(store, reports: notAFolder) } throws: { error in
            (error as? RunFailure)?.description == "\(notAFolder): cannot write: the report folder cannot take files: it is a file, not a folder"
        }
        #expect(try store.runIDs() == [])
        // A missing folder is created, as before.
        #expect(try run(store, reports: dir + "/new/reports").reportPath == dir + "/new/reports/golden-scenario.md")
    }

    @Test("a database whose folder cannot take files is refused at open, before any simulation")
    func databaseFolderUnwritable() throws {
        let dir = TestSupport.tempDirectory()
        _ = FileManager.default.createFile(atPath: dir + "/file", contents: Data("x".utf8))
        #expect { try ResultStore(path: dir + "/file/r.sqlite") } throws: { error in
            (error as? StoreError)?.message == "cannot write in the database's folder \(dir)/file: it is a file, not a folder"
        }
    }
}

extension StoreSafetyTests {
    @Test("a file holding only GRDB's empty migrations table (another writer's first step) counts as new, not foreign")
    func halfCreated() throws {
        let path = TestSupport.tempDirectory() + "/r.sqlite"
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.write { db in try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)") }
            try queue.close()
        }
        let store = try ResultStore(path: path)
        #expect(try store.runIDs() == [])
        #expect(try Self.tables(path).contains("market_daily"))
    }
}
