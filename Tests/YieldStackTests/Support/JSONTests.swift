import Testing
@testable import YieldStack

@Suite("JSON parser")
struct JSONTests {
    @Test("values carry the line and column where they start; keys carry theirs")
    func locations() throws {
        let text = "{\n  \"a\": 1,\n  \"b\": [true, {\"c\": \"x\"}]\n}"
        let root = try JSONParser.parse(text)
        #expect(root.location == TextLocation(line: 1, column: 1))
        let a = try #require(root.member("a"))
        #expect(a.keyLocation == TextLocation(line: 2, column: 3))
        #expect(a.node.location == TextLocation(line: 2, column: 8))
        let b = try #require(root["b"]?.elements)
        #expect(b[1].location == TextLocation(line: 3, column: 15))
        #expect(b[1].member("c")?.keyLocation == TextLocation(line: 3, column: 16))
    }

    @Test("columns count Unicode scalars, not bytes")
    func unicodeColumns() throws {
        let root = try JSONParser.parse("{\"é\": \"ü\", \"k\": 2}")
        #expect(root.member("k")?.keyLocation == TextLocation(line: 1, column: 12))
    }

    @Test("key order is preserved")
    func order() throws {
        let root = try JSONParser.parse(#"{"z": 1, "a": 2, "m": 3}"#)
        #expect(root.members?.map(\.key) == ["z", "a", "m"])
    }

    @Test("escapes, including surrogate pairs, decode")
    func escapes() throws {
        let root = try JSONParser.parse(#"{"s": "a\"b\\c\/\n\t\u00e9\ud83d\ude00"}"#)
        #expect(root["s"]?.string == "a\"b\\c/\n\té😀")
    }

    @Test("numbers keep their text and value; fractions are not integers")
    func numbers() throws {
        let root = try JSONParser.parse(#"{"a": -0.5e2, "b": 42, "c": 1.5}"#)
        #expect(root["a"]?.double == -50)
        #expect(root["b"]?.int == 42)
        #expect(root["c"]?.int == nil)
        if case .number(_, let text)? = root["a"]?.value { #expect(text == "-0.5e2") } else { Issue.record("not a number") }
    }

    @Test("truncated input reports where it ended", arguments: [
        ("{\n  \"a\": [1, 2", 2, 13),
        ("{\"a\": ", 1, 7),
        ("{\"a\": \"unterminated", 1, 20),
    ])
    func truncated(text: String, line: Int, column: Int) {
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.location == TextLocation(line: line, column: column))
            #expect(error.message.contains("end of input") || error.message.contains("unterminated"))
        }
    }

    @Test("syntax errors name the offending character and position")
    func syntaxErrors() {
        let cases: [(String, TextLocation, String)] = [
            ("{\"a\": 1,,}", TextLocation(line: 1, column: 9), "expected a key"),
            ("{\"a\" 1}", TextLocation(line: 1, column: 6), "expected ':'"),
            ("{\"a\": 01}", TextLocation(line: 1, column: 7), "leading zeros"),
            ("{\"a\": tru}", TextLocation(line: 1, column: 7), "expected 'true'"),
            ("{\"a\": 1} x", TextLocation(line: 1, column: 10), "after the end"),
            ("{\"a\": 1, \"a\": 2}", TextLocation(line: 1, column: 10), "duplicate key 'a'"),
            ("", TextLocation(line: 1, column: 1), "empty"),
        ]
        for (text, location, fragment) in cases {
            do {
                _ = try JSONParser.parse(text)
                Issue.record("\(text) parsed")
            } catch {
                #expect(error.location == location, "\(text)")
                #expect(error.message.contains(fragment), "\(text): \(error.message)")
            }
        }
    }

    @Test("the writer round-trips documents and keeps key order")
    func roundTrip() throws {
        let text = #"{"b":[1,2.5,{"x":null}],"a":"q\"uote","c":true}"#
        let root = try JSONParser.parse(text)
        #expect(JSONWriter.write(root.value) == text)
        #expect(try JSONParser.parse(JSONWriter.write(root.value, pretty: true)) == root)
    }

    @Test("generated numbers use the shortest round-trip text")
    func numberText() {
        #expect(JSONWriter.numberText(3) == "3")
        #expect(JSONWriter.numberText(0.1) == "0.1")
        #expect(JSONWriter.numberText(-2.5) == "-2.5")
        #expect(Double(JSONWriter.numberText(1.0 / 3.0)) == 1.0 / 3.0)
        #expect(JSONWriter.numberText(.nan) == "null")
    }
}

@Suite("Dates, key paths and formatting")
struct SupportTests {
    @Test("civil dates round-trip and add days across leap years")
    func dates() throws {
        let d = try #require(CivilDate(iso: "2024-02-28"))
        #expect(d.adding(days: 1).description == "2024-02-29")
        #expect(d.adding(days: 2).description == "2024-03-01")
        #expect(CivilDate(iso: "2023-02-29") == nil)
        #expect(CivilDate(iso: "2024-13-01") == nil)
        #expect(CivilDate(iso: "2024-1-01") == nil)
        #expect(CivilDate(iso: "1970-01-01")?.dayNumber == 0)
        #expect(CivilDate(iso: "2000-03-01")?.dayNumber == 11017)
        let start = try #require(CivilDate(iso: "1999-12-31"))
        for k in [0, 1, 59, 60, 365, 366, 10_000] {
            let later = start.adding(days: k)
            #expect(CivilDate(iso: later.description) == later)
            #expect(later.dayNumber - start.dayNumber == k)
        }
    }

    @Test("key paths format and parse as in error messages")
    func paths() throws {
        let p = ScenarioPath.root / "strategies" / 0 / "layers" / 1 / "target_ltv"
        #expect(p.description == "strategies[0].layers[1].target_ltv")
        #expect(ScenarioPath(parsing: "strategies[0].layers[1].target_ltv") == p)
        let odd = ScenarioPath.root / "market" / "assets" / "my token"
        #expect(odd.description == #"market.assets["my token"]"#)
        #expect(ScenarioPath(parsing: odd.description) == odd)
        #expect(ScenarioPath(parsing: "a..b") == nil)
        #expect(ScenarioPath(parsing: "a[x]") == nil)
        #expect(ScenarioPath(parsing: "a.") == nil)
    }

    @Test("numbers format without locale and without negative zero")
    func formatting() {
        #expect(Format.grouped(1234567.891) == "1,234,567.89")
        #expect(Format.grouped(-1234.5, 1) == "-1,234.5")
        #expect(Format.fixed(-0.0001, 2) == "0.00")
        #expect(Format.percent(0.12345) == "12.35 %")
        #expect(Format.plain(0.95) == "0.95")
        #expect(Format.optional(nil) == "—")
    }

    @Test("edit-distance suggestions catch small typos only")
    func suggestions() {
        #expect(Suggest.nearest("liquidaton_threshold", ["liquidation_threshold", "max_ltv"]) == "liquidation_threshold")
        #expect(Suggest.nearest("apr", ["apy"]) == "apy")
        #expect(Suggest.nearest("zzzzzz", ["apy", "apr"]) == nil)
        #expect(Suggest.distance("kitten", "sitting") == 3)
    }
}
