import Foundation
import GRDB
import Testing
@testable import YieldStack

/// `run --shard`, `sweep --shard` and `merge`, end to end: merged shards
/// are the unsharded run in every table and the report but its run line.
@Suite("Shards and merge", .serialized)
struct ShardMergeTests {
    static let stack = TestSupport.repositoryRoot + "/scenarios/steth-aave-curve.json"

    func cli(_ arguments: String...) -> CommandLineHarness.Outcome { CommandLineHarness.run(arguments) }

    /// Every table's rows of every run of a database in run order, ids and
    /// timestamps aside, as SQLite values (doubles compared exactly).
    static func tables(_ path: String) throws -> [String: [[DatabaseValue]]] {
        let store = try ResultStore(readOnlyPath: path)
        defer { store.close() }
        let ids = try store.runIDs()
        var out: [String: [[DatabaseValue]]] = [:]
        try store.queue.read { db in
            for (table, order) in StoreSchema.runTables {
                let idColumn = table == "runs" ? "id" : "run_id"
                let columns = try db.columns(in: table).map(\.name).filter { !["id", "run_id", "started_at", "finished_at"].contains($0) }
                var rows: [[DatabaseValue]] = []
                for id in ids {
                    let sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(idColumn) = ? ORDER BY \(order)"
                    rows += try Row.fetchAll(db, sql: sql, arguments: [id]).map { row in (0..<row.count).map { row[$0] as DatabaseValue } }
                }
                out[table] = rows
            }
        }
        return out
    }

    /// A report's lines but the one naming the run id and database.
    static func reportBody(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix(ReportRenderer.runLinePrefix) && !$0.hasPrefix("<p class=\"run-line\">") }.map(String.init)
    }

    static func expectSameTables(_ a: String, _ b: String) throws {
        let x = try tables(a), y = try tables(b)
        for (table, _) in StoreSchema.runTables {
            let rowsA = x[table] ?? [], rowsB = y[table] ?? []
            // Compared as a boolean so that a failure does not print 100,000 rows.
            let same = rowsA == rowsB
            #expect(same, "\(table): \(rowsA.count) and \(rowsB.count) rows; first difference: \(zip(rowsA, rowsB).first { $0 != $1 }.map { "\($0.0) | \($0.1)" } ?? "in the count")")
        }
        #expect((x["daily"] ?? []).count > 0 && (x["path_summary"] ?? []).count > 0, "the runs hold rows")
    }

    @Test("2,000 paths of the stack in 4 shards, merged, equal the unsharded run in every table and both reports but the run line")
    func fourShards() throws {
        let dir = TestSupport.tempDirectory()
        for k in 0..<4 {
            #expect(cli("run", Self.stack, "--paths", "2000", "--shard", "\(k)/4", "--threads", "\(1 + k % 2)", "--db", dir + "/shard-\(k).sqlite", "--quiet").status == 0)
        }
        // No report from a shard: a slice of paths is not a run.
        #expect(!FileManager.default.fileExists(atPath: dir + "/reports/steth-aave-curve.md"))
        // Given out of order: merge sorts by path range.
        let shards = [2, 0, 3, 1].map { dir + "/shard-\($0).sqlite" }
        #expect(CommandLineHarness.run(["merge", "--db", dir + "/merged.sqlite", "--report-dir", dir + "/m", "--quiet"] + shards).status == 0)
        #expect(cli("run", Self.stack, "--paths", "2000", "--db", dir + "/whole.sqlite", "--report-dir", dir + "/w", "--quiet").status == 0)
        try Self.expectSameTables(dir + "/whole.sqlite", dir + "/merged.sqlite")
        for ext in ["md", "html"] {
            let whole = try Self.reportBody(dir + "/w/steth-aave-curve.\(ext)"), merged = try Self.reportBody(dir + "/m/steth-aave-curve.\(ext)")
            #expect(whole == merged, "\(ext) report")
            #expect(whole.count > 20)
        }
        // Reading the shards left nothing beside them.
        #expect(!FileManager.default.fileExists(atPath: dir + "/shard-0.sqlite-wal"))
    }

    @Test("a 2-variant sweep in 2 shards, merged, equals the unsharded sweep: every table and the sweep report but its run line")
    func sweepInTwo() throws {
        let dir = TestSupport.tempDirectory()
        let set = "strategies[0].layers[2].target_ltv=0.5,0.6"
        for k in 0..<2 {
            #expect(cli("sweep", Self.stack, "--set", set, "--paths", "120", "--store-paths", "10", "--shard", "\(k)/2", "--db", dir + "/s\(k).sqlite", "--quiet").status == 0)
        }
        #expect(cli("merge", "--db", dir + "/merged.sqlite", "--report-dir", dir + "/m", "--quiet", dir + "/s0.sqlite", dir + "/s1.sqlite").status == 0)
        #expect(cli("sweep", Self.stack, "--set", set, "--paths", "120", "--store-paths", "10", "--db", dir + "/whole.sqlite", "--report-dir", dir + "/w", "--quiet").status == 0)
        try Self.expectSameTables(dir + "/whole.sqlite", dir + "/merged.sqlite")
        let ids = try ResultStore(readOnlyPath: dir + "/merged.sqlite").runIDs()
        #expect(ids.count == 2)
        let whole = try Self.reportBody(dir + "/w/steth-aave-curve-sweep.md"), merged = try Self.reportBody(dir + "/m/steth-aave-curve-sweep.md")
        #expect(whole == merged)
        #expect(whole.contains { $0.contains("target_ltv") })
    }

    @Test("13 shards, more than SQLite attaches at once (10), merge one file at a time to the unsharded run")
    func manyShards() throws {
        let dir = TestSupport.tempDirectory()
        let files = (0..<13).map { dir + "/s\($0).sqlite" }
        for (k, file) in files.enumerated() {
            #expect(cli("run", Self.stack, "--paths", "30", "--store-paths", "3", "--shard", "\(k)/13", "--db", file, "--quiet").status == 0)
        }
        #expect(CommandLineHarness.run(["merge", "--db", dir + "/merged.sqlite", "--report-dir", dir + "/m", "--quiet"] + files.reversed()).status == 0)
        #expect(cli("run", Self.stack, "--paths", "30", "--store-paths", "3", "--db", dir + "/whole.sqlite", "--report-dir", dir + "/w", "--quiet").status == 0)
        try Self.expectSameTables(dir + "/whole.sqlite", dir + "/merged.sqlite")
        #expect(try Self.reportBody(dir + "/w/steth-aave-curve.md") == Self.reportBody(dir + "/m/steth-aave-curve.md"))
    }

    @Test("merge refuses an overlap, a gap and a mixed seed with exit 65, naming the files; nothing is written")
    func refusals() throws {
        let dir = TestSupport.tempDirectory()
        func shard(_ name: String, _ spec: String, _ extra: String...) {
            #expect(CommandLineHarness.run(["run", Self.stack, "--paths", "40", "--shard", spec, "--db", dir + "/\(name).sqlite", "--quiet"] + extra).status == 0)
        }
        shard("a", "0/2")
        shard("b", "1/2")
        shard("quarter", "0/4")
        shard("last", "3/4")
        shard("seeded", "1/2", "--seed", "9")
        let out = dir + "/out.sqlite"
        func refusal(_ names: [String]) throws -> String {
            let files = names.map { dir + "/\($0).sqlite" }
            #expect(CommandLineHarness.run(["merge", "--db", out, "--quiet"] + files).status == 65, "\(names)")
            #expect(!FileManager.default.fileExists(atPath: out), "nothing written for \(names)")
            let memory = try ResultStore()
            do throws(MergeFailure) {
                _ = try ShardMerge.merge(files: files, into: memory, reportDirectory: nil, now: { "t" })
                Issue.record("\(names) merged")
                return ""
            } catch {
                #expect(error.exitCode == 65)
                return error.description
            }
        }
        let overlap = try refusal(["a", "quarter", "b"])
        #expect(overlap == "\(dir)/quarter.sqlite (run 1, shard 0/4, paths 0..<10) overlaps \(dir)/a.sqlite (run 1, shard 0/2, paths 0..<20)")
        let gap = try refusal(["a", "last"])
        #expect(gap == "paths 20..<30 of 'stETH on Aave with the borrowed ETH in Curve' are in no shard: a gap after \(dir)/a.sqlite (run 1, shard 0/2, paths 0..<20), before \(dir)/last.sqlite (run 1, shard 3/4, paths 30..<40)")
        let seed = try refusal(["a", "seeded"])
        #expect(seed == "\(dir)/a.sqlite and \(dir)/seeded.sqlite ran 'stETH on Aave with the borrowed ETH in Curve' with different seeds (2025 and 9)")
        let missingEnd = try refusal(["a"])
        #expect(missingEnd.hasPrefix("paths 20..<40 of"))
        // A database of whole runs is no shard.
        #expect(cli("run", Self.stack, "--paths", "4", "--db", dir + "/plain.sqlite", "--quiet").status == 0)
        let plain = try refusal(["a", "plain"])
        #expect(plain == "\(dir)/plain.sqlite holds no shard runs: it was not written by `run --shard` or `sweep --shard`")
        // The complete set still merges.
        #expect(cli("merge", "--db", out, "--quiet", dir + "/a.sqlite", dir + "/b.sqlite").status == 0)
    }

    @Test("a retried shard task replaces its own earlier attempt; the shard database is not a run; bad --shard values are usage errors")
    func retriesAndUsage() throws {
        let dir = TestSupport.tempDirectory()
        let db = dir + "/s.sqlite"
        #expect(cli("run", Self.stack, "--paths", "30", "--shard", "1/3", "--db", db, "--quiet").status == 0)
        #expect(cli("run", Self.stack, "--paths", "30", "--shard", "1/3", "--db", db, "--quiet").status == 0)
        let store = try ResultStore(readOnlyPath: db)
        let runs = try store.shardRuns()
        #expect(runs.count == 1)
        #expect(runs.first?.manifest.range == 10..<20 && runs.first?.manifest.paths == 30 && runs.first?.manifest.seed == 2025)
        #expect(try store.runIDs().isEmpty)
        #expect(store.missingRunNote(ids: []).contains("only 1 shard run"))
        #expect(cli("report", "--db", db, "--run", "1").status == 64)
        #expect(cli("run", Self.stack, "--paths", "3", "--shard", "0/4", "--db", dir + "/t.sqlite", "--quiet").status == 64)
        #expect(cli("run", Self.stack, "--shard", "4/4", "--db", dir + "/t.sqlite").message == "--shard 4/4: K must be between 0 and 3 (shards are numbered from 0), got 4.")
        #expect(cli("run", Self.stack, Self.stack, "--shard", "0/2").message == "--shard runs one scenario file at a time, got 2.")
        #expect(cli("merge", "--db", db, db).status == 64)
        #expect(cli("merge", "--db", dir + "/o.sqlite", dir + "/none.sqlite").status == 74)
    }

    @Test("a strategy's results survive the shard encoding bit for bit; a cut blob is an error, not a crash")
    func codecRoundTrip() throws {
        let loaded = try ScenarioLoader.load(path: Self.stack)
        let result = try Simulation.run(loaded.scenario, options: SimulationOptions(paths: 5, storePaths: 2, pathRange: 1..<4))
        for s in result.strategies {
            var w = ByteWriter()
            s.encode(&w)
            var r = ByteReader(w.bytes)
            let back = try StrategyResult(decoding: &r)
            #expect(r.atEnd)
            var again = ByteWriter()
            back.encode(&again)
            #expect(again.bytes == w.bytes)
            let same = back.firstPath == 1 && back.count == 3 && back.equity == s.equity && back.paths == s.paths && back.daily == s.daily
                && back.layerDaily == s.layerDaily && back.events == s.events && back.attribution == s.attribution && back.layerRates == s.layerRates
            #expect(same)
            for cut in [1, 9, w.bytes.count / 2, w.bytes.count - 1] {
                var short = ByteReader(Array(w.bytes.prefix(cut)))
                #expect(throws: ByteReader.Truncated.self) { _ = try StrategyResult(decoding: &short) }
            }
        }
        var m = ByteWriter()
        MarketDailyRecord.encode(result.marketDaily, &m)
        var r = ByteReader(m.bytes)
        #expect(try MarketDailyRecord.decodeAll(&r) == result.marketDaily)
        #expect(!result.marketDaily.isEmpty)
    }
}
