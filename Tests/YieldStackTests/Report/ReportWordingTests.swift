import Foundation
import Testing
@testable import YieldStack

@Suite("Report wording, charts and sweep columns")
struct ReportWordingTests {
    func golden() throws -> (LoadedScenario, RunOutput) {
        var loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        loaded.file = "golden-scenario.json"
        return (loaded, try RunPipeline.run(loaded, options: SimulationOptions(), store: ResultStore(), reportDirectory: nil, now: { "t" }))
    }

    static func eth(_ v: Double) -> String { Markdown.money(v, "ETH") }

    // MARK: Sign-aware sentences

    @Test("the 5 % tail: a positive VaR is a loss, a negative one a gain, printed as a magnitude")
    func tail() {
        #expect(ReportRenderer.tailClause(var95: 0.93, cvar95: 1.2, paths: 1000, money: Self.eth)
            == "in 5 % of 1,000 simulated markets it lost more than 0.93 ETH (mean of that worst 5 %: a loss of 1.20 ETH)")
        #expect(ReportRenderer.tailClause(var95: -0.93, cvar95: -0.5, paths: 40, money: Self.eth)
            == "even in the worst 5 % of 40 simulated markets it gained at least 0.93 ETH (mean of that worst 5 %: a gain of 0.50 ETH)")
        #expect(ReportRenderer.tailClause(var95: -0.93, cvar95: 0.25, paths: 40, money: Self.eth)
            == "even in the worst 5 % of 40 simulated markets it gained at least 0.93 ETH (mean of that worst 5 %: a loss of 0.25 ETH)")
        #expect(ReportRenderer.tailClause(var95: 0, cvar95: 0, paths: 40, money: Self.eth)
            == "in the worst 5 % of 40 simulated markets it at best broke even (mean of that worst 5 %: no loss)")
        // A figure that prints as 0.00 is no loss and no gain, whatever its sign.
        #expect(ReportRenderer.tailClause(var95: 0.004, cvar95: -0.004, paths: 40, money: Self.eth)
            == "in the worst 5 % of 40 simulated markets it at best broke even (mean of that worst 5 %: no loss)")
        #expect(Format.sign(0.005) == 1 && Format.sign(-0.0049) == 0 && Format.sign(-0.02) == -1 && Format.sign(0.00004, 4) == 0)
    }

    @Test("drawdown and head-to-head differences read by sign")
    func drawdownAndDifference() {
        #expect(ReportRenderer.drawdownClause(0.2985, mean: false) == "maximum drawdown 29.85 %")
        #expect(ReportRenderer.drawdownClause(0.1, mean: true) == "mean maximum drawdown 10.00 %")
        #expect(ReportRenderer.drawdownClause(0, mean: true) == "no drawdown")
        #expect(ReportRenderer.differenceClause(12.5, money: Self.eth) == "on average 12.50 ETH higher")
        #expect(ReportRenderer.differenceClause(-12.5, money: Self.eth) == "on average 12.50 ETH lower")
        #expect(ReportRenderer.differenceClause(0, money: Self.eth) == "the same on average")
        #expect(ReportRenderer.differenceClause(-0.001, money: Self.eth) == "the same on average")
    }

    @Test("lock analysis: negative extra yield and a locked strategy behind on crash paths read as such")
    func lockWording() {
        #expect(ComparisonReport.extraYieldClause(0.0123) == "1.23 % a year on initial value")
        #expect(ComparisonReport.extraYieldClause(-0.005) == "none; locking earned 0.50 % a year less on initial value")
        #expect(ComparisonReport.crashClause(-250, "USD") == "the locked one behind by 250.00 USD")
        #expect(ComparisonReport.crashClause(250, "USD") == "the locked one ahead by 250.00 USD")
        #expect(ComparisonReport.crashClause(0, "USD") == "no difference")
    }

    @Test("the rendered summary uses the sign-aware sentences: a gain in the tail, a loss in the tail, and the head-to-head difference")
    func summaryBothSigns() throws {
        var run = try golden().1.stored
        run.paths = 40 // Monte Carlo wording; the figures below are set by hand.
        run.strategies[0].metrics["var_95"] = -930
        run.strategies[0].metrics["cvar_95"] = -120
        run.strategies[1].metrics["var_95"] = 930
        run.strategies[1].metrics["cvar_95"] = 1200
        run.strategies[0].metrics["prob_above.locked"] = 0.75
        run.strategies[0].metrics["mean_difference.locked"] = -42
        let summary = ReportRenderer(run: run, databasePath: ":memory:").render()
            .components(separatedBy: "## Summary")[1].components(separatedBy: "## Strategy comparison")[0]
        #expect(summary.contains("; even in the worst 5 % of 40 simulated markets it gained at least 930.00 USD (mean of that worst 5 %: a gain of 120.00 USD); mean maximum drawdown 29.85 %."))
        #expect(summary.contains("; in 5 % of 40 simulated markets it lost more than 930.00 USD (mean of that worst 5 %: a loss of 1,200.00 USD); mean maximum drawdown 29.68 %."))
        #expect(summary.contains("- On the same markets, **flexible** ended above **locked** on 75.00 % of paths (on average 42.00 USD lower)."))
        #expect(!summary.contains("-930") && !summary.contains("-42"))
    }

    // MARK: Charts

    @Test("chart days: at most ten, evenly spaced, first and last included")
    func chartDays() {
        #expect(ReportRenderer.chartDays(40, points: 10) == [0, 4, 9, 13, 17, 22, 26, 30, 35, 39])
        #expect(ReportRenderer.chartDays(365, points: 10) == [0, 40, 81, 121, 162, 202, 243, 283, 324, 364])
        #expect(ReportRenderer.chartDays(5, points: 10) == [0, 1, 2, 3, 4])
        #expect(ReportRenderer.chartDays(1, points: 10) == [0])
    }

    @Test("the y-axis range contains every value and has round ends")
    func axisRange() {
        let r = ReportRenderer.axisRange([8357.72, 17438.58, 10001.37])
        #expect(r.lo == 6000 && r.hi == 18000 && r.decimals == 0)
        let small = ReportRenderer.axisRange([0.95, 1.02])
        #expect(Format.fixed(small.lo, small.decimals) == "0.94" && Format.fixed(small.hi, small.decimals) == "1.04" && small.decimals == 2)
        let flat = ReportRenderer.axisRange([100, 100])
        #expect(flat.lo <= 99 && flat.hi >= 101)
    }

    @Test("every chart in the golden report: dated x-axis of at most 10 labels, a titled y-axis, at most 5 lines, a legend line per series")
    func chartShape() throws {
        let report = try golden().1.report
        let blocks = report.components(separatedBy: "```mermaid\n").dropFirst()
        #expect(blocks.count == 1)
        for block in blocks {
            let body = block.components(separatedBy: "\n```\n")[0].components(separatedBy: "\n")
            let axis = try #require(body.first { $0.hasPrefix("    x-axis ") })
            #expect(axis == "    x-axis \"date\" [\"2024-01-01\", \"2024-01-05\", \"2024-01-10\", \"2024-01-14\", \"2024-01-18\", \"2024-01-23\", \"2024-01-27\", \"2024-01-31\", \"2024-02-05\", \"2024-02-09\"]")
            #expect(body.contains("    y-axis \"equity (USD)\" 6000 --> 18000"))
            let lines = body.filter { $0.hasPrefix("    line [") }
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.split(separator: ",").count == 10 })
            let legend = block.components(separatedBy: "\n```\n")[1]
            #expect(legend.hasPrefix("\n- line 1 (blue): flexible\n- line 2 (orange): locked\n\nSampled on 10 of 40 days"))
        }
    }

    // MARK: Sweep and compare columns

    @Test("the sweep table shows mean final equity and mean return beside APY, so a higher APY over a shorter run cannot pass for the better variant")
    func sweepColumns() throws {
        let (loaded, output) = try golden()
        let variants = try Sweep.variants(of: loaded, axes: [try SweepAxis.parse("strategies[0].layers[0].apy=0.01,0.02").get()]).get()
        // Variant 1: +5 % over 30 days (APY 81.05 %); variant 2: +20 % over 365 days (APY 20 %).
        // By APY variant 1 ranks first; by what the strategy ends with, variant 2 does.
        func run(_ id: Int64, final: Double, ret: Double, days: Double) -> StoredRun {
            var r = output.stored
            r.id = id
            var s = r.strategies[0]
            s.metrics = ["final_equity": final, "total_return": ret, "apy": pow(1 + ret, 365 / days) - 1, "cvar_95": 10, "liquidation_probability": 0]
            r.strategies = [s]
            return r
        }
        let report = SweepReport(scenarioName: "s", file: "f.json", axes: [try SweepAxis.parse("strategies[0].layers[0].apy=0.01,0.02").get()],
                                 variants: [(variants[0], run(1, final: 10_500, ret: 0.05, days: 30)), (variants[1], run(2, final: 12_000, ret: 0.2, days: 365))],
                                 databasePath: "db").render()
        let rows = report.components(separatedBy: "\n").filter { $0.hasPrefix("| #") || $0.hasPrefix("| 1 ") || $0.hasPrefix("| 2 ") }
        #expect(rows == [
            "| # | `apy` | Strategy | Run | Final equity (mean) | Return (mean) | APY (mean) | CVaR 95 | Liquidation probability |",
            "| 1 | 0.01 | flexible | 1 | 10,500.00 | 5.00 % | 81.05 % | 10.00 | 0.00 % |",
            "| 2 | 0.02 | flexible | 2 | 12,000.00 | 20.00 % | 20.00 % | 10.00 | 0.00 % |",
        ])
        let value = SweepReport(scenarioName: "s", file: "f", axes: [], variants: [(variants[1], run(2, final: 12_000, ret: 0.2, days: 365))], databasePath: "db").json(reportPath: nil)
        let json = try JSONParser.parse(JSONWriter.write(value))
        #expect(json["variants"]?.elements?.first?["strategies"]?.elements?.first?["total_return"]?.double == 0.2)
    }

    @Test("the side-by-side comparison lists mean final equity, then mean return, then APY")
    func compareColumns() throws {
        let run = try golden().1.stored
        let text = ComparisonReport.render(run: run, strategies: ["flexible", "locked"], analyses: [], databasePath: ":memory:")
        let titles = text.components(separatedBy: "\n").filter { $0.hasPrefix("| Final equity (mean)") || $0.hasPrefix("| Return (mean)") || $0.hasPrefix("| APY of the mean return") }
        #expect(titles == [
            "| Final equity (mean) | 12,342.19 | 8,729.23 |",
            "| Return (mean) | -20.02 % | -12.71 % |",
            "| APY of the mean return | -86.97 % | -71.07 % |",
        ])
    }
}
