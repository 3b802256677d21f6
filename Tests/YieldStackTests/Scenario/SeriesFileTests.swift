import Foundation
import Testing
@testable import YieldStack
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func date(_ s: String) -> CivilDate { CivilDate(iso: s)! }

private func parse(_ text: String, _ format: SeriesFormat = SeriesFormat()) -> (rows: [SeriesFile.Row], problems: [SeriesFile.Problem]) {
    let (series, problems) = SeriesFile.parse(text, format: format)
    return (series.rows, problems)
}

@Suite("Series CSV files: line endings, quoting, headers, problems")
struct SeriesFileTests {
    @Test("CRLF, lone-CR and mixed line endings each end a row; lines are counted as an editor does")
    func lineEndings() {
        for text in ["date,value\r\n2024-01-01,1\r\n2024-01-02,2\r\n",
                     "date,value\r2024-01-01,1\r2024-01-02,2\r",
                     "date,value\n2024-01-01,1\r\n2024-01-02,2"] {
            let (rows, problems) = parse(text)
            #expect(problems.isEmpty, "\(problems)")
            #expect(rows.map(\.value) == [1, 2])
            #expect(rows.map(\.line) == [2, 3])
        }
        let (_, problems) = parse("date,value\r2024-01-01,1\r\r# note\r2024-01-02,x\r")
        #expect(problems == [SeriesFile.Problem(location: TextLocation(line: 5, column: 12), message: "'x' is not a finite number")])
    }

    @Test("a UTF-8 byte-order mark is skipped and does not shift columns")
    func bom() {
        let (rows, problems) = parse("\u{FEFF}date,value\n2024-01-01,5\n")
        #expect(problems.isEmpty)
        #expect(rows.map(\.value) == [5])
        let (_, bad) = parse("\u{FEFF}2024-01-01,x\n")
        #expect(bad.first?.location == TextLocation(line: 1, column: 12))
    }

    @Test("quoted fields: commas, thousands separators, doubled quotes, and their errors")
    func quoting() {
        let (rows, problems) = parse("\"da\"\"te\",\"value\"\n\"2024-01-01\",\"1,234.5\"\n2024-01-02, \"2\" \n2024-01-03,\"12,345,678\"\n")
        #expect(problems.isEmpty, "\(problems)")
        #expect(rows.map(\.value) == [1234.5, 2, 12_345_678])
        #expect(rows.map(\.valueColumn) == [14, 12, 12])

        let (_, bad) = parse("date,value\n2024-01-01,\"1,23\"\n2024-01-02,\"3\"x\n2024-01-03,\"open\n")
        #expect(bad == [
            SeriesFile.Problem(location: TextLocation(line: 2, column: 12), message: "'1,23' is not a finite number"),
            SeriesFile.Problem(location: TextLocation(line: 3, column: 15), message: "unexpected text after a closing quote; expected ',' or the end of the line"),
            SeriesFile.Problem(location: TextLocation(line: 4, column: 12), message: "a quoted field opened here is never closed"),
        ])
    }

    @Test("a quoted field may hold a line break; later rows keep their true line numbers")
    func quotedLineBreak() {
        let (rows, problems) = parse("date,value,note\n2024-01-01,1,\"two\r\nlines\"\n2024-01-02,y,\n")
        #expect(rows.map(\.value) == [1])
        #expect(problems == [SeriesFile.Problem(location: TextLocation(line: 4, column: 12), message: "'y' is not a finite number")])
    }

    @Test("numbers are decimal only: no nan, inf or hexadecimal")
    func strictNumbers() {
        #expect(SeriesFile.number("-1.5e3") == -1500)
        #expect(SeriesFile.number(".5") == 0.5)
        #expect(SeriesFile.number("+3.") == 3)
        for bad in ["nan", "inf", "0x10", "1e", "", "-", "1,2345", "12,34,567", "1 2", "٣"] {
            #expect(SeriesFile.number(bad) == nil, "\(bad)")
        }
    }

    @Test("a header is a first row whose date cell is no date and whose value cell is no number")
    func headerDetection() {
        #expect(parse("snapped_at,price\n2024-01-01,1\n").rows.map(\.value) == [1])
        #expect(parse(",price\n2024-01-01,1\n").rows.map(\.value) == [1])
        // A first row with a bad date but a number is data, reported as such.
        let (_, problems) = parse("2024/01/01,99\n2024-01-02,1\n")
        #expect(problems.count == 1)
        #expect(problems.first?.location == TextLocation(line: 1, column: 1))
        #expect(problems.first?.message == "'2024/01/01' is not a date; expected YYYY-MM-DD, an ISO 8601 date-time such as 2024-01-01T00:00:00Z, or Unix seconds or milliseconds")
    }

    @Test("a named column that the header lacks is reported at the header with its columns")
    func missingColumn() {
        let csv = "snapped_at,price,market_cap,total_volume\n2024-01-01 00:00:00 UTC,1,,\n"
        let (_, problems) = parse(csv, SeriesFormat(dateColumn: .name("snapped_at"), valueColumn: .name("close")))
        #expect(problems == [SeriesFile.Problem(location: TextLocation(line: 1, column: 1),
                                                message: "no column named 'close' for the value; the header has snapped_at, price, market_cap, total_volume")])
        let (_, none) = parse("2024-01-01,1\n", SeriesFormat(valueColumn: .name("price")))
        #expect(none.map(\.message) == ["columns are named (date column 0, value column 'price'), but the file has no header row: line 1 starts with a date"])
        // Names match exactly, or case-insensitively if that is unambiguous.
        #expect(parse("Date,Close\n2024-01-01,7\n", SeriesFormat(dateColumn: .name("date"), valueColumn: .name("close"))).rows.map(\.value) == [7])
    }

    @Test("rows too short for the columns, empty values and repeated instants are reported")
    func rowProblems() {
        let (_, problems) = parse("date,value\n2024-01-01\n2024-01-02,\n2024-01-03T12:00:00Z,1\n2024-01-03 12:00:00 UTC,2\n")
        #expect(problems == [
            SeriesFile.Problem(location: TextLocation(line: 2, column: 1), message: "expected at least 2 fields (date in column 0, value in column 1), got 1"),
            SeriesFile.Problem(location: TextLocation(line: 3, column: 12), message: "the value is empty; expected a number"),
            SeriesFile.Problem(location: TextLocation(line: 5, column: 1), message: "time 2024-01-03T12:00:00Z appears twice (first on line 4)"),
        ])
    }

    @Test("a negative column index is a problem, not a crash; an index past a short row is reported per row")
    func columnIndexBounds() {
        #expect(parse("2024-01-01,1\n", SeriesFormat(valueColumn: .index(-1))).problems.map(\.message) == ["a column index must be 0 or more, got -1"])
        let (rows, problems) = parse("date,a,b\n2024-01-01,1,2\n2024-01-02,3\n", SeriesFormat(valueColumn: .index(2)))
        #expect(rows.map(\.value) == [2])
        #expect(problems.map(\.message) == ["expected at least 3 fields (date in column 0, value in column 2), got 2"])
    }

    @Test("at most 20 problems are listed per file, then a count of the rest")
    func problemLimit() {
        let text = "date,value\n" + (1...30).map { "2024-01-\($0 < 10 ? "0" : "")\($0),x" }.joined(separator: "\n")
        let (_, problems) = parse(text)
        #expect(problems.count == 21)
        #expect(problems.last?.message == "and 10 more problems in this file (not shown)")
        #expect(problems.last?.location.line == 22)
    }

    @Test("SeriesFormat reads date_column, value_column, scale and aggregate from a series object")
    func formatFromNode() throws {
        let node = try JSONParser.parse(#"{"model": "series", "file": "f.csv", "date_column": "timestamp", "value_column": 2, "scale": 0.01, "aggregate": "mean"}"#)
        #expect(SeriesFormat(seriesNode: node) == SeriesFormat(dateColumn: .name("timestamp"), valueColumn: .index(2), scale: 0.01, aggregate: .mean))
        #expect(SeriesFormat(seriesNode: try JSONParser.parse(#"{"file": "f.csv"}"#)) == SeriesFormat())
    }
}

@Suite("Series CSV dates: ISO dates, date-times and Unix timestamps, as UTC days")
struct SeriesDateTests {
    @Test("each accepted form gives its UTC day", arguments: [
        ("2024-01-01", "2024-01-01"),
        ("2024-01-01 00:00:00 UTC", "2024-01-01"),
        ("2024-01-01 00:00:00.000 UTC", "2024-01-01"),
        ("2024-01-01T00:00:00Z", "2024-01-01"),
        ("2024-01-01T23:59:59.999Z", "2024-01-01"),
        ("2024-01-01T12:00", "2024-01-01"),
        ("2024-01-01T05:30:00+02:00", "2024-01-01"),
        ("2024-01-02T01:00:00+02:00", "2024-01-01"),
        ("2024-01-02T01:00:00+0200", "2024-01-01"),
        ("2023-12-31T22:30:00-01:30", "2024-01-01"),
        ("2023-12-31T22:29:59-01:30", "2023-12-31"),
        ("1704067200", "2024-01-01"),
        ("1704153599", "2024-01-01"),
        ("1704153600", "2024-01-02"),
        ("1704153599999", "2024-01-01"),
        ("1704153600000", "2024-01-02"),
        ("-1", "1969-12-31"),
        ("99999999999", "5138-11-16"),
        ("100000000000", "1973-03-03"),
    ])
    func accepted(text: String, day: String) throws {
        let instant = try #require(SeriesDate.parse(text))
        #expect(instant.day == date(day))
    }

    @Test("malformed dates are refused", arguments: [
        "2024/01/01", "2024-13-01", "2024-02-30", "2024-01-01T24:00:00Z", "2024-01-01T12:60", "2024-01-01T12",
        "2024-01-01T00:00:00+2", "2024-01-01T00:00:00+24:00", "2024-01-01T00:00:00 CET", "2024-01-01X", "20240101x", "abc", "", "1.5e9",
    ])
    func refused(text: String) {
        #expect(SeriesDate.parse(text) == nil)
    }

    @Test("times in messages are written in UTC")
    func text() {
        #expect(SeriesDate.text(1_704_110_400_000) == "2024-01-01T12:00:00Z")
        #expect(SeriesDate.text(1_704_110_400_250) == "2024-01-01T12:00:00.250Z")
    }
}

@Suite("Series as users download them")
struct DownloadedSeriesTests {
    private let reference = "date,value\n2024-01-01,2281.47\n2024-01-02,2352.09\n2024-01-03,2209.47\n"

    @Test("a CoinGecko export gives the same daily series as the date,value file, by name or by default columns")
    func coingecko() {
        let csv = """
        snapped_at,price,market_cap,total_volume
        2024-01-01 00:00:00 UTC,2281.47,,
        2024-01-02 00:00:00 UTC,2352.09,,
        2024-01-03 00:00:00 UTC,2209.47,,

        """
        let expected = parse(reference).rows.map { [$0.date.description: $0.value] }
        let named = parse(csv, SeriesFormat(dateColumn: .name("snapped_at"), valueColumn: .name("price")))
        #expect(named.problems.isEmpty)
        #expect(named.rows.map { [$0.date.description: $0.value] } == expected)
        #expect(parse(csv).rows.map { [$0.date.description: $0.value] } == expected)
        #expect(parse(csv).rows.map(\.line) == [2, 3, 4])
    }

    /// Several rows a day, out of order, in Unix milliseconds and percent.
    private let defillama = """
    timestamp,apy
    1704153599000,3.4
    1704067200000,3.0
    1704110400000,3.2
    1704196800000,3.3
    1704153600000,2.9

    """

    @Test("a Unix-milliseconds export with several rows a day: 'last' takes the latest time of each day")
    func lastOfDay() {
        let format = SeriesFormat(dateColumn: .name("timestamp"), valueColumn: .name("apy"), scale: 0.01, aggregate: .last)
        let (rows, problems) = parse(defillama, format)
        #expect(problems.isEmpty)
        // 2024-01-01: 23:59:59 (3.4) is the day's last; 2024-01-02: 12:00 (3.3).
        let (expected, _) = parse("date,value\n2024-01-01,0.034\n2024-01-02,0.033\n")
        #expect(rows.map(\.date) == expected.map(\.date))
        for (a, b) in zip(rows, expected) { expectClose(a.value, b.value, 1e-15) }
        #expect(rows.map(\.line) == [2, 5])
        #expect(rows.map(\.count) == [3, 2])
    }

    @Test("'mean' averages each day's rows: (3.0+3.2+3.4)/3 % and (2.9+3.3)/2 %")
    func meanOfDay() {
        let format = SeriesFormat(dateColumn: .name("timestamp"), valueColumn: .name("apy"), scale: 0.01, aggregate: .mean)
        let (rows, problems) = parse(defillama, format)
        #expect(problems.isEmpty)
        let (expected, _) = parse("date,value\n2024-01-01,0.032\n2024-01-02,0.031\n")
        #expect(rows.map(\.date) == expected.map(\.date))
        for (a, b) in zip(rows, expected) { expectClose(a.value, b.value, 1e-15) }
        // The first row of each day in the file gives the line.
        #expect(rows.map(\.line) == [2, 5])
    }

    @Test("the shipped example exports equal the daily files they were built from")
    func shippedExamples() throws {
        let data = TestSupport.repositoryRoot + "/scenarios/data/"
        func read(_ name: String) throws -> String { try String(contentsOfFile: data + name, encoding: .utf8) }
        let eth = parse(try read("eth-usd-daily.csv"))
        let gecko = parse(try read("eth-usd-coingecko.csv"), SeriesFormat(dateColumn: .name("snapped_at"), valueColumn: .name("price")))
        #expect(eth.problems.isEmpty && gecko.problems.isEmpty)
        #expect(gecko.rows.count == 2151)
        #expect(gecko.rows.map(\.date) == eth.rows.map(\.date))
        #expect(gecko.rows.map(\.value) == eth.rows.map(\.value))

        let lido = parse(try read("lido-steth-apy-daily.csv"))
        #expect(lido.rows.count == 941)
        for aggregate in SeriesFormat.Aggregate.allCases {
            let llama = parse(try read("lido-steth-apy-defillama.csv"),
                              SeriesFormat(dateColumn: .name("timestamp"), valueColumn: .name("apy"), scale: 0.01, aggregate: aggregate))
            #expect(llama.problems.isEmpty)
            #expect(llama.rows.map(\.date) == lido.rows.map(\.date))
            #expect(llama.rows.map(\.count).allSatisfy { $0 == 2 })
            for (a, b) in zip(llama.rows, lido.rows) { expectClose(a.value, b.value, 1e-15) }
        }
    }
}

/// Data files named by a scenario: the file-system checks, the text checks
/// and the rule that no message quotes more than a short excerpt.
@Suite("Series data files read through a scenario")
struct SeriesDataFileTests {
    private func scenario(file: String) -> String {
        TestSupport.scenario(days: 2, price: #"{ "model": "series", "file": "\#(file)" }"#, strategies: """
            [ { "name": "a", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
    }

    private func load(_ file: String, in dir: String) -> ScenarioError? {
        do {
            _ = try ScenarioLoader.load(text: scenario(file: file), file: "s.json", baseDirectory: dir)
            return nil
        } catch {
            return error
        }
    }

    private func messages(_ error: ScenarioError?) -> [String] {
        switch error {
        case .invalid(let d)?, .unreadableData(let d)?: return d.map(\.message)
        default: return []
        }
    }

    @Test("a UTF-16 file is an invalid scenario saying the file is not UTF-8 text (exit 65)")
    func utf16() throws {
        let dir = TestSupport.tempDirectory()
        let utf16 = try #require("date,value\n2024-01-01,1\n".data(using: .utf16LittleEndian))
        try (Data([0xFF, 0xFE]) + utf16).write(to: URL(fileURLWithPath: dir + "/u16.csv"))
        let error = load("u16.csv", in: dir)
        guard case .invalid? = error else { Issue.record("wrong error \(String(describing: error))"); return }
        #expect(messages(error) == ["u16.csv is not UTF-8 text (it starts with a UTF-16 byte-order mark; save it as UTF-8)"])
        #expect(error.map { RunFailure.scenario($0).exitCode } == 65)
    }

    @Test("a binary file is not UTF-8 text; a CRLF file with a BOM loads")
    func binaryAndBOM() throws {
        let dir = TestSupport.tempDirectory()
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00]).write(to: URL(fileURLWithPath: dir + "/img.csv"))
        #expect(messages(load("img.csv", in: dir)) == ["img.csv is not UTF-8 text (it contains NUL bytes, so it is binary or UTF-16)"])
        try Data([0xEF, 0xBB, 0xBF] + Array("date,value\r\n2024-01-01,1\r\n2024-01-02,2\r\n".utf8)).write(to: URL(fileURLWithPath: dir + "/ok.csv"))
        #expect(load("ok.csv", in: dir) == nil)
    }

    @Test("a FIFO, a directory, a symlink loop and a missing data file are I/O errors (exit 74) with their reasons")
    func fileSystem() throws {
        let dir = TestSupport.tempDirectory()
        #expect(mkfifo(dir + "/pipe.csv", 0o600) == 0)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop.csv", withDestinationPath: dir + "/loop2.csv")
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop2.csv", withDestinationPath: dir + "/loop.csv")
        let cases = [
            ("pipe.csv", "cannot read pipe.csv: not a regular file (a device, FIFO or socket)"),
            ("sub", "cannot read sub: is a directory"),
            ("loop.csv", "cannot read loop.csv: too many levels of symbolic links"),
            ("gone.csv", "cannot read gone.csv: no such file"),
        ]
        for (file, message) in cases {
            let error = load(file, in: dir)
            guard case .unreadableData(let d)? = error else { Issue.record("\(file): wrong error \(String(describing: error))"); continue }
            #expect(d.map(\.message) == [message])
            #expect(d.first?.path.description == "market.assets.TOK.price.file")
            #expect(RunFailure.scenario(.unreadableData(d)).exitCode == 74)
        }
    }

    @Test("a secret file named as data is echoed at most 24 characters, escaped")
    func secretNotEchoed() throws {
        let dir = TestSupport.tempDirectory()
        let secret = "SECRET=s3cr3t-0123456789abcdefghijklmnop"
        try "\(secret),12\nTOKEN=\u{1B}]0;pwned\u{07}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx,1\n".write(toFile: dir + "/secret.txt", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: dir + "/scenarios", withIntermediateDirectories: false)
        let error = load("../secret.txt", in: dir + "/scenarios")
        let printed = error?.description ?? ""
        #expect(messages(error).prefix(2) == [
            "'SECRET=s3cr3t-0123456789…' is not a date; expected YYYY-MM-DD, an ISO 8601 date-time such as 2024-01-01T00:00:00Z, or Unix seconds or milliseconds",
            #"'TOKEN=\u001b]0;pwned\u0007xxxxxxxx…' is not a date; expected YYYY-MM-DD, an ISO 8601 date-time such as 2024-01-01T00:00:00Z, or Unix seconds or milliseconds"#,
        ])
        #expect(!printed.contains("9abcdefghij"))
        #expect(!printed.contains("\u{1B}"))

        // A header that lacks a named column lists its cells cut to 24 characters.
        try "\(secret),price\n2024-01-01,1\n".write(toFile: dir + "/h.csv", atomically: false, encoding: .utf8)
        var sink = DiagnosticSink(file: "s.json", root: JSONNode(.object([])))
        _ = SeriesFile.load(resolved: dir + "/h.csv", display: "h.csv", format: SeriesFormat(dateColumn: .name("date"), valueColumn: .name("close")),
                            keyPath: "file", sink: &sink)
        #expect(sink.diagnostics.map(\.message) == ["no column named 'date' for the date; the header has SECRET=s3cr3t-0123456789…, price"])
    }

    @Test("/proc/self/environ is refused as binary without printing the environment")
    func procEnviron() throws {
        try #require(FileManager.default.fileExists(atPath: "/proc/self/environ"))
        try #require(!ProcessInfo.processInfo.environment.isEmpty)
        let error = load("/proc/self/environ", in: "/")
        #expect(messages(error) == ["/proc/self/environ is not UTF-8 text (it contains NUL bytes, so it is binary or UTF-16)"])
    }
}
