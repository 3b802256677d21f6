import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import YieldStack

@Suite("Charts")
struct ChartTests {
    @Test("nice ticks match hand-computed cases", arguments: [
        // (lo, hi, maxTicks) → ticks
        (0.0, 100.0, 6, [0.0, 20, 40, 60, 80, 100]),
        (0.0, 100.0, 5, [0.0, 25, 50, 75, 100]),
        (0.13, 0.97, 5, [0.0, 0.25, 0.5, 0.75, 1.0]),
        (95.0, 1043.0, 6, [0.0, 250, 500, 750, 1000, 1250]),
        (-3.0, 7.0, 6, [-5.0, -2.5, 0, 2.5, 5, 7.5]),
        (0.1, 0.3, 3, [0.1, 0.2, 0.3]),
        (329_000.0, 341_500.0, 6, [325_000.0, 330_000, 335_000, 340_000, 345_000]),
    ] as [(Double, Double, Int, [Double])])
    func niceTicks(lo: Double, hi: Double, maxTicks: Int, expected: [Double]) {
        let t = NiceTicks(lo: lo, hi: hi, maxTicks: maxTicks)
        #expect(t.values == expected, "\(lo)…\(hi) → \(t.values)")
        #expect(t.values.count <= maxTicks)
        #expect(t.lower <= lo && t.upper >= hi)
    }

    @Test("decimal ticks are exact and print with the decimals their step needs")
    func tickDecimals() {
        let t = NiceTicks(lo: 0.1, hi: 0.7, maxTicks: 7)
        #expect(t.values == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
        #expect(t.decimals == 1)
        #expect(NiceTicks(lo: 0, hi: 1, maxTicks: 5).decimals == 2)  // step 0.25
        #expect(NiceTicks(lo: 0, hi: 1000, maxTicks: 6).decimals == 0)
    }

    @Test("degenerate ranges are widened instead of dividing by zero")
    func degenerate() {
        let zero = NiceTicks(lo: 0, hi: 0, maxTicks: 5)
        #expect(zero.lower < 0 && zero.upper > 0)
        let flat = NiceTicks(lo: 1000, hi: 1000, maxTicks: 5)
        #expect(flat.lower < 1000 && flat.upper > 1000)
        let bad = NiceTicks(lo: .nan, hi: .infinity, maxTicks: 5)
        #expect(bad.values.allSatisfy(\.isFinite) && bad.values.count >= 2)
        let huge = NiceTicks(lo: -.greatestFiniteMagnitude, hi: .greatestFiniteMagnitude, maxTicks: 5)
        #expect(huge.values.allSatisfy(\.isFinite) && huge.values.count <= 5)
        let tiny = NiceTicks(lo: 1e-300, hi: 3e-300, maxTicks: 5)
        #expect(tiny.values.count >= 2 && tiny.values.count <= 5)
        let reversed = NiceTicks(lo: 10, hi: 0, maxTicks: 6)
        #expect(reversed.values.first == 0 && reversed.values.last == 10)
        #expect(LinearScale(domain: (5, 5), range: (0, 100))(7) == 50)
    }

    @Test("a linear scale maps the domain's ends onto the range's, reversed ranges included")
    func scale() {
        let s = LinearScale(domain: (0, 10), range: (100, 300))
        #expect(s(0) == 100)
        #expect(s(10) == 300)
        #expect(s(2.5) == 150)
        let y = LinearScale(domain: (-1, 1), range: (200, 0))
        #expect(y(-1) == 200)
        #expect(y(1) == 0)
        #expect(y(0) == 100)
    }

    @Test("date ticks: days for short runs, month starts for a year, never more than asked")
    func dateTicks() throws {
        let start = try #require(CivilDate(iso: "2025-01-01"))
        let week = DateTicks.ticks(start: start, firstDay: 0, lastDay: 6, maxTicks: 8)
        #expect(week.map(\.day) == [0, 1, 2, 3, 4, 5, 6])
        #expect(week.first?.label == "Jan 1")
        let month = DateTicks.ticks(start: start, firstDay: 0, lastDay: 29, maxTicks: 8)
        #expect(month.map(\.day) == [0, 7, 14, 21, 28])
        let year = DateTicks.ticks(start: start, firstDay: 0, lastDay: 364, maxTicks: 9)
        #expect(year.map(\.label) == ["Jan 2025", "Mar 2025", "May 2025", "Jul 2025", "Sep 2025", "Nov 2025"])
        #expect(year.map(\.day) == [0, 59, 120, 181, 243, 304])
        let mid = try #require(CivilDate(iso: "2024-03-15"))
        let quarter = DateTicks.ticks(start: mid, firstDay: 0, lastDay: 100, maxTicks: 8)
        #expect(quarter.map(\.day) == Array(stride(from: 0, through: 98, by: 14)))
        #expect(quarter.first?.label == "Mar 15")
        for (n, days) in [(3, 2), (8, 40), (9, 1000), (9, 4000)] {
            #expect(DateTicks.ticks(start: start, firstDay: 0, lastDay: days, maxTicks: n).count <= n)
        }
    }

    @Test("escaping for text, attributes and slugs")
    func escaping() {
        #expect(Markup.text("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(Markup.text("x&y") == "x&amp;y")
        #expect(Markup.text("a\"b") == "a&quot;b")
        #expect(Markup.text("[x](javascript:alert(1))") == "[x](javascript:alert(1))")
        #expect(Markup.text("bell\u{07}") == "bell\u{FFFD}")
        #expect(Markup.attribute("a\"b'c<d>&\n") == "a&quot;b&#39;c&lt;d&gt;&amp;&#10;")
        #expect(Markup.slug("<script>alert(1)</script>") == "script-alert-1-script")
        #expect(Markup.slug("\"\"") == "x")
        #expect(Markup.slug("stETH/ETH") == "steth-eth")
    }

    func sample(_ name: String = "a<b") -> Chart {
        Chart(id: "chart-test", title: "Title \(name)", xLabel: "Date", yLabel: "Equity (x&y)", x: .dates(start: CivilDate(iso: "2025-01-01")!),
              marks: [.band(name: "band", x: [0, 1, 2], low: [1, 2, 3], high: [2, 3, 5], style: SeriesStyle(color: Palette.blue, opacity: 0.2)),
                      .line(name: name, points: (0..<3).map { ChartPoint(x: Double($0), y: Double($0) * 2) }, style: Palette.style(1)),
                      .line(name: "gap", points: [ChartPoint(x: 0, y: 1), ChartPoint(x: 1, y: .nan), ChartPoint(x: 2, y: 1)], style: Palette.style(2)),
                      .hRule(name: "threshold", y: 1, label: "1.0", style: Palette.style(3)),
                      .points(name: nil, points: [ChartPoint(x: 1, y: 2)], style: Palette.style(4))])
    }

    @Test("an SVG chart has its title, axis labels, legend and escaped names, and is well-formed XML")
    func svgStructure() throws {
        let svg = sample().svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"chart-test\""))
        #expect(svg.hasSuffix("</svg>"))
        #expect(svg.contains("<title id=\"chart-test-title\">Title a&lt;b</title>"))
        #expect(svg.contains("class=\"chart-title\""))
        #expect(svg.contains(">Date</text>"))
        #expect(svg.contains(">Equity (x&amp;y)</text>"))
        #expect(svg.contains("data-series=\"a&lt;b\""))
        // Legend: one item per named mark (the unnamed points are not listed).
        #expect(svg.components(separatedBy: "<g class=\"legend-item\">").count - 1 == 4)
        #expect(svg.contains("clip-path=\"url(#chart-test-clip)\""))
        // The NaN breaks the line into two runs.
        #expect(svg.contains("d=\"M") && !svg.contains("NaN"))
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        #expect(svg == sample().svg())
    }

    @Test("a chart of nothing still renders a frame without NaN")
    func emptyChart() {
        let svg = Chart(id: "e", title: "Empty", xLabel: "x", yLabel: "y", x: .numeric, marks: []).svg()
        #expect(!svg.contains("NaN"))
        #expect(XMLParser(data: Data(svg.utf8)).parse())
    }

    @Test("a path with NaN or infinity skips those points")
    func pathData() {
        #expect(svgPathData([(0, 0), (1, .nan), (2, 2), (3, .infinity), (4, 4.75)]) == "M0 0 M2 2 M4 4.8")
        #expect(svgPathData([(0, 0), (1.04, 2)]) == "M0 0 L1 2")
    }

    @Test("histogram bins cover every value with round edges")
    func histogram() {
        let values = (0..<1000).map { Double($0) / 10 }  // 0 … 99.9
        let bins = ReportCharts.histogram(values, maxBins: 10)
        #expect(bins.map(\.count).reduce(0, +) == 1000)
        #expect(bins.first?.lo == 0)
        #expect(bins.count == 10)
        #expect(bins.allSatisfy { $0.hi - $0.lo == 10 })
        #expect(ReportCharts.histogram([]).isEmpty)
        #expect(ReportCharts.histogram([5, 5, 5]).map(\.count).reduce(0, +) == 3)
        // A far tail folds into the last bin instead of stretching the axis.
        let capped = ReportCharts.histogram(values + [10_000], maxBins: 10, cap: 99.9)
        #expect(capped.last?.hi == 100)
        #expect(capped.last?.count == 101)
        #expect(capped.map(\.count).reduce(0, +) == 1001)
    }

    @Test("y labels from a million up print in millions; long titles and legend names are cut with an ellipsis")
    func compactLabels() {
        let big = ChartRenderer.tickLabels(NiceTicks(lo: 0, hi: 2_500_000, maxTicks: 6), .number).map(\.1)
        #expect(big == ["0.0 M", "0.5 M", "1.0 M", "1.5 M", "2.0 M", "2.5 M"])
        let small = ChartRenderer.tickLabels(NiceTicks(lo: 0, hi: 1, maxTicks: 5), .percent).map(\.1)
        #expect(small == ["0 %", "25 %", "50 %", "75 %", "100 %"])
        #expect(ChartRenderer.fit("abcdef", 4) == "abc…")
        #expect(ChartRenderer.fit("abc", 4) == "abc")
        let long = String(repeating: "n", count: 300)
        let svg = Chart(id: "long", title: long, xLabel: "x", yLabel: "y", x: .numeric,
                        marks: [.line(name: long, points: [ChartPoint(x: 0, y: 0), ChartPoint(x: 1, y: 1)], style: Palette.style(0))]).svg()
        #expect(svg.contains("<title id=\"long-title\">\(long)</title>"))
        #expect(svg.contains("…</text>"))
    }
}
