import Foundation
import Testing
@testable import YieldStack

@Suite("Markdown report")
struct ReportTests {
    static let goldenPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden/golden-scenario.md").path

    func render() throws -> RunOutput {
        let loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        var relabelled = loaded
        relabelled.file = "golden-scenario.json"
        return try RunPipeline.run(relabelled, options: SimulationOptions(), store: ResultStore(), reportDirectory: nil, now: { "t" })
    }

    @Test("the report matches the golden file (set YIELDSTACK_UPDATE_GOLDEN=1 to rewrite it)")
    func golden() throws {
        let report = try render().report
        if ProcessInfo.processInfo.environment["YIELDSTACK_UPDATE_GOLDEN"] == "1" {
            try report.write(toFile: Self.goldenPath, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: TestSupport.fixture("golden/golden-scenario.md"), encoding: .utf8)
        let a = report.components(separatedBy: "\n"), b = expected.components(separatedBy: "\n")
        for (i, (x, y)) in zip(a, b).enumerated() where x != y {
            Issue.record("line \(i + 1) differs:\n got: \(x)\nwant: \(y)")
            break
        }
        #expect(a.count == b.count)
    }

    @Test("the report has every section SPEC §4 lists, and one line naming the run and database")
    func sections() throws {
        let report = try render().report
        for heading in ["# Golden: flexible vs locked on a hand-made path", "## Summary", "## Strategy comparison", "## Yield attribution",
                        "### flexible", "### locked", "## Risk", "## Event timeline", "## Charts", "```mermaid", "xychart-beta"] {
            #expect(report.contains(heading), "missing \(heading)")
        }
        let runLines = report.components(separatedBy: "\n").filter { $0.hasPrefix(ReportRenderer.runLinePrefix) }
        #expect(runLines == ["Run 1 in database `:memory:`."])
    }

    @Test("attribution in the report matches hand-computed income: locked rewards 1000 × 12 % × days/365 valued daily")
    func attributionFigures() throws {
        let output = try render()
        let locked = try #require(output.stored.strategies.first { $0.name == "locked" })
        // The lock is exited on the day its drawdown passes 20 % only if early exit were allowed;
        // it is forbidden, so it earns every day of its 30-day term.
        let prices = try String(contentsOfFile: TestSupport.fixture("golden-prices.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { Double($0.split(separator: ",")[1])! }
        var expected = 0.0
        for d in 0..<30 { expected += 1000 * 0.12 / 365 * prices[d] * (d >= 20 ? 0.7 : 1) }
        expectClose(locked.metric("attribution.lock.staking") ?? 0, expected, 1e-9)
        expectClose(locked.metric("layer.lock.yield") ?? 0, 1000 * 0.12 * 30 / 365, 1e-9)
        #expect(output.report.contains("refused_action ×"))
    }

    @Test("the event timeline is chronological, with shocks and flows before a path's own events of the same day")
    func timelineOrder() throws {
        let report = try render().report
        let section = report.components(separatedBy: "## Event timeline")[1].components(separatedBy: "## Charts")[0]
        for strategy in section.components(separatedBy: "### ").dropFirst() {
            let days = strategy.components(separatedBy: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| Day") }
                .compactMap { Int($0.dropFirst(2).prefix { $0.isNumber }) }
            #expect(days == days.sorted(), "\(strategy.prefix(20))")
            #expect(!days.isEmpty)
        }
    }

    @Test("the --json document has the fields SPEC §3 names")
    func json() throws {
        let output = try render()
        let text = JSONWriter.write(output.json)
        let root = try JSONParser.parse(text)
        #expect(root.members?.map(\.key).prefix(7) == ["run_id", "scenario", "db", "report", "paths", "days", "seed"])
        let s = try #require(root["strategies"]?.elements?.first)
        for key in ["name", "final_equity", "equity_quantiles", "total_return", "apy", "max_drawdown", "var_95", "cvar_95",
                    "liquidation_probability", "liquidations", "min_health_factor", "layers"] {
            #expect(s[key] != nil, "missing \(key)")
        }
        #expect(s["min_health_factor"]?.value == .null)
        let layer = try #require(s["layers"]?.elements?.first)
        #expect(layer.members?.map(\.key) == ["id", "type", "asset", "amount", "value", "debt", "yield", "yield_value"])
        // Independent: flexible's final equity in closed form, to 1e-9 relative.
        expectRelative(s["final_equity"]?.double ?? 0, TestSupport.goldenFlexibleFinalEquity, 1e-9)
        #expect(s["name"]?.string == "flexible")
        #expect(root["paths"]?.int == 1)
        #expect(root["days"]?.int == 40)
    }
}
