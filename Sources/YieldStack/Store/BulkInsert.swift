import GRDB
import GRDBSQLite

/// Fast repeated inserts through one prepared statement, binding values with
/// SQLite's C API. A run writes hundreds of thousands of rows; building a
/// `StatementArguments` array per row costs more than SQLite's own work.
/// Bindings survive `sqlite3_reset`, so columns that do not change (run id,
/// strategy) are bound once.
struct BulkInsert {
    let statement: Statement
    let handle: OpaquePointer
    let connection: OpaquePointer?

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    @inline(__always) func bind(_ i: Int32, _ v: Double) { sqlite3_bind_double(handle, i, v) }
    @inline(__always) func bind(_ i: Int32, _ v: Int) { sqlite3_bind_int64(handle, i, Int64(v)) }
    @inline(__always) func bind(_ i: Int32, _ v: Int64) { sqlite3_bind_int64(handle, i, v) }
    @inline(__always) func bind(_ i: Int32, _ v: Bool) { sqlite3_bind_int64(handle, i, v ? 1 : 0) }
    func bind(_ i: Int32, _ v: String) { sqlite3_bind_text(handle, i, v, -1, Self.transient) }
    @inline(__always) func bindNull(_ i: Int32) { sqlite3_bind_null(handle, i) }
    @inline(__always) func bind(_ i: Int32, _ v: Double?) { if let v { bind(i, v) } else { bindNull(i) } }
    @inline(__always) func bind(_ i: Int32, _ v: Int?) { if let v { bind(i, v) } else { bindNull(i) } }
    func bind(_ i: Int32, _ v: String?) { if let v { bind(i, v) } else { bindNull(i) } }

    /// Runs the statement with the current bindings.
    func step() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(code)"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }
}
