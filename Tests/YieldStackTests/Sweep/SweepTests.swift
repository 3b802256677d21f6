import Foundation
import Testing
@testable import YieldStack

@Suite("Sweep")
struct SweepTests {
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
}
