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
}
