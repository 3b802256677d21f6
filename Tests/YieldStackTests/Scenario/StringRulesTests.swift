import Foundation
import Testing
@testable import YieldStack

@Suite("String rules: length and printable characters")
struct StringRulesTests {
    /// A scenario whose strategy is named by `nameJSON` (a JSON string literal).
    private func scenario(strategyName nameJSON: String) -> String {
        TestSupport.scenario(days: 2, strategies: """
            [ { "name": \(nameJSON), "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
    }

    private func messages(_ json: String, at path: String) -> [String] {
        TestSupport.diagnostics(json).filter { $0.path.description == path }.map(\.message)
    }

    @Test("a NUL in a name is refused, naming the code point and its position")
    func nulInName() {
        #expect(messages(scenario(strategyName: #""a\u0000b""#), at: "strategies[0].name")
                == ["must not contain control characters (U+0000 at character 2)"])
    }

    @Test("a 250,000-character name is refused with its length, and not echoed")
    func longName() {
        let json = scenario(strategyName: "\"" + String(repeating: "n", count: 250_000) + "\"")
        let d = TestSupport.diagnostics(json)
        #expect(d.map(\.message) == ["must be at most 200 characters, got 250000"])
        #expect(d.first.map { $0.description.count < 200 } == true)
    }

    @Test("a right-to-left override in a layer id is refused")
    func rtlOverride() {
        let json = TestSupport.scenario(days: 2, strategies: #"""
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "lido\u202Eevil", "type": "hold" } ] } ]
            """#)
        #expect(messages(json, at: "strategies[0].layers[0].id")
                == ["must not contain invisible formatting characters (U+202E at character 5)"])
    }

    @Test("names at the limit and with ordinary non-ASCII letters pass")
    func acceptedNames() {
        #expect(messages(scenario(strategyName: "\"" + String(repeating: "é", count: 200) + "\""), at: "strategies[0].name") == [])
        #expect(messages(scenario(strategyName: #""stETH loop — 2× 😀""#), at: "strategies[0].name") == [])
        #expect(messages(scenario(strategyName: "\"" + String(repeating: "é", count: 201) + "\""), at: "strategies[0].name")
                == ["must be at most 200 characters, got 201"])
    }

    @Test("an asset name (a map key) follows the same rules")
    func mapKey() {
        let json = """
        { "name": "x", "start": "2024-01-01", "days": 2,
          "market": { "assets": { "T\\u0007K": { "price": { "model": "constant", "value": 1 } } } },
          "strategies": [ { "name": "s", "capital": { "asset": "T\\u0007K", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ] }
        """
        let d = TestSupport.diagnostics(json).filter { $0.path.components.count == 3 }
        #expect(d.map(\.message) == ["a name must not contain control characters (U+0007 at character 2)"])
        #expect(d.first?.location == TextLocation(line: 2, column: 27))
    }

    @Test("free text allows line breaks and tabs and a larger limit, but still no other controls")
    func freeText() {
        let schema = Schema.object(ObjectSchema("", [
            Property("description", .string(.freeText("prose"))),
            Property("name", .string(StringSchema("a name"))),
        ]))
        func check(_ json: String) -> [String] {
            guard let root = try? JSONParser.parse(json) else { return ["unparsable"] }
            var sink = DiagnosticSink(file: "t.json", root: root)
            SchemaValidator(definitions: [:]).validate(root, schema, path: .root, into: &sink)
            return sink.diagnostics.map { "\($0.path): \($0.message)" }
        }
        #expect(check(#"{"description": "line one\nline two\tand a tab", "name": "n"}"#) == [])
        #expect(check(#"{"name": "line one\nline two"}"#) == ["name: must not contain control characters (U+000A at character 9)"])
        #expect(check(#"{"description": "bell\u0007"}"#)
                == ["description: must not contain control characters other than line breaks and tabs (U+0007 at character 5)"])
        #expect(check(#"{"description": "a\u2028b"}"#) == ["description: must not contain line or paragraph separators (U+2028 at character 2)"])
        #expect(check("{\"description\": \"\(String(repeating: "d", count: 10_000))\"}") == [])
        #expect(check("{\"description\": \"\(String(repeating: "d", count: 10_001))\"}") == ["description: must be at most 10000 characters, got 10001"])
    }

    @Test("StringSchema.problems names unassigned and private-use code points")
    func otherCategories() {
        #expect(StringSchema().problems("a\u{0378}") == ["must not contain unassigned characters (U+0378 at character 2)"])
        #expect(StringSchema().problems("\u{E000}") == ["must not contain private-use characters (U+E000 at character 1)"])
        #expect(StringSchema().problems("ok") == [])
    }

    @Test("enumerations and dates keep their own messages, with the value cut and escaped")
    func enumsUnaffected() {
        let json = TestSupport.scenario(days: 2, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "\(String(repeating: "h", count: 300))" } ] } ]
            """)
        let m = messages(json, at: "strategies[0].layers[0].type")
        #expect(m.count == 1)
        #expect(m.first?.hasPrefix("unknown type '" + String(repeating: "h", count: 40) + "…'; expected one of: hold,") == true)
    }
}

@Suite("String rules: description fields")
struct DescriptionRuleTests {
    @Test("a 'description' property with a plain string schema is checked as free text")
    func descriptionIsFreeText() throws {
        let long = String(repeating: "d", count: 600)
        let json = TestSupport.scenario(days: 2, strategies: """
            [ { "name": "s", "description": "\(long)\\nsecond line", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
        #expect(TestSupport.diagnostics(json).map(\.message) == [])
        let p = Property("description", .string(StringSchema("free text")))
        guard case .string(let s) = p.effectiveSchema else { Issue.record("not a string"); return }
        #expect(s.maxLength == 10_000)
        #expect(s.characters == .text)
        // An explicit limit is kept as written.
        let explicit = Property("description", .string(StringSchema(maxLength: 50, "short")))
        guard case .string(let e) = explicit.effectiveSchema else { Issue.record("not a string"); return }
        #expect(e.maxLength == 50)
    }
}
