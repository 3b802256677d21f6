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

    // MARK: A whole report with hostile names
    // (Validation refuses control characters in names, so newlines are covered by the unit tests above.)

    static let hostile = #"""
    {
      "name": "<script>alert(1)</script> [x](javascript:alert(1)) # \"t\" | ab",
      "start": "2024-01-01", "days": 30, "currency": "E<b>T|H\"", "seed": 3, "paths": 20,
      "market": {
        "assets": {
          "E<b>T|H\"": { "price": { "model": "constant", "value": 1 } },
          "<img src=x onerror=alert(1)>": { "peg": { "to": "E<b>T|H\"", "ratio": { "model": "mean_reverting", "start": 1, "mean": 1, "speed": 5, "volatility": 0.3 } } }
        },
        "shocks": [ { "day": 10, "asset": "<img src=x onerror=alert(1)>", "ratio": 0.8, "recover_days": 10 } ]
      },
      "strategies": [
        {
          "name": "[x](javascript:alert(1))",
          "capital": { "asset": "E<b>T|H\"", "amount": 100 },
          "layers": [
            { "id": "li|do\"<script>x</script>", "type": "liquid_staking", "receipt": "<img src=x onerror=alert(1)>", "apr": 0.03 },
            { "id": "a``ve|", "type": "lending", "borrow": "E<b>T|H\"", "max_ltv": 0.75, "liquidation_threshold": 0.8,
              "liquidation_bonus": 0.05, "target_ltv": 0.75, "oracle": "market", "borrow_apr": 0.02,
              "loop": { "via": "li|do\"<script>x</script>", "times": 3 } }
          ]
        },
        {
          "name": "*b* _u_ `c` | \\ <script>",
          "capital": { "asset": "E<b>T|H\"", "amount": 100 },
          "layers": [ { "id": "li|do\"<script>x</script>", "type": "liquid_staking", "receipt": "<img src=x onerror=alert(1)>", "apr": 0.03 } ]
        }
      ]
    }
    """#

    /// Pipes a GFM table splits on: those not preceded by a backslash
    /// (cmark-gfm treats `\|` as escaped whatever precedes the backslash).
    static func cellBoundaries(_ line: String) -> Int {
        var count = 0
        var previous: Unicode.Scalar = " "
        for c in line.unicodeScalars {
            if c == "|", previous != "\\" { count += 1 }
            previous = c
        }
        return count
    }

    @Test("a report whose every name is hostile: no raw HTML or link, tables keep their columns, Mermaid lines stay well formed")
    func hostileReport() throws {
        let loaded = try ScenarioLoader.load(text: Self.hostile, file: "hostile.json", baseDirectory: TestSupport.fixtures)
        let out = try RunPipeline.run(loaded, options: SimulationOptions(), store: ResultStore(), reportDirectory: nil, now: { "t" })
        let stored = out.stored
        let axis = try SweepAxis.parse("strategies[1].name=a|b,<img src=x onerror=alert(1)>,\"`x`\"").get()
        let variants = try Sweep.variants(of: loaded, axes: [axis]).get()
        let sweep = SweepReport(scenarioName: loaded.scenario.name, file: "<b>.json", axes: [axis], variants: variants.map { ($0, stored) }, databasePath: "d|b").render()
        #expect(sweep.contains("| `strategies[1].name` | `\"a\\|b\"`, \"&lt;img src=x onerror=alert(1)&gt;\", ``\"`x`\"`` |"))
        let reports = [
            out.report, sweep,
            ComparisonReport.render(run: stored, strategies: stored.strategies.map(\.name), analyses: [], databasePath: "db`|<x>.sqlite"),
            ComparisonReport.render(stored, stored, databasePath: ":memory:"),
        ]
        for report in reports {
            let lower = report.lowercased()
            #expect(!lower.contains("<script"))
            #expect(!lower.contains("<img"))
            #expect(!lower.contains("<b>"))
            #expect(!lower.contains("](javascript:"))
            let lines = report.components(separatedBy: "\n")
            // Every table row has as many cell boundaries as its header.
            var header: Int?
            for line in lines {
                guard line.hasPrefix("|") else { header = nil; continue }
                if let h = header {
                    #expect(Self.cellBoundaries(line) == h, "\(line)")
                } else {
                    header = Self.cellBoundaries(line)
                }
            }
            // Mermaid blocks: every statement on its own well-formed line.
            var inMermaid = false
            for line in lines {
                if line == "```mermaid" { inMermaid = true; continue }
                if inMermaid, line == "```" { inMermaid = false; continue }
                guard inMermaid else { continue }
                let quotes = line.filter { $0 == "\"" }.count
                #expect(quotes % 2 == 0, "\(line)")
                #expect(!line.replacingOccurrences(of: "-->", with: "").contains { $0 == "<" || $0 == ">" }, "\(line)")
                if line.hasPrefix("    title ") { #expect(quotes == 2 && line.hasSuffix("\""), "\(line)") }
                let known = ["---", "config:", "  ", "xychart-beta", "    title \"", "    x-axis \"", "    y-axis \"", "    line ["]
                #expect(known.contains { line.hasPrefix($0) }, "\(line)")
            }
            #expect(!inMermaid)
        }
        let report = out.report
        #expect(report.hasPrefix("# &lt;script&gt;alert(1)&lt;/script&gt; &#91;x&#93;(javascript:alert(1)) \\# \"t\" \\| ab\n"))
        #expect(report.contains("- **&#91;x&#93;(javascript:alert(1))**: 100.00 E&lt;b&gt;T\\|H\""))
        #expect(report.contains("### \\*b\\* \\_u\\_ \\`c\\` \\| \\\\ &lt;script&gt;\n"))
        #expect(report.contains("| Source | li\\|do\"&lt;script&gt;x&lt;/script&gt; | a\\`\\`ve\\| | `spot` | Total |"))
        #expect(report.contains("    title \"［x］(javascript:alert(1)): equity p05, p50, p95\""))
        #expect(report.contains("    y-axis \"equity (E‹b›T|H')\" "))
        #expect(report.contains("- line 1 (blue): &#91;x&#93;(javascript:alert(1)) p95"))
    }
}
