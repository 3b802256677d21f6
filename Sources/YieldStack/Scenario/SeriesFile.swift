import Foundation

/// A `date,value` CSV file as SPEC §2.1 defines it: an optional `date,value`
/// header, one ISO date and one number a row, `#` comments and blank lines
/// ignored. The format is two columns, so it is read here directly: that keeps
/// the line and column of every bad cell for the error message.
public struct SeriesFile: Sendable {
    public struct Row: Sendable, Equatable {
        public var date: CivilDate
        public var value: Double
        public var line: Int
    }

    public var rows: [Row]

    /// Problems found while parsing, positioned in the CSV file.
    public struct Problem: Error, Sendable, Equatable {
        public var location: TextLocation
        public var message: String
    }

    public static func parse(_ text: String) -> (SeriesFile, [Problem]) {
        var rows: [Row] = []
        var problems: [Problem] = []
        var seen: [CivilDate: Int] = [:]
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            if rows.isEmpty, problems.isEmpty, trimmed.lowercased().replacingOccurrences(of: " ", with: "") == "date,value" { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else {
                problems.append(Problem(location: TextLocation(line: lineNumber, column: 1), message: "expected two fields 'date,value', got \(fields.count)"))
                continue
            }
            let dateText = fields[0].trimmingCharacters(in: .whitespaces)
            let valueText = fields[1].trimmingCharacters(in: .whitespaces)
            let valueColumn = fields[0].unicodeScalars.count + 2
            guard let date = CivilDate(iso: dateText) else {
                problems.append(Problem(location: TextLocation(line: lineNumber, column: 1), message: "'\(dateText)' is not a date written YYYY-MM-DD"))
                continue
            }
            guard let value = Double(valueText), value.isFinite else {
                problems.append(Problem(location: TextLocation(line: lineNumber, column: valueColumn), message: "'\(valueText)' is not a finite number"))
                continue
            }
            if let earlier = seen[date] {
                problems.append(Problem(location: TextLocation(line: lineNumber, column: 1), message: "date \(date) appears twice (first on line \(earlier))"))
                continue
            }
            seen[date] = lineNumber
            rows.append(Row(date: date, value: value, line: lineNumber))
        }
        return (SeriesFile(rows: rows), problems)
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
