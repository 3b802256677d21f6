import Testing
@testable import YieldStack

/// `ShockApplier` and `MarketDay` on a runner's components, without the loop.
@Suite("Shocks and the day view")
struct ShockApplierTests {
    /// TOK at a constant 2, two paths, a `hold` wallet of 1000 TOK, opened on day 0.
    static func opened(shocks: String) throws -> StrategyRunner {
        let json = TestSupport.scenario(days: 5, shocks: shocks, paths: 2, strategies: """
        [ { "name": "s", "capital": { "asset": "TOK", "amount": 1000 }, "layers": [ { "id": "wallet", "type": "hold" } ] } ]
        """)
        let scenario = try TestSupport.load(json).scenario
        let market = MarketChunk(scenario: scenario, firstPath: 0, count: scenario.paths)
        let runner = StrategyRunner(scenario: scenario, strategyIndex: 0, market: market, recording: RecordingPlan(storePaths: 0))
        runner.ctx.begin(MarketDay(market: market, day: 0))
        _ = runner.layers[0].open(input: runner.arena.vector(1000), keep: 1, ctx: runner.ctx)
        return runner
    }

    @Test("an exploit takes its fraction of every slot the layer holds, booked as exploit losses at today's price")
    func exploit() throws {
        let runner = try Self.opened(shocks: #"[ { "day": 1, "layer": "wallet", "exploit": 0.25 } ]"#)
        let ctx = runner.ctx
        runner.shocks.apply(day: 0)
        #expect(runner.layers[0].amount(0) == 1000, "a shock of day 1 does nothing on day 0")
        ctx.begin(MarketDay(market: runner.market, day: 1))
        runner.shocks.apply(day: 1)
        for p in 0..<2 {
            #expect(runner.layers[0].amount(p) == 750)
            // 250 TOK lost at 2 each.
            #expect(runner.ledger.attribution(0, .exploit)[p] == -500)
            let events = ctx.events.filter { $0.kind == .shock && $0.path == p }
            #expect(events.count == 1)
            #expect(events.first?.value == 500)
        }
    }

    @Test("a market shock is recorded once, as an event with no path")
    func marketShockRecorded() throws {
        let runner = try Self.opened(shocks: #"[ { "day": 0, "asset": "TOK", "price_change": -0.5 } ]"#)
        runner.shocks.apply(day: 0)
        let events = runner.ctx.events.filter { $0.kind == .shock }
        #expect(events.count == 1)
        #expect(events.first?.path == nil)
        #expect(runner.layers[0].amount(0) == 1000, "a price shock moves no tokens")
    }

    @Test("the day view prices assets from the grids and the currency pseudo-asset at 1")
    func marketDay() throws {
        let runner = try Self.opened(shocks: "[]")
        let day = MarketDay(market: runner.market, day: 3)
        runner.ctx.begin(day)
        let tok = try #require(runner.market.index(of: "TOK"))
        #expect(day.price(tok, 1) == 2)
        #expect(day.price(runner.ledger.currencyAsset, 1) == 1)
        #expect(day.ratio(tok, 1) == nil, "TOK has no peg")
        #expect(runner.ctx.day == 3)
        #expect(runner.ctx.price(tok, 1) == day.price(tok, 1))
    }
}
