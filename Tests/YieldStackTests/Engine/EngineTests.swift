import Foundation
import Testing
@testable import YieldStack

@Suite("Engine")
struct EngineTests {
    /// A busy scenario: random prices, flows, a soft, a locked and a hold layer,
    /// rules with costs and slippage, conversion to USDC.
    static let busy = """
    { "name": "busy", "start": "2024-01-01", "days": 120, "seed": 5, "paths": 40,
      "market": {
        "assets": { "TOK": { "price": { "model": "gbm", "start": 50, "drift": 0.05, "volatility": 0.9 } },
                    "USDC": { "price": { "model": "constant", "value": 1 } } },
        "shocks": [ { "day": 40, "asset": "TOK", "price_change": -0.3 } ] },
      "strategies": [
        { "name": "split", "capital": { "asset": "TOK", "amount": 1000 },
          "layers": [ { "id": "wallet", "type": "hold" },
                      { "id": "earn", "type": "soft_staking", "input": { "from": "wallet", "fraction": 0.5 }, "apy": 0.04, "max_balance": 400 },
                      { "id": "lock", "type": "locked_staking", "input": { "from": "wallet", "fraction": 0.3 }, "apr": 0.1, "term_days": 30,
                        "payout": "daily", "early_exit": { "penalty": 0.05 }, "unbonding_days": 3, "renew": true } ],
          "rules": [ { "when": { "metric": "drawdown", "above": 0.35 }, "then": { "action": "exit", "to": "USDC", "cost": 10, "slippage": 0.01 }, "once": true },
                     { "when": { "day": 70 }, "then": { "action": "withdraw", "layer": "earn", "fraction": 0.5, "cost": 2 } } ],
          "flows": [ { "day": 10, "hour": 6, "amount": 200 }, { "day": 60, "amount": -100 } ] },
        { "name": "lock-only", "capital": { "asset": "TOK", "amount": 1000 },
          "layers": [ { "id": "lock", "type": "locked_staking", "apr": 0.2, "term_days": 45, "early_exit": "forfeit_rewards" } ],
          "rules": [ { "when": { "metric": "price", "asset": "TOK", "below": 30 }, "then": { "action": "exit", "to": "USDC", "slippage": 0.002 } } ] } ] }
    """

    @Test("attribution sources plus net flows add up to the equity change on every path (1e-9 relative)")
    func attributionAddsUp() throws {
        let r = try TestSupport.run(Self.busy)
        for s in r.strategies {
            for p in 0..<s.count {
                let sources = s.attribution.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + $1[p] } }
                let change = s.paths[p].finalEquity - s.paths[p].initialValue
                expectRelative(sources + s.paths[p].netFlows, change, 1e-9, "strategy \(s.name) path \(p)")
            }
        }
    }

    @Test("the stored last day of each layer is its final state (1e-12 relative)")
    func storedLastDayIsFinal() throws {
        let r = try TestSupport.run(Self.busy)
        for s in r.strategies {
            let layers = s.layers.reduce(0.0) { $0 + $1.value[0] }
            let last = s.layerDaily.filter { $0.path == 0 && $0.day == s.days - 1 }.reduce(0.0) { $0 + $1.value }
            expectRelative(last, layers, 1e-12, "strategy \(s.name)")
        }
    }

    @Test("equity is the sum of the layers' values and the spot wallet, each computed by hand (1e-12 relative)")
    func equityIsSumOfParts() throws {
        // TOK at 2 for 10 days. 1,000 TOK: the wallet keeps 20 %, 50 % earns 3.65 % APY compounded
        // daily (r = 0.0001 a day, 10 accruals), 30 % is locked at 3.65 % APR paid daily into spot.
        let s = try TestSupport.run(TestSupport.scenario(days: 10, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 },
                "layers": [ { "id": "wallet", "type": "hold" },
                            { "id": "earn", "type": "soft_staking", "input": { "from": "wallet", "fraction": 0.5 }, "apy": 0.0365, "auto_compound": true },
                            { "id": "lock", "type": "locked_staking", "input": { "from": "wallet", "fraction": 0.3 }, "apr": 0.0365,
                              "term_days": 365, "payout": "daily" } ] } ]
            """)).strategies[0]
        let wallet = 200.0 * 2, earn = 500 * pow(1.0001, 10.0) * 2, lock = 300.0 * 2
        let spot = 300 * 0.0001 * 10 * 2
        expectRelative(s.layers[0].value[0], wallet, 1e-12, "wallet")
        expectRelative(s.layers[1].value[0], earn, 1e-12, "earn")
        expectRelative(s.layers[2].value[0], lock, 1e-12, "lock")
        expectRelative(s.paths[0].finalEquity, wallet + earn + lock + spot, 1e-12, "equity")
        let layers = s.layers.reduce(0.0) { $0 + $1.value[0] }
        expectClose(s.paths[0].finalEquity - layers, spot, 1e-9, "spot holds the lock's daily payouts")
    }

    @Test("results are bit-identical whatever the thread count and chunk size")
    func threadIndependence() throws {
        let scenario = try TestSupport.load(Self.busy).scenario
        let one = try Simulation.run(scenario, options: SimulationOptions(threads: 1, chunkSize: 40))
        let two = try Simulation.run(scenario, options: SimulationOptions(threads: 2, chunkSize: 7))
        for (a, b) in zip(one.strategies, two.strategies) {
            // Compared as booleans so that a failure does not print the arrays.
            let same = (equity: a.equity == b.equity, paths: a.paths == b.paths, daily: a.daily == b.daily,
                        layerDaily: a.layerDaily == b.layerDaily, events: a.events == b.events, attribution: a.attribution == b.attribution)
            #expect(same.equity && same.paths && same.daily && same.layerDaily && same.events && same.attribution, "\(same)")
        }
    }

    @Test("paths > 1 run, and each path differs under a random market")
    func monteCarlo() throws {
        let r = try TestSupport.run(Self.busy)
        let finals = Set(r.strategies[0].paths.map(\.finalEquity))
        #expect(finals.count == 40)
        #expect(r.strategies[0].daily.filter { $0.day == 0 }.count == 40)
    }

    @Test("Modified Dietz return and a time-weighted drawdown that ignores deposits")
    func flowsAndReturns() throws {
        // Price 1 for days 0–49, 2 from day 50; 1,000 more tokens deposited on day 50.
        let values = (0..<100).map { $0 < 50 ? "1" : "2" }.joined(separator: ",")
        let r = try TestSupport.run(TestSupport.scenario(days: 100, price: #"{ "model": "series", "values": [\#(values)] }"#, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 }, "layers": [ { "id": "h", "type": "hold" } ],
                "flows": [ { "day": 50, "amount": 1000 } ] } ]
            """))
        let o = r.strategies[0].paths[0]
        // Profit 4000 − 1000 − 2000 = 1000 on a base of 1000 + 0.5 × 2000.
        expectClose(o.netFlows, 2000, 1e-9)
        expectClose(o.finalEquity, 4000, 1e-9)
        expectClose(o.totalReturn, 0.5, 1e-12)
        #expect(o.maxDrawdown == 0)
    }

    @Test("a withdrawal is not a drawdown, so it does not trigger a drawdown rule")
    func withdrawalIsNotDrawdown() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 10, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 }, "layers": [ { "id": "h", "type": "hold" } ],
                "rules": [ { "when": { "metric": "drawdown", "above": 0.1 }, "then": { "action": "exit", "to": "USDC" } } ],
                "flows": [ { "day": 3, "amount": -600 } ] } ]
            """))
        #expect(!r.strategies[0].events.contains { $0.kind == .rule })
        #expect(r.strategies[0].paths[0].maxDrawdown == 0)
    }

    @Test("exit to an asset converts at the market price less slippage, and charges the fixed cost once")
    func exitConversion() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 5, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 },
                "layers": [ { "id": "a", "type": "hold" }, { "id": "b", "type": "soft_staking", "apy": 0 } ],
                "rules": [ { "when": { "day": 2 }, "then": { "action": "exit", "to": "USDC", "cost": 5, "slippage": 0.01 } } ] } ]
            """))
        // 1,000 TOK at 2 = 2,000; 1 % slippage and 5 of gas.
        expectClose(r.strategies[0].paths[0].finalEquity, 2000 * 0.99 - 5, 1e-9)
        let rule = try #require(r.strategies[0].events.first { $0.kind == .rule })
        #expect(rule.day == 2)
        #expect(r.strategies[0].events.filter { $0.kind == .rule }.count == 1, "nothing left to exit after day 2")
    }

    @Test("a once rule fires at most once per path; others fire whenever their condition holds")
    func onceRules() throws {
        let r = try TestSupport.run(TestSupport.scenario(days: 6, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 }, "layers": [ { "id": "h", "type": "hold" } ],
                "rules": [ { "when": { "metric": "price", "asset": "TOK", "above": 1 }, "then": { "action": "withdraw", "layer": "h", "fraction": 0.5 }, "once": true },
                           { "when": { "metric": "equity", "above": 0 }, "then": { "action": "withdraw", "layer": "h", "fraction": 0.1 } } ] } ]
            """))
        let fired = r.strategies[0].events.filter { $0.kind == .rule }
        #expect(fired.filter { $0.detail.contains("\"rule\":0") }.count == 1)
        #expect(fired.filter { $0.detail.contains("\"rule\":1") }.count == 6)
        expectClose(r.strategies[0].layers[0].amount[0], 1000 * 0.5 * pow(0.9, 6), 1e-9)
    }

    @Test("a value that overflows to infinity is an engine fault naming the strategy, day, path and layer")
    func faultMessage() throws {
        // 10 TOK at 1 on day 0 and 1e308 from day 1: the holding is worth 1e309, which is +inf in a Double.
        // The prices are set on the decoded scenario, so the test does not depend on what the validator accepts.
        let scenario = try TestSupport.overflowScenario().scenario
        do throws(EngineFault) {
            _ = try Simulation.run(scenario, options: SimulationOptions(threads: 1))
            Issue.record("an infinite equity was not detected")
        } catch {
            #expect(error.strategy == "overflow")
            #expect(error.day == 1)
            #expect(error.path == 0)
            #expect(error.layer == "h")
            #expect(error.description == "internal error in strategy 'overflow', day 1, path 0, layer 'h': equity is inf. This is a bug; please report it with the scenario file.")
        }
    }
}
