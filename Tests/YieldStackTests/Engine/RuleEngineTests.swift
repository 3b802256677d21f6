import Testing
@testable import YieldStack

/// `RuleEngine` condition evaluation and `once`, on a runner's components
/// without running the day loop.
@Suite("Rule engine")
struct RuleEngineTests {
    /// TOK at a constant 2, two paths, a `hold` wallet of 1000 TOK.
    static func runner(rules: String) throws -> StrategyRunner {
        let json = TestSupport.scenario(days: 10, paths: 2, strategies: """
        [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 },
            "layers": [ { "id": "wallet", "type": "hold" } ],
            "rules": \(rules) } ]
        """)
        let scenario = try TestSupport.load(json).scenario
        let market = MarketChunk(scenario: scenario, firstPath: 0, count: scenario.paths)
        return StrategyRunner(scenario: scenario, strategyIndex: 0, market: market, recording: RecordingPlan(storePaths: 0))
    }

    private func holds(_ runner: StrategyRunner, rule r: Int, path p: Int, day d: Int) -> Bool {
        runner.ctx.begin(MarketDay(market: runner.market, day: d))
        return runner.rules.conditionHolds(runner.rules.conditions[r], p, day: d, equity: runner.equity, performance: runner.performance)
    }

    @Test("below holds strictly under the threshold, above strictly over it")
    func belowAndAbove() throws {
        let runner = try Self.runner(rules: """
        [ { "when": { "metric": "price", "asset": "TOK", "below": 3 }, "then": { "action": "exit" } },
          { "when": { "metric": "price", "asset": "TOK", "below": 2 }, "then": { "action": "exit" } },
          { "when": { "metric": "price", "asset": "TOK", "above": 1 }, "then": { "action": "exit" } },
          { "when": { "metric": "price", "asset": "TOK", "above": 2 }, "then": { "action": "exit" } } ]
        """)
        #expect(holds(runner, rule: 0, path: 0, day: 0))
        #expect(!holds(runner, rule: 1, path: 0, day: 0), "price 2 is not below 2")
        #expect(holds(runner, rule: 2, path: 0, day: 0))
        #expect(!holds(runner, rule: 3, path: 0, day: 0), "price 2 is not above 2")
    }

    @Test("equity and drawdown conditions read each path's own figures")
    func perPathMetrics() throws {
        let runner = try Self.runner(rules: """
        [ { "when": { "metric": "equity", "below": 100 }, "then": { "action": "exit" } },
          { "when": { "metric": "drawdown", "above": 0.15 }, "then": { "action": "exit" } } ]
        """)
        let perf = runner.performance
        runner.equity[0] = 90
        runner.equity[1] = 110
        #expect(holds(runner, rule: 0, path: 0, day: 3))
        #expect(!holds(runner, rule: 0, path: 1, day: 3))
        // Both paths: index 1.25 at its peak, yesterday's equity 125, no flow.
        for p in 0..<2 {
            perf.initialValue[p] = 100
            perf.index[p] = 1.25
            perf.peak[p] = 1.25
            perf.previousEquity[p] = 125
        }
        // Path 0 at 90: I = 0.9, drawdown 1 − 0.9 / 1.25 = 0.28; path 1 at 110: 0.12.
        #expect(holds(runner, rule: 1, path: 0, day: 3))
        #expect(!holds(runner, rule: 1, path: 1, day: 3))
    }

    @Test("a day condition holds on that day only")
    func dayCondition() throws {
        let runner = try Self.runner(rules: """
        [ { "when": { "day": 4 }, "then": { "action": "exit" } } ]
        """)
        #expect(!holds(runner, rule: 0, path: 0, day: 3))
        #expect(holds(runner, rule: 0, path: 0, day: 4))
        #expect(!holds(runner, rule: 0, path: 0, day: 5))
    }

    @Test("a once rule acts on each path once; a rule without once acts every day its condition holds")
    func once() throws {
        let runner = try Self.runner(rules: """
        [ { "when": { "metric": "price", "asset": "TOK", "below": 3 }, "then": { "action": "withdraw", "layer": "wallet", "fraction": 0.5 }, "once": true },
          { "when": { "metric": "price", "asset": "TOK", "below": 3 }, "then": { "action": "withdraw", "layer": "wallet", "fraction": 0.5 } } ]
        """)
        let ctx = runner.ctx
        ctx.begin(MarketDay(market: runner.market, day: 0))
        let capital = runner.arena.vector(1000)
        _ = runner.layers[0].open(input: capital, keep: 1, ctx: ctx)
        for d in 0..<3 {
            ctx.begin(MarketDay(market: runner.market, day: d))
            runner.rules.apply(day: d, equity: runner.equity, performance: runner.performance)
        }
        for p in 0..<2 {
            let fired = ctx.events.filter { $0.kind == .rule && $0.path == p }
            let byRule = { (r: Int) in fired.filter { $0.detail.contains("\"rule\":\(r),") }.count }
            #expect(byRule(0) == 1, "path \(p)")
            #expect(byRule(1) == 3, "path \(p)")
            #expect(runner.rules.fired[0][p] == 1)
            // 1000 halved four times: 62.5 TOK left in the wallet.
            #expect(runner.layers[0].amount(p) == 62.5)
        }
    }
}
