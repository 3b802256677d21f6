import Foundation

/// How to read a daily series out of a CSV file as users download it
/// (SPEC §2.1): which column holds the date and which the value, a scale
/// factor, and how to combine several rows of one day. The default reads the
/// project's own `date,value` files: the first two columns, unscaled, and
/// (since those have one row a day) `last`.
public struct SeriesFormat: Sendable, Hashable {
    /// A column named by its header cell or by its 0-based position.
    public enum Column: Sendable, Hashable, CustomStringConvertible {
        case index(Int)
        case name(String)

        public var description: String {
            switch self {
            case .index(let i): return "column \(i)"
            case .name(let n): return "column \(Echo.quoted(n))"
            }
        }
    }

    /// How several rows of one UTC day become that day's value.
    public enum Aggregate: String, Sendable, Hashable, CaseIterable {
        /// The row with the latest time of the day (the day's close).
        case last
        /// The arithmetic mean of the day's rows.
        case mean
    }

    public var dateColumn: Column
    public var valueColumn: Column
    /// Every value is multiplied by this (0.01 reads percentages as decimals).
    public var scale: Double
    public var aggregate: Aggregate

    public init(dateColumn: Column = .index(0), valueColumn: Column = .index(1), scale: Double = 1, aggregate: Aggregate = .last) {
        self.dateColumn = dateColumn
        self.valueColumn = valueColumn
        self.scale = scale
        self.aggregate = aggregate
    }

    /// The format a `series` object asks for with `date_column`,
    /// `value_column` (a header name or a 0-based index), `scale` and
    /// `aggregate`; absent keys keep their defaults. Types and ranges are the
    /// schema's to check: a key of the wrong type is ignored here.
    public init(seriesNode node: JSONNode) {
        self.init()
        func column(_ key: String) -> Column? {
            guard let n = node[key] else { return nil }
            if let s = n.string { return .name(s) }
            if let i = n.int, i >= 0 { return .index(i) }
            return nil
        }
        if let c = column("date_column") { dateColumn = c }
        if let c = column("value_column") { valueColumn = c }
        if let s = node["scale"]?.double { scale = s }
        if let a = node["aggregate"]?.string.flatMap(Aggregate.init(rawValue:)) { aggregate = a }
    }
}

/// A daily series read from a CSV file: SPEC §2.1's `date,value` rows or a
/// download in another layout (see `SeriesFormat`). The file is read here
/// directly, not through a general CSV library, so that every bad cell keeps
/// its line and column for the error message, and no message quotes more
/// than a short escaped excerpt of the file (`excerptLimit`): a `file` that
/// points at a secret must not print it.
///
/// Accepted: a UTF-8 byte-order mark; LF, CRLF and lone-CR line endings;
/// `#` comment lines and blank lines; RFC 4180 quoted fields (`"1,234.5"`,
/// `""` for a quote, line breaks inside quotes); an optional header row,
/// recognised as a first row whose date cell is not a date and whose value
/// cell is not a number. Dates are read as UTC days from `YYYY-MM-DD`, ISO
/// 8601 date-times (`2024-01-01T00:00:00Z`, `2024-01-01 00:00:00 UTC`,
/// `2024-01-01T05:30:00+02:00`; no zone means UTC) and Unix timestamps: an
/// integer of absolute value 100,000,000,000 (1e11) or more is milliseconds,
/// a smaller one seconds. (1e11 seconds is the year 5138; 1e11 milliseconds
/// is March 1973, so no real-world series is ambiguous.)
public struct SeriesFile: Sendable {
    public struct Row: Sendable, Equatable {
        public var date: CivilDate
        public var value: Double
        /// The line of the row that gave the value: the day's last row for
        /// `last`, its first row for `mean`.
        public var line: Int
        /// The column (1-based) where that row's value cell starts, for
        /// messages about the value.
        public var valueColumn: Int
        /// How many rows of the file made this day's value.
        public var count: Int
    }

    public var rows: [Row]

    /// Problems found while parsing, positioned in the CSV file.
    public struct Problem: Error, Sendable, Equatable {
        public var location: TextLocation
        public var message: String
    }

    /// The most characters of the file's own content any message quotes.
    public static let excerptLimit = 24
    /// Problems listed per file; the rest are counted in one last problem.
    public static let problemLimit = 20
    /// The largest data file read, in bytes.
    public static let maxFileSize = 128 * 1024 * 1024

    /// Reads the data file at `resolved` and parses it with `format`.
    /// Problems with the file itself are reported at `keyPath` of the
    /// scenario (`cannot read prices.csv: no such file`, `prices.csv is not
    /// UTF-8 text`); problems in its content at their line and column in
    /// `display`. Returns `.unreadable` (exit 74) when the file could not be
    /// read and `.invalid` (exit 65) when its content is wrong; the details
    /// are in `sink` either way.
    public static func load(resolved: String, display: String, format: SeriesFormat = SeriesFormat(),
                            keyPath: ScenarioPath, sink: inout DiagnosticSink) -> Result<SeriesFile, ScenarioError> {
        let bytes: [UInt8]
        switch InputFile.read(resolved, limit: maxFileSize) {
        case .success(let b):
            bytes = b
        case .failure(let e):
            if case .tooLarge(let size, let limit) = e.kind {
                sink.report(keyPath, "\(display) is \(size.map { "\($0) bytes" } ?? "larger than that"); a data file may be at most 128 MiB (\(limit) bytes)")
                return .failure(.invalid([]))
            }
            sink.report(keyPath, "cannot read \(display): \(e.reason)")
            return .failure(.unreadable(path: display, reason: e.reason))
        }
        let text: String
        switch InputFile.utf8Text(bytes) {
        case .success(let t):
            text = t
        case .failure(let notText):
            sink.report(keyPath, "\(display) is not UTF-8 text (\(notText.reason))")
            return .failure(.invalid([]))
        }
        let (series, problems) = parse(text, format: format)
        for p in problems {
            sink.append(Diagnostic(file: display, location: p.location, path: keyPath, message: p.message))
        }
        if !problems.isEmpty { return .failure(.invalid([])) }
        return .success(series)
    }

    /// Parses CSV text with `format` (default: `date,value`). Every problem
    /// is listed, up to `problemLimit`; the series is only meaningful when
    /// there are none.
    public static func parse(_ text: String, format: SeriesFormat = SeriesFormat()) -> (SeriesFile, [Problem]) {
        var reader = CSVReader(text)
        var problems = ProblemList()

        // The first record decides the columns (and may be a header).
        var first: CSVReader.Record?
        while first == nil, let item = reader.next() {
            switch item {
            case .record(let r): first = r
            case .problem(let p): problems.add(p)
            }
        }
        guard let first else { return (SeriesFile(rows: []), problems.list) }

        let resolved = resolveColumns(format, first: first)
        let dateIndex: Int, valueIndex: Int, header: Bool
        switch resolved {
        case .failure(let p):
            problems.add(p)
            return (SeriesFile(rows: []), problems.list)
        case .success(let r):
            (dateIndex, valueIndex, header) = r
        }

        var samples: [Sample] = []
        var seen: [Int: (line: Int, hasTime: Bool)] = [:]
        func take(_ record: CSVReader.Record) {
            let needed = max(dateIndex, valueIndex) + 1
            guard record.fields.count >= needed else {
                problems.add(Problem(location: TextLocation(line: record.line, column: 1),
                                     message: "expected at least \(needed) fields (date in column \(dateIndex), value in column \(valueIndex)), got \(record.fields.count)"))
                return
            }
            let dateField = record.fields[dateIndex], valueField = record.fields[valueIndex]
            guard let when = SeriesDate.parse(dateField.text) else {
                problems.add(Problem(location: TextLocation(line: record.line, column: dateField.column),
                                     message: "\(Echo.quoted(dateField.text, limit: excerptLimit)) is not a date; expected YYYY-MM-DD, an ISO 8601 date-time such as 2024-01-01T00:00:00Z, or Unix seconds or milliseconds"))
                return
            }
            guard let raw = number(valueField.text), raw.isFinite else {
                problems.add(Problem(location: TextLocation(line: record.line, column: valueField.column),
                                     message: valueField.text.isEmpty ? "the value is empty; expected a number"
                                        : "\(Echo.quoted(valueField.text, limit: excerptLimit)) is not a finite number"))
                return
            }
            let value = raw * format.scale
            guard value.isFinite else {
                problems.add(Problem(location: TextLocation(line: record.line, column: valueField.column),
                                     message: "the value times the scale (\(Format.plain(format.scale))) is not a finite number"))
                return
            }
            if let earlier = seen[when.milliseconds] {
                let what = when.hasTime || earlier.hasTime ? "time \(SeriesDate.text(when.milliseconds))" : "date \(when.day)"
                problems.add(Problem(location: TextLocation(line: record.line, column: dateField.column),
                                     message: "\(what) appears twice (first on line \(earlier.line))"))
                return
            }
            seen[when.milliseconds] = (record.line, when.hasTime)
            samples.append(Sample(milliseconds: when.milliseconds, value: value, line: record.line, valueColumn: valueField.column))
        }
        if !header { take(first) }
        while let item = reader.next() {
            switch item {
            case .record(let r): take(r)
            case .problem(let p): problems.add(p)
            }
        }
        return (SeriesFile(rows: aggregate(samples, format.aggregate)), problems.list)
    }

    /// One parsed data row before days are formed.
    private struct Sample {
        var milliseconds: Int
        var value: Double
        var line: Int
        var valueColumn: Int
    }

    /// One row per UTC day, in date order.
    private static func aggregate(_ samples: [Sample], _ mode: SeriesFormat.Aggregate) -> [Row] {
        var byDay: [Int: [Sample]] = [:]
        var days: [Int] = []
        for s in samples {
            let day = floorDivide(s.milliseconds, SeriesDate.millisecondsPerDay)
            if byDay[day] == nil { days.append(day) }
            byDay[day, default: []].append(s)
        }
        return days.sorted().compactMap { day -> Row? in
            guard let group = byDay[day], let firstRow = group.first else { return nil }
            switch mode {
            case .last:
                // Latest time wins; rows of one instant cannot both be here (duplicates are refused).
                let latest = group.max { $0.milliseconds < $1.milliseconds } ?? firstRow
                return Row(date: CivilDate(dayNumber: day), value: latest.value, line: latest.line, valueColumn: latest.valueColumn, count: group.count)
            case .mean:
                let mean = group.reduce(0) { $0 + $1.value } / Double(group.count)
                return Row(date: CivilDate(dayNumber: day), value: mean, line: firstRow.line, valueColumn: firstRow.valueColumn, count: group.count)
            }
        }
    }

    /// The indices of the date and value columns and whether `first` is a
    /// header row; or the problem that makes the file unreadable as asked.
    private static func resolveColumns(_ format: SeriesFormat, first: CSVReader.Record) -> Result<(Int, Int, Bool), Problem> {
        func cell(_ i: Int) -> String? { first.fields.indices.contains(i) ? first.fields[i].text : nil }
        let at = TextLocation(line: first.line, column: 1)
        for case .index(let i) in [format.dateColumn, format.valueColumn] where i < 0 {
            return .failure(Problem(location: at, message: "a column index must be 0 or more, got \(i)"))
        }
        // A header names the columns: its date cell is no date and its value cell no number.
        func looksLikeHeader(dateIndex: Int, valueIndex: Int) -> Bool {
            guard let d = cell(dateIndex), SeriesDate.parse(d) == nil else { return false }
            guard let v = cell(valueIndex) else { return true }
            return number(v) == nil
        }
        var names: [String] { first.fields.map(\.text) }
        func index(of column: SeriesFormat.Column, role: String) -> Result<Int, Problem> {
            switch column {
            case .index(let i):
                return .success(i)
            case .name(let name):
                if let i = names.firstIndex(of: name) ?? uniqueCaseInsensitive(name, names) { return .success(i) }
                return .failure(Problem(location: at, message: "no column named \(Echo.quoted(name)) for the \(role); the header has \(headerList(names))"))
            }
        }
        let wantsHeader: Bool = {
            if case .name = format.dateColumn { return true }
            if case .name = format.valueColumn { return true }
            return false
        }()
        if wantsHeader {
            // Named columns need a header row: a first row whose date cell
            // (column 0 if the date column is named) is a date is data.
            let dateCell: Int
            if case .index(let i) = format.dateColumn { dateCell = i } else { dateCell = 0 }
            if let d = cell(dateCell), SeriesDate.parse(d) != nil {
                return .failure(Problem(location: at, message: "columns are named (date \(format.dateColumn), value \(format.valueColumn)), but the file has no header row: line \(first.line) starts with a date"))
            }
            let dateIndex: Int, valueIndex: Int
            switch index(of: format.dateColumn, role: "date") {
            case .success(let i): dateIndex = i
            case .failure(let p): return .failure(p)
            }
            switch index(of: format.valueColumn, role: "value") {
            case .success(let i): valueIndex = i
            case .failure(let p): return .failure(p)
            }
            return .success((dateIndex, valueIndex, true))
        }
        guard case .index(let d) = format.dateColumn, case .index(let v) = format.valueColumn else {
            return .failure(Problem(location: at, message: "unreachable column layout"))
        }
        return .success((d, v, looksLikeHeader(dateIndex: d, valueIndex: v)))
    }

    private static func uniqueCaseInsensitive(_ name: String, _ names: [String]) -> Int? {
        let matches = names.indices.filter { names[$0].lowercased() == name.lowercased() }
        return matches.count == 1 ? matches[0] : nil
    }

    /// The header's cells for a message: each cut to `excerptLimit`
    /// characters and escaped, at most eight of them.
    static func headerList(_ names: [String]) -> String {
        let shown = names.prefix(8).map { Echo.excerpt($0, limit: excerptLimit) }
        return shown.joined(separator: ", ") + (names.count > 8 ? ", … (\(names.count) columns)" : "")
    }

    /// A decimal number: optional sign, digits with an optional fraction and
    /// exponent, or digits grouped in thousands with commas (`1,234.5`, as a
    /// quoted cell). Stricter than `Double(_:)`, which also reads `nan`,
    /// `inf` and hexadecimal.
    static func number(_ text: String) -> Double? {
        var s = Array(text.utf8)
        guard !s.isEmpty else { return nil }
        var i = 0
        if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
        func isDigit(_ k: Int) -> Bool { k < s.count && s[k] >= UInt8(ascii: "0") && s[k] <= UInt8(ascii: "9") }
        let intStart = i
        while isDigit(i) || (i < s.count && s[i] == UInt8(ascii: ",")) { i += 1 }
        let integerPart = s[intStart..<i]
        if integerPart.contains(UInt8(ascii: ",")) {
            // Groups of three after the first group of one to three digits.
            let groups = integerPart.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
            guard let head = groups.first, (1...3).contains(head.count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
            s.removeSubrange(intStart..<i)
            let digits = groups.flatMap { $0 }
            s.insert(contentsOf: digits, at: intStart)
            i = intStart + digits.count
        }
        var digitCount = i - intStart
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            let f = i
            while isDigit(i) { i += 1 }
            digitCount += i - f
        }
        guard digitCount > 0 else { return nil }
        if i < s.count, s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") {
            i += 1
            if i < s.count, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") { i += 1 }
            let e = i
            while isDigit(i) { i += 1 }
            guard i > e else { return nil }
        }
        guard i == s.count else { return nil }
        return Double(String(decoding: s, as: UTF8.self))
    }

    /// Values for `days` days from `start`. With `fillPrevious`, a missing
    /// date takes the last earlier value and is listed in `filled`; without,
    /// the first missing date is returned as the error.
    public func aligned(start: CivilDate, days: Int, fillPrevious: Bool) -> Result<(values: [Double], filled: [CivilDate]), MissingDate> {
        let sorted = rows.sorted { $0.date < $1.date }
        var byDate: [CivilDate: Double] = [:]
        for r in sorted { byDate[r.date] = r.value }
        var values = [Double](repeating: 0, count: days)
        var filled: [CivilDate] = []
        var last: Double? = sorted.last(where: { $0.date < start })?.value
        for d in 0..<days {
            let date = start.adding(days: d)
            if let v = byDate[date] {
                values[d] = v
                last = v
            } else if fillPrevious, let l = last {
                values[d] = l
                filled.append(date)
            } else {
                return .failure(MissingDate(date: date, first: sorted.first?.date, last: sorted.last?.date))
            }
        }
        return .success((values, filled))
    }

    public struct MissingDate: Error, Sendable {
        public var date: CivilDate
        public var first: CivilDate?
        public var last: CivilDate?
    }
}

/// Problems in file order, at most `SeriesFile.problemLimit` of them and a
/// count of the rest: a garbage file of a million lines gives a screenful,
/// not a million diagnostics.
private struct ProblemList {
    var list: [SeriesFile.Problem] = []
    var hidden = 0

    mutating func add(_ p: SeriesFile.Problem) {
        if list.count < SeriesFile.problemLimit {
            list.append(p)
            return
        }
        hidden += 1
        let summary = SeriesFile.Problem(location: p.location, message: "and \(hidden) more problem\(hidden == 1 ? "" : "s") in this file (not shown)")
        if list.count == SeriesFile.problemLimit { list.append(summary) } else { list[list.count - 1].message = summary.message }
    }
}

func floorDivide(_ a: Int, _ b: Int) -> Int {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
}

/// The date cell of a series row, read as an instant in UTC.
enum SeriesDate {
    static let millisecondsPerDay = 86_400_000
    /// Integers of this absolute value or more are Unix milliseconds; smaller ones seconds.
    static let millisecondsThreshold = 100_000_000_000

    struct Instant {
        var milliseconds: Int
        /// False for a plain `YYYY-MM-DD` (the instant is its midnight).
        var hasTime: Bool
        var day: CivilDate { CivilDate(dayNumber: floorDivide(milliseconds, millisecondsPerDay)) }
    }

    static func parse(_ text: String) -> Instant? {
        let b = Array(text.utf8)
        guard !b.isEmpty else { return nil }
        func isDigit(_ i: Int) -> Bool { i < b.count && b[i] >= UInt8(ascii: "0") && b[i] <= UInt8(ascii: "9") }
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count else { return nil }
            var v = 0
            for i in range {
                guard isDigit(i) else { return nil }
                v = v * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return v
        }

        // A Unix timestamp: an optional minus and digits only.
        let unsigned = b.first == UInt8(ascii: "-") ? b.dropFirst() : b[...]
        if !unsigned.isEmpty, unsigned.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard unsigned.count <= 16, let n = Int(text) else { return nil }
            return Instant(milliseconds: abs(n) >= millisecondsThreshold ? n : n * 1000, hasTime: true)
        }

        guard b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
              let y = number(0..<4), let m = number(5..<7), let d = number(8..<10),
              let date = CivilDate(year: y, month: m, day: d) else { return nil }
        let midnight = date.dayNumber * millisecondsPerDay
        if b.count == 10 { return Instant(milliseconds: midnight, hasTime: false) }

        // A date-time: `T` or a space, HH:MM, optional :SS and fraction, optional zone.
        guard b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t") || b[10] == UInt8(ascii: " "),
              let hour = number(11..<13), b.count > 13, b[13] == UInt8(ascii: ":"), let minute = number(14..<16),
              hour < 24, minute < 60 else { return nil }
        var i = 16
        var second = 0, fraction = 0
        if i < b.count, b[i] == UInt8(ascii: ":") {
            guard let s = number(i + 1..<i + 3), s <= 60 else { return nil }
            second = min(s, 59) // a leap second belongs to its day's last second
            i += 3
            if i < b.count, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") {
                i += 1
                var digits = 0
                while isDigit(i) {
                    if digits < 3 { fraction = fraction * 10 + Int(b[i] - UInt8(ascii: "0")) }
                    digits += 1
                    i += 1
                }
                guard digits > 0 else { return nil }
                for _ in digits..<max(digits, 3) { fraction *= 10 }
            }
        }
        while i < b.count, b[i] == UInt8(ascii: " ") { i += 1 }
        var offsetMinutes = 0
        let zone = String(decoding: b[i...], as: UTF8.self)
        switch zone.uppercased() {
        case "", "Z", "UTC", "GMT":
            break
        default:
            guard b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-"), let oh = number(i + 1..<i + 3), oh < 24 else { return nil }
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            var om = 0
            let rest = b.count - (i + 3)
            if rest == 3, b[i + 3] == UInt8(ascii: ":"), let mm = number(i + 4..<i + 6) { om = mm }
            else if rest == 2, let mm = number(i + 3..<i + 5) { om = mm }
            else if rest != 0 { return nil }
            guard om < 60 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        }
        let local = midnight + ((hour * 60 + minute) * 60 + second) * 1000 + fraction
        return Instant(milliseconds: local - offsetMinutes * 60_000, hasTime: true)
    }

    /// `2024-01-01T05:00:00Z`, for messages.
    static func text(_ milliseconds: Int) -> String {
        let day = floorDivide(milliseconds, millisecondsPerDay)
        let ms = milliseconds - day * millisecondsPerDay
        let s = ms / 1000
        func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let fraction = ms % 1000 == 0 ? "" : "." + String(String(1000 + ms % 1000).dropFirst())
        return "\(CivilDate(dayNumber: day))T\(pad(s / 3600)):\(pad(s / 60 % 60)):\(pad(s % 60))\(fraction)Z"
    }
}

/// A minimal RFC 4180 reader that keeps positions: records of fields, each
/// with the line and column (1-based, in Unicode scalars) where it starts.
/// Line endings may be LF, CRLF or a lone CR; a leading U+FEFF is skipped;
/// blank lines and lines whose first non-blank character is `#` are not
/// records. Unquoted fields are trimmed of spaces and tabs.
struct CSVReader {
    struct Field {
        var text: String
        var column: Int
    }

    struct Record {
        var line: Int
        var fields: [Field]
    }

    enum Item {
        case record(Record)
        case problem(SeriesFile.Problem)
    }

    private var scalars: String.UnicodeScalarView.Iterator
    private var peeked: Unicode.Scalar?
    private var atEnd = false
    private var line = 1
    /// The column of the next scalar to be read.
    private var column = 1

    init(_ text: String) {
        scalars = text.unicodeScalars.makeIterator()
        if peek() == "\u{FEFF}" { _ = take(); column = 1 }
    }

    private mutating func peek() -> Unicode.Scalar? {
        if peeked == nil, !atEnd {
            peeked = scalars.next()
            if peeked == nil { atEnd = true }
        }
        return peeked
    }

    private mutating func take() -> Unicode.Scalar? {
        let c = peek()
        peeked = nil
        if c != nil { column += 1 }
        return c
    }

    /// Consumes the rest of a line break whose first scalar (`\r` or `\n`) was just taken.
    private mutating func finishLineBreak(_ c: Unicode.Scalar) {
        if c == "\r", peek() == "\n" { _ = take() }
        line += 1
        column = 1
    }

    private static func isBlank(_ c: Unicode.Scalar) -> Bool { c == " " || c == "\t" }

    /// The next record or problem, or nil at the end of the text.
    mutating func next() -> Item? {
        while peek() != nil {
            if let item = readRecord() { return item }
        }
        return nil
    }

    /// Reads one line's record; nil for a blank or comment line.
    private mutating func readRecord() -> Item? {
        let recordLine = line
        var fields: [Field] = []
        var text = String.UnicodeScalarView()
        var fieldColumn = column
        var quoted = false
        var nonBlank = false
        var inQuotes = false
        var afterQuote = false
        var quoteStart = TextLocation(line: line, column: column)
        var problem: SeriesFile.Problem?

        func finish() {
            var s = text[...]
            if !quoted {
                while let c = s.first, Self.isBlank(c) { s.removeFirst() }
                while let c = s.last, Self.isBlank(c) { s.removeLast() }
            }
            fields.append(Field(text: String(s), column: fieldColumn))
            text = String.UnicodeScalarView()
            quoted = false
            nonBlank = false
            afterQuote = false
        }

        while let c = take() {
            let cColumn = column - 1
            if inQuotes {
                if c == "\"" {
                    if peek() == "\"" { _ = take(); text.append("\"") } else { inQuotes = false; afterQuote = true }
                } else if c == "\r" || c == "\n" {
                    text.append("\n")
                    finishLineBreak(c)
                } else {
                    text.append(c)
                }
                continue
            }
            if c == "\r" || c == "\n" {
                finishLineBreak(c)
                break
            }
            if c == "," {
                finish()
                fieldColumn = column
                continue
            }
            if afterQuote {
                if !Self.isBlank(c), problem == nil {
                    problem = SeriesFile.Problem(location: TextLocation(line: line, column: cColumn),
                                                 message: "unexpected text after a closing quote; expected ',' or the end of the line")
                }
                continue
            }
            if c == "#", fields.isEmpty, !nonBlank {
                // A comment line: skip to its end.
                while let d = take() {
                    if d == "\r" || d == "\n" { finishLineBreak(d); break }
                }
                return nil
            }
            if c == "\"", !nonBlank {
                quoted = true
                inQuotes = true
                quoteStart = TextLocation(line: line, column: cColumn)
                text = String.UnicodeScalarView()
                continue
            }
            if !Self.isBlank(c) { nonBlank = true }
            text.append(c)
        }
        if inQuotes {
            return .problem(SeriesFile.Problem(location: quoteStart, message: "a quoted field opened here is never closed"))
        }
        finish()
        if let problem { return .problem(problem) }
        if fields.count == 1, fields[0].text.isEmpty { return nil }
        return .record(Record(line: recordLine, fields: fields))
    }
}
