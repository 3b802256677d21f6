import Foundation
import Testing
@testable import YieldStack

@Suite("Markdown escaping")
struct EscapingTests {
    @Test("inline text: raw HTML, links, emphasis, code and line breaks cannot form; plain names are unchanged")
    func text() {
        #expect(MarkdownText.text("loop-2x (3×, 75 %)") == "loop-2x (3×, 75 %)")
        #expect(MarkdownText.text("soft_staking") == "soft_staking")
        #expect(MarkdownText.text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(MarkdownText.text("[x](javascript:alert(1))") == "&#91;x&#93;(javascript:alert(1))")
        #expect(MarkdownText.text("a & b") == "a &amp; b")
        #expect(MarkdownText.text("*b* _u_ `c` ~s~ #1 \\") == "\\*b\\* \\_u\\_ \\`c\\` \\~s\\~ \\#1 \\\\")
        #expect(MarkdownText.text("a\nb\r\nc\td\u{2028}e") == "a b  c d e")
        // A combining mark makes `|` part of a larger Character; it is still a pipe.
        #expect(MarkdownText.text("a|\u{301}b") == "a\\|\u{301}b")
    }

    @Test("table cell: every pipe is escaped, so a cell cannot split")
    func cell() {
        #expect(MarkdownText.cell("a|b") == "a\\|b")
        #expect(MarkdownText.cell("a\\|b") == "a\\\\\\|b")
        #expect(Markdown.cell("x|y\nz") == "x\\|y z")
        #expect(Markdown.money(1, "E|TH") == "1.00 E\\|TH")
    }

    @Test("code span: the fence is longer than any backtick run in the content; pipes escaped in tables")
    func code() {
        #expect(MarkdownText.code("scenarios/a.json") == "`scenarios/a.json`")
        #expect(MarkdownText.code("a`b") == "``a`b``")
        #expect(MarkdownText.code("``x```") == "```` ``x``` ````")
        #expect(MarkdownText.code("a|b", inTable: true) == "`a\\|b`")
        #expect(MarkdownText.code("a|b") == "`a|b`")
        #expect(MarkdownText.code("a\nb") == "`a b`")
        #expect(MarkdownText.code("") == "` `")
        // What a tool that ignores code spans could act on is never put in one.
        #expect(MarkdownText.code("<b>.json") == "&lt;b&gt;.json")
        #expect(MarkdownText.code("[x](javascript:1)") == "&#91;x&#93;(javascript:1)")
    }

    @Test("JSON inline: plain when Markdown reads nothing in it, else a code span")
    func json() {
        #expect(MarkdownText.json("0.05") == "0.05")
        #expect(MarkdownText.json("\"market\"") == "\"market\"")
        #expect(MarkdownText.json("[0.9,1.1]") == "`[0.9,1.1]`")
        #expect(MarkdownText.json("\"a|`b\"") == "``\"a\\|`b\"``")
    }

    @Test("identifier: code font when inert, escaped text otherwise")
    func identifier() {
        #expect(MarkdownText.identifier("aave-v3.main") == "`aave-v3.main`")
        #expect(MarkdownText.identifier("<script>") == "&lt;script&gt;")
        #expect(MarkdownText.identifier("l|d") == "l\\|d")
        #expect(MarkdownText.identifier("a`b") == "a\\`b")
    }

    @Test("Mermaid string: no quote, newline, angle bracket, entity code or statement end; long labels cut")
    func mermaid() {
        #expect(MarkdownText.mermaidString("Equity (USD)") == "Equity (USD)")
        #expect(MarkdownText.mermaidString("a \"q\"\nb<script>&#quot;;`[x](y)") == "a 'q' b‹script›＆＃quot,,'［x］(y)")
        let long = MarkdownText.mermaidString(String(repeating: "x", count: 100), maxLength: 10)
        #expect(long == "xxxxxxxxx…")
    }
}
