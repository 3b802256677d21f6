import Foundation
import Testing
@testable import YieldStack

/// A Monte Carlo run of the shipped stETH/Aave/Curve scenario, built once in
/// memory and shared by the HTML tests (a 200-path year takes a moment).
enum MonteCarloFixture {
    static let shared: Result<(StoredRun, ResultStore), any Error> = Result {
        let loaded = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/steth-aave-curve.json")
        let store = try ResultStore()
        let output = try RunPipeline.run(loaded, options: SimulationOptions(paths: 200, threads: 2), store: store,
                                         reportDirectory: nil, now: { "t" })
        return (output.stored, store)
    }

    static func run() throws -> StoredRun { try shared.get().0 }

    /// The same stack without its deleverage rule and with a deeper depeg,
    /// so that paths are liquidated: for the health-factor marks and time to liquidation.
    static let liquidating: Result<StoredRun, any Error> = Result {
        let path = TestSupport.repositoryRoot + "/scenarios/steth-aave-curve.json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\"below\": 1.1", with: "\"below\": 0.01")
            .replacingOccurrences(of: "\"ratio\": 0.955", with: "\"ratio\": 0.72")
        let loaded = try ScenarioLoader.load(text: text, file: "no-deleverage.json", baseDirectory: TestSupport.repositoryRoot + "/scenarios")
        return try RunPipeline.run(loaded, options: SimulationOptions(paths: 100, threads: 2), store: ResultStore(),
                                   reportDirectory: nil, now: { "t" }).stored
    }
}

/// The `<svg …>…</svg>` elements of a page, in order.
func svgElements(_ html: String) -> [String] {
    html.components(separatedBy: "<svg ").dropFirst().map { "<svg " + ($0.components(separatedBy: "</svg>").first ?? "") + "</svg>" }
}

@Suite("HTML report")
struct HTMLReportTests {
    func html(_ run: StoredRun, market: [ChartSeries] = []) -> String {
        HTMLReportRenderer(run: run, databasePath: ":memory:", marketSeries: market).render()
    }

    @Test("a Monte Carlo report has at least five charts, each with a title, both axis labels and a legend")
    func chartStructure() throws {
        let page = html(try MonteCarloFixture.run())
        if let dir = ProcessInfo.processInfo.environment["YIELDSTACK_HTML_DUMP"] {
            try page.write(toFile: dir + "/steth-aave-curve.html", atomically: true, encoding: .utf8)
        }
        let svgs = svgElements(page)
        #expect(svgs.count >= 5, "\(svgs.count) charts")
        var ids: Set<String> = []
        for svg in svgs {
            let id = svg.components(separatedBy: " id=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""
            #expect(!id.isEmpty && ids.insert(id).inserted, "chart id \(id) missing or repeated")
            for part in ["<title id=", "class=\"chart-title\"", "class=\"axis-label x-axis-label\"", "class=\"axis-label y-axis-label\"",
                         "<g class=\"legend\">", "<g class=\"legend-item\">", "class=\"x-axis\"", "class=\"y-axis\""] {
                #expect(svg.contains(part), "\(id) lacks \(part)")
            }
            for label in ["x-axis-label", "y-axis-label", "chart-title"] {
                let text = svg.components(separatedBy: "\(label)\"").dropFirst().first?.components(separatedBy: ">").dropFirst().first?
                    .components(separatedBy: "<").first ?? ""
                #expect(!text.isEmpty, "\(id): empty \(label)")
            }
        }
        for id in ["chart-equity-0-stack", "chart-equity-all", "chart-health-factor", "chart-waterfall-0-stack", "chart-distribution-0-stack",
                   "chart-time-to-liquidation"] {
            #expect(ids.contains(id), "missing \(id)")
        }
        for section in ["<h2>Summary</h2>", "<h2>Strategy comparison</h2>", "<h2>Yield attribution</h2>", "<h2>Risk</h2>", "<h2>Event timeline</h2>"] {
            #expect(page.contains(section), "missing \(section)")
        }
    }

    @Test("the page references nothing outside itself: no URL but the SVG namespace, no script, no external style")
    func selfContained() throws {
        let page = html(try MonteCarloFixture.run())
        let stripped = page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!stripped.contains("http://"))
        #expect(!stripped.contains("https://"))
        #expect(!stripped.contains("//"), "protocol-relative reference")
        for banned in ["<script", "<link", "@import", "<img", "<iframe", "src=", "href="] {
            #expect(!page.contains(banned), "found \(banned)")
        }
    }

    @Test("rendering the same stored run twice is byte-identical; another database changes only the run line")
    func deterministic() throws {
        let run = try MonteCarloFixture.run()
        let a = html(run), b = html(run)
        #expect(a == b)
        let c = HTMLReportRenderer(run: run, databasePath: "/elsewhere/other.db", marketSeries: []).render()
        let la = a.components(separatedBy: "\n"), lc = c.components(separatedBy: "\n")
        #expect(la.count == lc.count)
        let differing = zip(la, lc).filter { $0 != $1 }
        #expect(differing.count == 1)
        #expect(differing.first?.0.hasPrefix(HTMLReportRenderer.runLinePrefix) == true)
    }

    @Test("every chart's numbers are finite: no NaN or infinity reaches the SVG")
    func finiteCoordinates() throws {
        for svg in svgElements(html(try MonteCarloFixture.run())) {
            #expect(!svg.contains("NaN"))
            #expect(!svg.contains("∞"))
            #expect(!svg.contains("inf"))
        }
    }

    @Test("hostile names are escaped in HTML text, attributes and SVG text")
    func escaping() throws {
        var run = try MonteCarloFixture.run()
        let hostile = ["<script>alert(1)</script>", "a\"b", "x&y", "[x](javascript:alert(1))"]
        run.scenarioName = hostile[0]
        run.currency = "x&y"
        let names = ["\(hostile[0]) \(hostile[3])", "\(hostile[1]) \(hostile[2])"]
        for i in run.strategies.indices {
            run.strategies[i].name = names[i % names.count] + " \(i)"
            run.strategies[i].capitalAsset = "a\"b"
            for l in run.strategies[i].layers.indices { run.strategies[i].layers[l].asset = "<b>" }
        }
        let market = [ChartSeries(name: "a\"b<script>", kind: .price, values: [1, 2, 3]),
                      ChartSeries(name: "peg & co", kind: .peg, values: [1, 0.99, nil, 0.98])]
        let page = HTMLReportRenderer(run: run, databasePath: "<db>&\"", marketSeries: market).render()
        #expect(!page.contains("<script"))
        #expect(!page.contains("<b>"))
        #expect(!page.contains("a\"b"))
        #expect(!page.contains("x&y"))
        #expect(!page.contains("<db>"))
        #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(page.contains("a&quot;b"))
        #expect(page.contains("x&amp;y"))
        // A Markdown link is plain text here: never a link.
        #expect(page.contains("[x](javascript:alert(1)) 0"))
        #expect(!page.contains("href"))
        // Ids and classes derived from names are slugs.
        for svg in svgElements(page) {
            let id = svg.components(separatedBy: " id=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""
            #expect(id.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" }, "\(id)")
        }
        #expect(page.contains("<section id=\"market\">"))
    }

    @Test("market charts appear when given series and are omitted cleanly when given none")
    func marketSection() throws {
        let run = try MonteCarloFixture.run()
        let none = html(run)
        #expect(!none.contains("id=\"market\""))
        let days = run.days
        let market = [ChartSeries(name: "ETH", kind: .price, values: (0..<days).map { 3300 + Double($0) }),
                      ChartSeries(name: "stETH", kind: .price, values: (0..<days).map { 3290 + Double($0) }),
                      ChartSeries(name: "CRV", kind: .price, values: (0..<days).map { 0.6 + Double($0) / 1000 }),
                      ChartSeries(name: "stETH/ETH", kind: .peg, values: (0..<days).map { $0 == 5 ? nil : 0.999 - Double($0) / 10000 }),
                      ChartSeries(name: "stack: aave borrow", kind: .rate, values: (0..<days).map { 0.03 + Double($0 % 30) / 1000 })]
        let page = html(run, market: market)
        if let dir = ProcessInfo.processInfo.environment["YIELDSTACK_HTML_DUMP"] {
            try page.write(toFile: dir + "/market.html", atomically: true, encoding: .utf8)
        }
        let section = page.components(separatedBy: "<section id=\"market\">").dropFirst().first?.components(separatedBy: "</section>").first ?? ""
        let charts = svgElements(section)
        // ETH and stETH share a chart; CRV, a thousand times smaller, gets its own.
        #expect(charts.count == 4)
        #expect(charts.allSatisfy { $0.contains("class=\"legend\"") && $0.contains("x-axis-label") })
        #expect(section.contains("Prices (path 0): ETH, stETH"))
        #expect(section.contains(" %</text>"), "rates are labelled as percentages")
    }

    @Test("a one-path run still renders: no distribution, no bands, a path-0 equity line")
    func singlePath() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        let output = try RunPipeline.run(loaded, options: SimulationOptions(), store: ResultStore(), reportDirectory: nil, now: { "t" })
        let page = html(output.stored)
        let svgs = svgElements(page)
        #expect(!svgs.isEmpty)
        #expect(!page.contains("chart-distribution"))
        #expect(!page.contains("class=\"series band\""))
        #expect(page.contains("One path: no distribution"))
        #expect(page == html(output.stored))
    }

    @Test("two runs of the same scenario and seed give the same HTML but for the run line")
    func sameScenarioTwice() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        let store = try ResultStore()
        let first = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t1" })
        let second = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t2" })
        #expect(first.runID != second.runID)
        let a = html(first.stored).components(separatedBy: "\n"), b = html(second.stored).components(separatedBy: "\n")
        #expect(a.count == b.count)
        let differing = zip(a, b).filter { $0 != $1 }
        #expect(differing.count == 1)
        #expect(differing.allSatisfy { $0.0.hasPrefix(HTMLReportRenderer.runLinePrefix) && $0.1.hasPrefix(HTMLReportRenderer.runLinePrefix) })
    }

    @Test("the waterfall's steps run from initial value to final equity")
    func waterfallCloses() throws {
        let run = try MonteCarloFixture.run()
        for s in run.strategies {
            let (initial, steps, final) = ReportCharts.waterfallSteps(s)
            expectClose(initial + steps.map(\.value).reduce(0, +), final, 1e-6 * max(1, abs(final)), "\(s.name)")
            #expect(!steps.isEmpty)
        }
    }

    @Test("time to first liquidation is a non-decreasing share ending at the liquidation probability; liquidations are marked")
    func timeToLiquidation() throws {
        let run = try MonteCarloFixture.liquidating.get()
        guard let chart = ReportCharts.timeToLiquidation(run) else { Issue.record("no time-to-liquidation chart"); return }
        var liquidated = false
        for mark in chart.marks {
            guard case .line(let name, let points, _) = mark else { continue }
            let ys = points.map(\.y)
            #expect(ys == ys.sorted(), "\(name ?? "")")
            guard let s = run.strategies.first(where: { $0.name == name }) else { Issue.record("unknown \(name ?? "")"); continue }
            expectClose(ys.last ?? -1, s.metric("liquidation_probability") ?? -2, 1e-9)
            liquidated = liquidated || (ys.last ?? 0) > 0
        }
        #expect(liquidated, "the fixture should liquidate some paths")
        let page = html(run)
        if let dir = ProcessInfo.processInfo.environment["YIELDSTACK_HTML_DUMP"] {
            try page.write(toFile: dir + "/no-deleverage.html", atomically: true, encoding: .utf8)
        }
        #expect(page.contains("id=\"chart-time-to-liquidation\""))
        let stackLiquidatedOnPathZero = run.strategies[0].events.contains { $0.kind == .liquidation && $0.path == 0 }
        #expect(page.contains("liquidation (path 0)") == stackLiquidatedOnPathZero)
    }

    @Test("without liquidations the time-to-liquidation chart is a flat zero for borrowing strategies, on a 0-based axis")
    func noLiquidations() throws {
        let run = try MonteCarloFixture.run()
        guard let chart = ReportCharts.timeToLiquidation(run) else { Issue.record("no chart"); return }
        #expect(chart.marks.count == 1, "only the borrowing strategy")
        #expect(chart.yDomain.map { $0.0 == 0 && $0.1 > 0 } == true)
    }

    @Test("run writes <stem>.html beside <stem>.md; report --out x.html reproduces it byte for byte, --out x.md stays Markdown")
    func cliWiring() throws {
        let cli = CLITests()
        let dir = TestSupport.tempDirectory()
        let db = dir + "/r.sqlite"
        let first = try cli.run(["run", TestSupport.fixture("golden-scenario.json"), "--db", db, "--report-dir", dir, "--quiet"])
        #expect(first.status == 0, "\(first.stderr)")
        let written = try String(contentsOfFile: dir + "/golden-scenario.html", encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>"))
        #expect(written.contains(HTMLReportRenderer.runLinePrefix + "1 in database <code>\(Markup.text(db))</code>."))
        let again = dir + "/again.html"
        #expect(try cli.run(["report", "--db", db, "--run", "1", "--out", again]).status == 0)
        #expect(try String(contentsOfFile: again, encoding: .utf8) == written)
        let markdown = dir + "/again.md"
        #expect(try cli.run(["report", "--db", db, "--run", "1", "--out", markdown]).status == 0)
        #expect(try String(contentsOfFile: markdown, encoding: .utf8) == String(contentsOfFile: dir + "/golden-scenario.md", encoding: .utf8))
    }

    @Test("headless Chromium renders the page to a non-blank screenshot (set YIELDSTACK_BROWSER_TEST=1; needs chromium)",
          .enabled(if: ProcessInfo.processInfo.environment["YIELDSTACK_BROWSER_TEST"] == "1"))
    func browserScreenshot() throws {
        let dir = TestSupport.tempDirectory()
        let page = dir + "/report.html", png = dir + "/report.png"
        try html(try MonteCarloFixture.run()).write(toFile: page, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [TestSupport.repositoryRoot + "/Tests/browser/screenshot.sh", page, png, "1200x4000"]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: png))
    }
}
