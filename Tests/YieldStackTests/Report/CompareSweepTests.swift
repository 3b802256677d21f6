import Foundation
import Testing
@testable import YieldStack

@Suite("Sweep and compare")
struct CompareSweepTests {
    func golden() throws -> LoadedScenario { try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json")) }

    @Test("--set parses key paths as in error messages, JSON values and bare words, and commas only at top level")
    func parseAxis() throws {
        let a = try SweepAxis.parse("strategies[0].layers[1].target_ltv=0.5, 0.6,0.7").get()
        #expect(a.path.description == "strategies[0].layers[1].target_ltv")
        #expect(a.values == [.number(0.5), .number(0.6), .number(0.7)])
        let b = try SweepAxis.parse("strategies[0].layers[0].oracle=market,underlying").get()
        #expect(b.values == [.string("market"), .string("underlying")])
        let c = try SweepAxis.parse("strategies[0].layers[0].range=[0.9,1.1],[0.8,1.2]").get()
        #expect(c.values.count == 2)
        #expect(c.values[0] == JSONBuild.array([.number(0.9), .number(1.1)]))
        for bad in ["nokey", "a..b=1", "x=", "x=1,,2"] {
            guard case .failure = SweepAxis.parse(bad) else { Issue.record("\(bad) parsed"); continue }
        }
    }

    @Test("the grid is the product of the axes, first axis slowest; each variant is named after what it sets")
    func grid() throws {
        let base = try golden()
        let axes = [try SweepAxis.parse("strategies[0].layers[0].apy=0.01,0.02").get(),
                    try SweepAxis.parse("strategies[1].layers[0].term_days=10,20,30").get()]
        let variants = try Sweep.variants(of: base, axes: axes).get()
        #expect(variants.count == 6)
        #expect(variants[1].label == "strategies[0].layers[0].apy=0.01, strategies[1].layers[0].term_days=20")
        #expect(variants[3].loaded.scenario.name.hasSuffix("[strategies[0].layers[0].apy=0.02, strategies[1].layers[0].term_days=10]"))
        guard let lock = variants[5].loaded.scenario.strategies[1].layers[0].kind as? LockedStakingSpec,
              let soft = variants[5].loaded.scenario.strategies[0].layers[0].kind as? SoftStakingSpec else {
            Issue.record("wrong layer kinds"); return
        }
        #expect(lock.termDays == 30)
        #expect(soft.apy.fixedValue == 0.02)
    }

    @Test("a variant the schema rejects is reported with its label before anything runs (exit 65); a missing parent is a usage error (64)")
    func invalidVariants() throws {
        let base = try golden()
        let bad = try SweepAxis.parse("strategies[1].layers[0].term_days=30,-5").get()
        guard case .failure(let failure) = Sweep.variants(of: base, axes: [bad]) else { Issue.record("accepted"); return }
        #expect(failure.exitCode == 65)
        #expect(failure.description.contains("[strategies[1].layers[0].term_days=-5] must be in [1, 36500], got -5"))
        let missing = try SweepAxis.parse("strategies[7].layers[0].apr=0.1").get()
        guard case .failure(let usage) = Sweep.variants(of: base, axes: [missing]) else { Issue.record("accepted"); return }
        #expect(usage.exitCode == 64)
    }

    @Test("comparing two stored runs: matched by strategy name, paired only when the markets are the same")
    func compareRuns() throws {
        let store = try ResultStore()
        let base = try golden()
        let first = try RunPipeline.run(base, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" })
        let variant = try Sweep.variants(of: base, axes: [try SweepAxis.parse("strategies[1].layers[0].apr=0.3").get()]).get()[0]
        let second = try RunPipeline.run(variant.loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" })
        #expect(StoredRun.sameMarket(first.stored, second.stored))
        let text = ComparisonReport.render(first.stored, second.stored, databasePath: ":memory:")
        #expect(text.contains("# Comparison of runs 1 and 2"))
        #expect(text.contains("Both runs saw the same market paths"))
        #expect(text.contains("## locked"))
        // The locked strategy earns more at 30 % than at 12 %: run 2 ends above run 1 on the one path.
        #expect(text.contains("Path by path, run 2 ended above run 1 on 100.00 % of paths."))
        let differentMarket = try Sweep.variants(of: base, axes: [try SweepAxis.parse("market.shocks[0].price_change=-0.5").get()]).get()[0]
        let third = try RunPipeline.run(differentMarket.loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" })
        #expect(!StoredRun.sameMarket(first.stored, third.stored))
        #expect(!ComparisonReport.render(first.stored, third.stored, databasePath: "x").contains("Path by path"))
    }

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
        #expect(report.contains("### Head to head"))
        let s = try #require(out.stored.strategies.first { $0.name == "market-oracle" })
        // The tail sentence follows the sign of VaR: a loss is "lost more than", a gain "gained at least".
        let var95 = try #require(s.metric("var_95"))
        #expect(report.contains(var95 > 0 ? "in 5 % of 40 simulated markets it lost more than" : "even in the worst 5 % of 40 simulated markets it gained at least"))
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
