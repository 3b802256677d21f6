import Foundation
import Testing
@testable import YieldStack

@Suite("Positions add up")
struct SpotTests {
    @Test("Σ layer values + spot = final equity to 1e-9 in --json and the metrics, for steth-loop and june-2022-replay", arguments: ["steth-loop", "june-2022-replay"])
    func addsUp(_ name: String) throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/\(name).json")
        let out = try RunPipeline.run(loaded, options: SimulationOptions(), store: ResultStore(), reportDirectory: nil, now: { "t" })
        for s in out.stored.strategies {
            let layers = s.layers.reduce(0.0) { $0 + (s.metric(Metric.layer($1.id, .value)) ?? .nan) }
            let spot = try #require(s.metric(.spot))
            let final = try #require(s.metric(.finalEquity))
            expectClose(layers + spot, final, 1e-9 * max(1, abs(final)))
        }
        guard case .object(let top) = out.json, let strategies = top.first(where: { $0.key == "strategies" })?.node.elements else {
            Issue.record("no strategies in --json"); return
        }
        for s in strategies {
            let final = try #require(s["final_equity"]?.double), spot = try #require(s["spot"]?.double)
            let values = (s["layers"]?.elements ?? []).compactMap { $0["value"]?.double }
            expectClose(values.reduce(0, +) + spot, final, 1e-9 * max(1, abs(final)))
        }
    }
}
