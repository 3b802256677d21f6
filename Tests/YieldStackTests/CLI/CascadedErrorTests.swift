import Foundation
import Testing
@testable import YieldStack

// With the CLI tests because they are what `yieldstack validate` prints; the
// checks are ScenarioValidator's.

/// One mistake, one message: an error must not bring follow-on errors about
/// what depends on the mistaken value.
@Suite("One mistake, one message")
struct CascadedErrorTests {
    /// The shipped 3× stETH loop, with one edit.
    func stethLoop(_ edit: (String) -> String) throws -> String {
        let text = try String(contentsOfFile: TestSupport.repositoryRoot + "/scenarios/steth-loop.json", encoding: .utf8)
        let edited = edit(text)
        #expect(edited != text, "the edit applies")
        return edited
    }

    func messages(_ json: String) -> [String] {
        TestSupport.diagnostics(json).map { "\($0.path): \($0.message)" }
    }

    @Test("a liquid_staking receipt that is not in the market is the only error, not also the loop that converts through it")
    func unknownReceipt() throws {
        let json = try stethLoop { text in
            // The first strategy's lido only.
            guard let r = text.range(of: #""receipt": "stETH""#) else { return text }
            return text.replacingCharacters(in: r, with: #""receipt": "wstETH""#)
        }
        #expect(messages(json) == ["strategies[0].layers[0].receipt: unknown asset 'wstETH' (did you mean 'stETH'?)"])
    }

    @Test("a later layer's own problems are still reported after an unknown receipt")
    func unknownReceiptKeepsOtherErrors() throws {
        // The first strategy's lido receipt and its aave threshold (below max_ltv 0.75).
        let json = try stethLoop { text in
            var out = text
            for (old, new) in [(#""receipt": "stETH""#, #""receipt": "wstETH""#), (#""liquidation_threshold": 0.8"#, #""liquidation_threshold": 0.7"#)] {
                if let r = out.range(of: old) { out.replaceSubrange(r, with: new) }
            }
            return out
        }
        #expect(messages(json) == [
            "strategies[0].layers[0].receipt: unknown asset 'wstETH' (did you mean 'stETH'?)",
            "strategies[0].layers[1].liquidation_threshold: must be greater than max_ltv (0.75), got 0.7",
        ])
    }

    @Test("\"days\": \"180\" is one error: no shock, flow or rule day is reported after the last day")
    func daysAsString() throws {
        let json = try stethLoop { $0.replacingOccurrences(of: #""days": 180"#, with: #""days": "180""#) }
        #expect(messages(json) == ["days: must be a number, got a string"])
    }

    @Test("a misspelled \"stratgies\" is reported by the schema, not also as shocks naming unknown layers")
    func misspelledStrategies() throws {
        let json = try stethLoop { $0.replacingOccurrences(of: #""strategies":"#, with: #""stratgies":"#) }
        // The schema's pair (missing key, unknown key with the fix) and nothing about the rate shock's layer 'aave'.
        #expect(messages(json) == [
            "strategies: required key is missing",
            "stratgies: unknown key 'stratgies' (did you mean 'strategies'?)",
        ])
    }

    @Test("a shock naming a layer no strategy has is still an error when the strategies are readable")
    func unknownShockLayerStillReported() throws {
        let json = try stethLoop { $0.replacingOccurrences(of: #""layer": "aave""#, with: #""layer": "aavee""#) }
        #expect(messages(json) == ["market.shocks[1].layer: no strategy has a layer 'aavee' (did you mean 'aave'?)"])
    }
}
