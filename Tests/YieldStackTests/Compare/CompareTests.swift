import Foundation
import Testing
@testable import YieldStack

@Suite("Compare")
struct CompareTests {
    func golden() throws -> LoadedScenario { try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json")) }

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

    @Test("the break-even search finds a known root and reports when there is none")
    func breakEvenSearch() throws {
        let root = try LockAnalyzer.breakEven { (apr: Double) throws(EngineFault) in (apr - 0.0731) * (1 + apr) }
        expectClose(root.root ?? -1, 0.0731, 1e-7)
        let ahead = try LockAnalyzer.breakEven { (apr: Double) throws(EngineFault) in 1 + apr }
        #expect(ahead.root == nil && ahead.aheadAtZero)
        let never = try LockAnalyzer.breakEven { (apr: Double) throws(EngineFault) in -1 }
        #expect(never.root == nil && !never.aheadAtZero)
    }
}
