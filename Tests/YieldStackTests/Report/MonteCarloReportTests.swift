import Foundation
import Testing
@testable import YieldStack

@Suite("Monte Carlo report")
struct MonteCarloReportTests {
    @Test("a Monte Carlo report has fan charts, the worst path's timeline and the head-to-head table")
    func monteCarloReport() throws {
        var loaded = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/steth-loop.json")
        loaded.scenario.paths = 40
        // Give the ratio some randomness so paths differ.
        loaded.scenario.market.assets[1].pricing = .peg(to: "ETH", ratio: MeanRevertingModel(start: 1, mean: 1, speed: 5, volatility: 0.2))
        let out = try RunPipeline.run(loaded, options: SimulationOptions(threads: 2), store: ResultStore(), reportDirectory: nil, now: { "t" })
        let report = out.report
        #expect(report.contains("### Equity fan: market-oracle"))
        #expect(report.contains("- line 1 (blue): market-oracle p95\n- line 2 (orange): market-oracle p50\n- line 3 (green): market-oracle p05\n"))
        // The tail sentence follows the sign of VaR: a loss is "lost more than", a gain "gained at least".
        let var95Sign = try #require(out.stored.strategies[0].metric(.var95))
        #expect(report.contains(var95Sign > 0 ? "in 5 % of 40 simulated markets it lost more than" : "even in the worst 5 % of 40 simulated markets it gained at least"))
        #expect(report.contains("### Head to head"))
        let s = try #require(out.stored.strategies.first { $0.name == "market-oracle" })
        let worst = Int(s.metric("worst_path") ?? 0)
        // The worst path is the one with the largest loss.
        #expect(s.paths[worst].loss == s.paths.map(\.loss).max())
        if worst != 0 { #expect(report.contains("**Worst path (\(worst))**")) }
        // The stored quantiles are the type-7 quantiles of the stored per-path final equity, computed
        // here from a sorted copy: with n = 40, q at h = (n − 1)·q, interpolated between order statistics.
        let sorted = s.paths.map(\.finalEquity).sorted()
        #expect(sorted.count == 40)
        func type7(_ q: Double) -> Double {
            let h = Double(sorted.count - 1) * q, lo = Int(h.rounded(.down))
            return lo + 1 < sorted.count ? sorted[lo] + (h - Double(lo)) * (sorted[lo + 1] - sorted[lo]) : sorted[lo]
        }
        // h = 1.95, 19.5 and 37.05: p05 = x₁ + 0.95 (x₂ − x₁), p50 = (x₁₉ + x₂₀)/2, p95 = x₃₇ + 0.05 (x₃₈ − x₃₇) (0-based).
        expectRelative(type7(0.05), sorted[1] + 0.95 * (sorted[2] - sorted[1]), 1e-15)
        expectRelative(type7(0.5), (sorted[19] + sorted[20]) / 2, 1e-15)
        let scale = abs(type7(0.5))
        expectClose(s.quantiles.last!.p05, type7(0.05), 1e-12 * scale)
        expectClose(s.quantiles.last!.p50, type7(0.5), 1e-12 * scale)
        expectClose(s.metric("equity_p95") ?? 0, type7(0.95), 1e-12 * scale)
        expectClose(s.metric("equity_p05") ?? 0, type7(0.05), 1e-12 * scale)
    }
}
