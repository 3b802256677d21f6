import Foundation
import Testing
@testable import YieldStack

@Suite("Memory estimate")
struct SimulationLimitsTests {
    @Test("--paths 100000 --store-paths 100000 on the four-layer stack is refused up front (exit 65) with the estimate, computed here by hand")
    func refusedWithEstimate() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/steth-aave-curve.json")
        let s = loaded.scenario
        #expect(s.days == 365 && s.strategies.map(\.layers.count) == [4, 1] && s.market.assets.count == 4)
        // 100,000 × 365 = 36.5M path-days > 16M: sketch mode, 8 binades of 4 KiB pages (×8 per binade) and 67
        // limbs a day, two strategies: 262,680 × 365 × 2 = 191,756,400.
        // Per path: 120 + 48·4 + 8·26·5 + 64 = 1,416 and 120 + 48 + 8·26·2 + 64 = 648, so 2,064 × 100,000 = 206,400,000.
        // Stored rows, twice: 2 × 100,000 × 365 × (48·2 + 104·5 + 48·4 = 808) = 58,984,000,000. Base: 64 MiB.
        let expected = 191_756_400.0 + 206_400_000 + 58_984_000_000 + 67_108_864
        let estimate = MemoryEstimate(scenario: s, paths: 100_000, storePaths: 100_000)
        #expect(Double(estimate.bytes) == expected)
        #expect(expected > 40 * 1_073_741_824.0, "the case of the issue needs tens of GiB")
        let exceeded = try #require(SimulationLimits.check(scenario: s, file: "x.json", options: SimulationOptions(paths: 100_000, storePaths: 100_000)))
        #expect(exceeded.exitCode == 65)
        #expect(exceeded.description.hasPrefix("x.json: this run would need about \(MemoryEstimate.text(estimate.bytes)) of memory "
            + "(197 MiB for the results of 100000 paths, 183 MiB for daily equity in sketches, 54.9 GiB for the daily rows of 100000 stored paths)"))
        // The default 100 stored paths fit.
        #expect(SimulationLimits.check(scenario: s, file: "x.json", options: SimulationOptions(paths: 100_000, storePaths: 100)) == nil)
    }

    @Test("below 16M path-days every path-day is kept: 10,000 paths of the stack, by hand")
    func exactModeEstimate() throws {
        let s = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/steth-aave-curve.json").scenario
        // 8 × 10,000 × 365 × 2 = 58,400,000; 2,064 × 10,000 = 20,640,000; 2 × 100 × 365 × 808 = 58,984,000; 64 MiB.
        let estimate = MemoryEstimate(scenario: s, paths: 10_000, storePaths: 100)
        #expect(Double(estimate.bytes) == 58_400_000 + 20_640_000 + 58_984_000 + 67_108_864)
        #expect(estimate.breakdown.contains("56 MiB for daily equity kept exactly"))
        // A million paths (the performance issue's case) are estimated at 2.2 GiB, above the 1.7 GiB measured.
        let million = MemoryEstimate(scenario: s, paths: 1_000_000, storePaths: 100)
        #expect(Double(million.bytes) == 191_756_400 + 2_064_000_000 + 58_984_000 + 67_108_864)
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
