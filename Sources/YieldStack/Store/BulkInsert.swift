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

/// Many rows per `INSERT … VALUES (…), (…), …` statement: SQLite's cost per
/// statement execution (step, reset, opening the table) is then paid once
/// per `batch` rows. The leading `shared` columns (run id, strategy) are the
/// same for every row and bound once, as `?1…?shared`; a row's own values
/// are buffered and bound when its batch is full, or by `finish()` through
/// a statement sized to the rows left.
final class BatchInsert {
    enum Value {
        case int(Int64), double(Double), null
    }

    private let db: Database
    private let table: String
    private let shared: Int
    private let perRow: Int
    private let batch: Int
    private var statements: [Int: BulkInsert] = [:]
    private var sharedValues: [Value]
    private var values: [Value] = []

    /// `columns`: all of the table's columns, in order, the `shared` first.
    init(_ db: Database, table: String, columns: Int, shared: Int, batch: Int = 32) throws {
        self.db = db
        self.table = table
        self.shared = shared
        perRow = columns - shared
        self.batch = batch
        sharedValues = Array(repeating: .null, count: shared)
        values.reserveCapacity(batch * perRow)
    }

    private func statement(rows: Int) throws -> BulkInsert {
        if let s = statements[rows] { return s }
        let head = (0..<shared).map { "?\($0 + 1)" }
        let tuples = (0..<rows).map { r in
            "(" + (head + (0..<perRow).map { "?\(shared + r * perRow + $0 + 1)" }).joined(separator: ", ") + ")"
        }
        let s = try BulkInsert(db, sql: "INSERT INTO \(table) VALUES " + tuples.joined(separator: ", "))
        for (i, v) in sharedValues.enumerated() { Self.bind(s, Int32(i + 1), v) }
        statements[rows] = s
        return s
    }

    @inline(__always) private static func bind(_ s: BulkInsert, _ i: Int32, _ v: Value) {
        switch v {
        case .int(let x): s.bind(i, x)
        case .double(let x): s.bind(i, x)
        case .null: s.bindNull(i)
        }
    }

    /// Sets shared column `i` (0-based) for the rows added from now on.
    func setShared(_ i: Int, _ v: Int64) throws {
        try flushWhole()
        sharedValues[i] = .int(v)
        for s in statements.values { s.bind(Int32(i + 1), v) }
    }

    func setShared(_ i: Int, _ v: Int) throws { try setShared(i, Int64(v)) }

    @inline(__always) func add(_ v: Int) { values.append(.int(Int64(v))) }
    @inline(__always) func add(_ v: Double) { values.append(.double(v)) }
    @inline(__always) func add(_ v: Bool) { values.append(.int(v ? 1 : 0)) }
    @inline(__always) func add(_ v: Double?) { values.append(v.map { .double($0) } ?? .null) }
    @inline(__always) func add(_ v: Int?) { values.append(v.map { .int(Int64($0)) } ?? .null) }

    /// Ends the current row; runs the statement when a batch is full.
    @inline(__always) func endRow() throws {
        if values.count == batch * perRow { try flush(rows: batch) }
    }

    private func flush(rows: Int) throws {
        let s = try statement(rows: rows)
        var i = Int32(shared + 1)
        for v in values {
            Self.bind(s, i, v)
            i += 1
        }
        try s.step()
        values.removeAll(keepingCapacity: true)
    }

    private func flushWhole() throws {
        guard !values.isEmpty else { return }
        precondition(values.count % perRow == 0, "BatchInsert: a row was left unfinished")
        try flush(rows: values.count / perRow)
    }

    /// Writes the rows still buffered.
    func finish() throws { try flushWhole() }
}
