import Foundation
import Testing
@testable import YieldStack

@Suite("Echo and one-line diagnostics")
struct EchoTests {
    // MARK: Echo

    @Test("a duplicate key is echoed escaped")
    func duplicateKeyEscaped() {
        do {
            _ = try JSONParser.parse(#"{"a\nb": 1, "a\nb": 2}"#)
            Issue.record("parsed")
        } catch {
            #expect(error.message == #"duplicate key 'a\nb'"#)
            #expect(error.location == TextLocation(line: 1, column: 13))
        }
    }


    @Test("Echo.quoted escapes JSON-style, escapes the delimiter and cuts after the limit")
    func echoQuoted() {
        #expect(Echo.quoted("hodl") == "'hodl'")
        #expect(Echo.quoted("hold\nINJECTED.json:1:1: days: fake error in the scenario")
                == #"'hold\nINJECTED.json:1:1: days: fake error…'"#)
        #expect(Echo.quoted("it's a \\ b") == #"'it\'s a \\ b'"#)
        #expect(Echo.quoted("\u{0}\u{1B}[2J\t\r\u{7F}\u{85}") == #"'\u0000\u001b[2J\t\r\u007f\u0085'"#)
        #expect(Echo.quoted("lido\u{202E}evil") == #"'lido\u202eevil'"#)
        #expect(Echo.quoted("é😀\u{E0001}") == #"'é😀\udb40\udc01'"#)
        #expect(Echo.quoted("abcdef", limit: 3) == "'abc…'")
        #expect(Echo.quoted("abc", limit: 3) == "'abc'")
        #expect(Echo.quoted(String(repeating: "x", count: 250_000)) == "'" + String(repeating: "x", count: 40) + "…'")
    }

    @Test("a forged type value does not print a second diagnostic line")
    func forgedType() throws {
        let json = TestSupport.scenario(days: 2, strategies: #"""
            [ { "name": "a", "capital": { "asset": "TOK", "amount": 1 },
                "layers": [ { "id": "h", "type": "hold\nINJECTED.json:1:1: days: fake error in the scenario" } ] } ]
            """#)
        let d = TestSupport.diagnostics(json)
        let type = try #require(d.first { $0.path.description == "strategies[0].layers[0].type" })
        #expect(type.message.hasPrefix(#"unknown type 'hold\nINJECTED.json:1:1: days: fake error…'; expected one of: hold, "#))
        #expect(!type.message.contains("\n"))
        let printed = ScenarioError.invalid(d).description
        #expect(printed.split(separator: "\n", omittingEmptySubsequences: false).count == d.count)
        #expect(!printed.contains("\nINJECTED"))
    }

    @Test("an unknown key is echoed escaped and cut; its hint still works")
    func unknownKeyEscaped() throws {
        let json = TestSupport.scenario(days: 2, strategies: #"""
            [ { "name": "a", "capital": { "asset": "TOK", "amount": 1 },
                "layers": [ { "id": "h", "type": "hold", "x\r\ny": 1 } ] } ]
            """#)
        let d = TestSupport.diagnostics(json)
        #expect(d.map(\.message) == [#"unknown key 'x\r\ny'"#])
        #expect(d.first?.description.contains("\r") == false)
        #expect(d.first?.description.contains("\n") == false)
    }

    // MARK: Diagnostic safety net

    @Test("a diagnostic is always one line: controls in file, path and message are escaped")
    func diagnosticOneLine() {
        let d = Diagnostic(file: "a\nb.json", location: TextLocation(line: 3, column: 4),
                           path: ScenarioPath([.key("k\u{85}"), .index(0)]),
                           message: "m\u{1B}[2J\r\u{0}\u{202E}x\ty\nz")
        #expect(d.description == #"a\nb.json:3:4: ["k\u0085"][0]: m\u001b[2J\r\u0000\u202ex\ty\nz"#)
        #expect(!d.description.unicodeScalars.contains { !Echo.isPrintable($0) })
    }

    @Test("a clean diagnostic prints exactly as before")
    func diagnosticUnchanged() {
        let d = Diagnostic(file: "s.json", location: TextLocation(line: 1, column: 2), path: "days", message: "must be in [1, 36500], got 0 — ≤ ‘ok’")
        #expect(d.description == "s.json:1:2: days: must be in [1, 36500], got 0 — ≤ ‘ok’")
    }

    @Test("an oversized message or path is cut, with an ellipsis")
    func diagnosticCut() {
        let d = Diagnostic(file: "f", location: .start, path: ScenarioPath([.key(String(repeating: "k", count: 1_000))]),
                           message: String(repeating: "m", count: 5_000))
        #expect(d.description == "f:1:1: " + String(repeating: "k", count: 300) + "…: " + String(repeating: "m", count: 2_000) + "…")
    }
}
