import Foundation
import GRDB
import Testing
@testable import YieldStack

/// Schema v4 (`v4-cascade-events`): `events.kind` accepts `cascade`
/// (SPEC §2.6); a database made by an earlier version keeps its events.
@Suite("Store: cascade events migration")
struct CascadeEventsMigrationTests {
    static func insertEvent(_ db: Database, kind: String) throws {
        try db.execute(sql: """
            INSERT INTO events (run_id, strategy, path, day, date, kind, layer_id, asset, amount, value, detail)
            VALUES (1, 'zeta', 0, 2, '2024-01-03', ?, NULL, 'stETH', 3, 4, '{"round":1}')
            """, arguments: [kind])
    }

    @Test("before v4 a cascade event violates the kind CHECK; after it, old events keep their ids and a cascade event is accepted")
    func migration() throws {
        let path = try IntegerKeyTests.v2Database()
        let queue = try DatabaseQueue(path: path)
        try StoreSchema.migrator.migrate(queue, upTo: "v3-integer-keys")
        #expect(throws: DatabaseError.self) { try queue.write { try Self.insertEvent($0, kind: "cascade") } }
        let before = try queue.read { try Row.fetchAll($0, sql: "SELECT * FROM events ORDER BY id") }
        try StoreSchema.migrator.migrate(queue)
        let after = try queue.read { try Row.fetchAll($0, sql: "SELECT * FROM events ORDER BY id") }
        #expect(after == before)
        try queue.write { try Self.insertEvent($0, kind: "cascade") }
        #expect(throws: DatabaseError.self) { try queue.write { try Self.insertEvent($0, kind: "no_such_kind") } }
        let index = try queue.read { try String.fetchOne($0, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'events_by_path'") }
        #expect(index == "events_by_path")
        // Every kind the engine emits is accepted.
        #expect(Set(StoreSchema.v4EventKinds) == Set(EventKind.allCases.map(\.rawValue)))
        try queue.close()
    }
}
