import Foundation
import Testing
@testable import YieldStack

@Suite("JSON and scenario size limits")
struct JSONLimitsTests {
    // MARK: JSON parser

    @Test("a string of 300,000 escapes decodes in one pass to exactly the expected text")
    func longEscapedString() throws {
        let body = String(repeating: #"ab\u0041"#, count: 300_000)
        let root = try JSONParser.parse("{\"s\": \"\(body)\", \"k\": 1}")
        let s = try #require(root["s"]?.string)
        #expect(s.unicodeScalars.count == 900_000)
        #expect(s == String(repeating: "abA", count: 300_000))
        // Column tracking continues after the string: "k" starts after
        // `{"s": "` (7 columns), the 2,400,000 body bytes and `", ` (3).
        #expect(root.member("k")?.keyLocation == TextLocation(line: 1, column: 7 + 2_400_000 + 3 + 1))
    }

    @Test("escapes mixed with multi-byte text decode as before")
    func mixedEscapes() throws {
        let root = try JSONParser.parse(#"["é\u00e9\n😀\ud83d\ude00\/x"]"#)
        #expect(root.elements?.first?.string == "éé\n😀😀/x")
    }

    @Test("invalid UTF-8 inside a string is still reported at the string's start")
    func invalidUTF8() {
        var bytes = Array(#"{"a": "x"#.utf8)
        bytes.append(0xFF)
        bytes.append(contentsOf: Array("\"}".utf8))
        do {
            _ = try JSONParser.parse(bytes: bytes)
            Issue.record("parsed")
        } catch {
            #expect(error.location == TextLocation(line: 1, column: 7))
            #expect(error.message == "string is not valid UTF-8")
        }
    }

    @Test("100,000 nested brackets give a located error, not a stack overflow")
    func deepNesting() {
        let text = String(repeating: "[", count: 100_000)
        do {
            _ = try JSONParser.parse(text)
            Issue.record("parsed")
        } catch {
            // Depths 0 … 199 are allowed: the 201st bracket is refused.
            #expect(error.location == TextLocation(line: 1, column: 201))
            #expect(error.message == "arrays and objects nest more than 200 levels deep")
        }
    }

    @Test("200 levels of nesting are still accepted")
    func nestingAtTheLimit() throws {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        var node = try JSONParser.parse(text)
        var depth = 1
        while let first = node.elements?.first {
            node = first
            depth += 1
        }
        #expect(depth == 200)
    }

    @Test("the scenario loader refuses a document over 8 MiB before parsing it")
    func scenarioSizeCap() {
        let text = "{\"name\": \"x\", \"pad\": \"" + String(repeating: "a", count: 8 * 1024 * 1024) + "\"}"
        do {
            _ = try ScenarioLoader.load(text: text, file: "big.json", baseDirectory: ".")
            Issue.record("loaded")
        } catch {
            guard case .invalid(let d) = error else { Issue.record("wrong error \(error)"); return }
            #expect(d.count == 1)
            #expect(d.first?.message == "the file is \(text.utf8.count) bytes; a scenario file may be at most 8 MiB (8388608 bytes)")
            #expect(RunFailure.scenario(error).exitCode == 65)
        }
    }
}
