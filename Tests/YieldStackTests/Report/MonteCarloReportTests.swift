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
        loaded.scenario.market.assets[1].pricing = .peg(to: "ETH", ratio: .meanReverting(MeanRevertingSpec(start: 1, mean: 1, speed: 5, volatility: 0.2)))
        let out = try RunPipeline.run(loaded, options: SimulationOptions(threads: 2), store: ResultStore(), reportDirectory: nil, now: { "t" })
        let report = out.report
        #expect(report.contains("### Equity fan: market-oracle"))
        #expect(report.contains("Lines in order: p05, p25, p50, p75, p95."))
        #expect(report.contains("in 5 % of 40 simulated markets it lost more than"))
        #expect(report.contains("### Head to head"))
        let s = try #require(out.stored.strategies.first { $0.name == "market-oracle" })
        let worst = Int(s.metric("worst_path") ?? 0)
        // The worst path is the one with the largest loss.
        #expect(s.paths[worst].loss == s.paths.map(\.loss).max())
        if worst != 0 { #expect(report.contains("**Worst path (\(worst))**")) }
        // The stored quantiles are the quantiles of the stored per-path final equity.
        var finals = s.paths.map(\.finalEquity)
        let q = Statistics.quantiles(&finals, [0.05, 0.5, 0.95])
        expectClose(s.quantiles.last!.p05, q[0], 1e-9)
        expectClose(s.quantiles.last!.p50, q[1], 1e-9)
        expectClose(s.metric("equity_p95") ?? 0, q[2], 1e-9)
    }
}
