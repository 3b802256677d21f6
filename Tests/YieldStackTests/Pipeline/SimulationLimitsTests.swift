import Foundation
import Testing
@testable import YieldStack

@Suite("Memory estimate")
struct SimulationLimitsTests {
    @Test("--paths 100000 --store-paths 100000 on the four-layer stack is refused up front (exit 65) with the estimate, computed here by hand")
    func refusedWithEstimate() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/steth-aave-curve.json")
        let s = loaded.scenario
        let strategies = Double(s.strategies.count), layers = Double(s.strategies.reduce(0) { $0 + $1.layers.count })
        let assets = Double(s.market.assets.count), days = Double(s.days)
        // 8 bytes a path-day per strategy, 2.2 copies; the stored rows twice; 400 bytes of per-path state per strategy.
        let expected = 8 * 1e5 * days * strategies * 2.2 + 2 * 1e5 * days * (48 * strategies + 104 * layers + 48 * assets) + 400 * 1e5 * strategies
        let estimate = MemoryEstimate(scenario: s, paths: 100_000, storePaths: 100_000)
        expectRelative(Double(estimate.bytes), expected, 1e-12)
        #expect(expected > 40 * 1_073_741_824.0, "the case of the issue needs tens of GiB")
        let exceeded = try #require(SimulationLimits.check(scenario: s, file: "x.json", options: SimulationOptions(paths: 100_000, storePaths: 100_000)))
        #expect(exceeded.exitCode == 65)
        #expect(exceeded.description.hasPrefix("x.json: this run would need about \(MemoryEstimate.text(estimate.bytes)) of memory"))
        // The default 100 stored paths fit.
        #expect(SimulationLimits.check(scenario: s, file: "x.json", options: SimulationOptions(paths: 100_000, storePaths: 100)) == nil)
    }
}

@Suite("Run phases")
struct RunPhaseTests {
    final class Calls: @unchecked Sendable {
        var rendering = 0
        var storedRunsAtRendering = -1
    }

    @Test("the pipeline announces rendering once, after the run is stored, so the progress line can name the phase")
    func renderingAfterStoring() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        let store = try ResultStore()
        let calls = Calls()
        _ = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" },
                                rendering: { calls.rendering += 1; calls.storedRunsAtRendering = (try? store.runIDs().count) ?? -1 })
        #expect(calls.rendering == 1)
        #expect(calls.storedRunsAtRendering == 1)
    }
}
