import Foundation
import Testing
@testable import YieldStack

// Kept with the CLI tests because the CLI prints these warnings; the checks
// themselves are ScenarioWarnings' (Sources/YieldStack/Scenario).

/// Valid scenarios that are probably mistakes: warnings, not errors.
@Suite("Scenario warnings")
struct ScenarioWarningsTests {
    let hold = """
        [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
        """

    @Test("a rate above 1 on a layer or a rate shock is a warning with its key path and position; the run still loads")
    func ratesAboveOne() throws {
        let json = TestSupport.scenario(days: 40, shocks: """
            [ { "day": 3, "layer": "lock", "apr": 1.5, "duration_days": 2 } ]
            """, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 },
                "layers": [ { "id": "lock", "type": "locked_staking", "apr": 3.2, "term_days": 30 } ] },
              { "name": "t", "capital": { "asset": "TOK", "amount": 1 },
                "layers": [ { "id": "earn", "type": "soft_staking", "apy": 0.05 } ] } ]
            """)
        let loaded = try TestSupport.load(json)
        let warnings = loaded.warnings.map { "\($0.path): \($0.message)" }
        #expect(warnings == [
            "market.shocks[0].apr: warning: is 1.5 (150 %); rates are decimals, 0.05 = 5 %; did you mean 0.015?",
            "strategies[0].layers[0].apr: warning: is 3.2 (320 %); rates are decimals, 0.05 = 5 %; did you mean 0.032?",
        ])
        let apr = try #require(loaded.warnings.last)
        let line = json.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(#""apr": 3.2"#) }.map { $0 + 1 }
        #expect(apr.location.line == line)
    }

    @Test("lending supply_apr and borrow_apr above 1 warn; rates of 1 or less and numbers inside a rate model do not")
    func lendingRates() throws {
        let tree = try JSONParser.parse("""
            { "strategies": [ { "layers": [
                { "id": "a", "type": "lending", "supply_apr": 2, "borrow_apr": { "model": "kinked", "base": 4 } },
                { "id": "b", "type": "lending", "supply_apr": 1, "borrow_apr": 25 } ] } ] }
            """)
        let warnings = ScenarioWarnings.rates(tree: tree, file: "f.json").map { "\($0.path): \($0.message)" }
        #expect(warnings == [
            "strategies[0].layers[0].supply_apr: warning: is 2 (200 %); rates are decimals, 0.05 = 5 %; did you mean 0.02?",
            "strategies[0].layers[1].borrow_apr: warning: is 25 (2500 %); rates are decimals, 0.05 = 5 %; did you mean 0.25?",
        ])
    }

    @Test("paths > 1 without a gbm or mean_reverting model warns that the paths are identical; all of them still run")
    func identicalPaths() throws {
        let constant = try TestSupport.load(TestSupport.scenario(days: 5, paths: 10, strategies: hold))
        #expect(constant.scenario.paths == 10, "the count asked for is kept")
        #expect(constant.warnings.map(\.description) == [
            "test.json:2:65: paths: warning: all 10 paths would be identical: no gbm or mean_reverting model; running all 10 as asked (paths 10), but 1 path gives the same figures",
        ])
        // --paths replaces the file's count in the warning, and can bring it or take it away.
        let override = ScenarioWarnings.replacingPaths(constant.warnings, constant.scenario, paths: 4, tree: constant.tree, file: "test.json")
        #expect(override.map(\.message) == [
            "warning: all 4 paths would be identical: no gbm or mean_reverting model; running all 4 as asked (--paths 4), but 1 path gives the same figures",
        ])
        #expect(ScenarioWarnings.replacingPaths(constant.warnings, constant.scenario, paths: 1, tree: constant.tree, file: "test.json").isEmpty)
        #expect(ScenarioWarnings.replacingPaths(constant.warnings, constant.scenario, paths: nil, tree: constant.tree, file: "test.json") == constant.warnings)

        let one = try TestSupport.load(TestSupport.scenario(days: 5, paths: 1, strategies: hold))
        #expect(one.warnings.isEmpty)
        let random = try TestSupport.load(TestSupport.scenario(days: 5, price: #"{ "model": "gbm", "start": 2, "volatility": 0.5 }"#, paths: 10, strategies: hold))
        #expect(random.warnings.isEmpty)
    }

    @Test("the shipped scenarios raise no warning of these kinds")
    func shippedScenarios() throws {
        let dir = TestSupport.repositoryRoot + "/scenarios"
        for name in try FileManager.default.contentsOfDirectory(atPath: dir).filter({ $0.hasSuffix(".json") }).sorted() {
            let loaded = try ScenarioLoader.load(path: dir + "/" + name)
            let ours = loaded.warnings.filter { $0.message.contains("rates are decimals") || $0.message.contains("would be identical") }
            #expect(ours.isEmpty, "\(name): \(ours)")
        }
    }
}
