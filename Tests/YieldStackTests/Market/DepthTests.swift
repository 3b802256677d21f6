import Foundation
import Testing
@testable import YieldStack

/// Market depth and liquidation cascades (SPEC §2.6, DOMAIN "Market depth
/// and cascades"), each against numbers computed independently: closed
/// forms, an invariant solved by bisection here, and rounds worked out by
/// hand (the literals come from a separate script of the DOMAIN formulas).
@Suite("Market depth and cascades")
struct DepthTests {
    // MARK: Curves

    @Test("constant product: selling q into reserves (x, y) = (L/p, L) returns y·q/(x + q); the marginal price after is (y − Δy)/(x + q)")
    func constantProductSale() {
        let l = 1_000.0, p = 0.98, q = 50.0
        let x = l / p, y = l
        let curve = ConstantProductDepth(liquidity: l)
        let sale = curve.sell(q * p, displacement: 1)
        expectClose(sale.out, y * q / (x + q), 1e-12)
        expectClose(p * sale.displacement, (y - y * q / (x + q)) / (x + q), 1e-12)
        // From a displaced state the reserves are (L/√Δ, L·√Δ) in scaled units.
        let second = curve.sell(20 * p, displacement: sale.displacement)
        let x1 = x + q, y1 = y - sale.out
        expectClose(second.out, y1 * 20 / (x1 + 20), 1e-12)
        // Buying back what was sold returns the pool to balance.
        let back = curve.buy(sale.out, displacement: sale.displacement)
        expectClose(back.out, q * p, 1e-9)
        expectClose(back.displacement, 1, 1e-12)
    }

    /// y solving the two-coin invariant 4a(x + y) + D = 4aD + D³/(4xy) for x, by bisection.
    static func invariantBalance(x: Double, d: Double, a: Double) -> Double {
        func f(_ y: Double) -> Double { 4 * a * (x + y) + d - 4 * a * d - d * d * d / (4 * x * y) }
        var lo = 1e-12 * d, hi = 2 * d
        for _ in 0..<400 {
            let mid = (lo + hi) / 2
            if f(mid) < 0 { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }

    @Test("stableswap: a sale returns the invariant's dy, as an independent bisection solves it, to 1e-9; two sales equal one of their sum")
    func stableSwapSale() {
        for onChainA in [10.0, 50.0, 100.0, 2_000.0] {
            let l = 300_000.0
            let curve = StableSwapDepth(liquidity: l, onChainA: onChainA)
            for dx in [1.0, 5_000.0, 60_000.0, 250_000.0] {
                let sale = curve.sell(dx, displacement: 1)
                let y = Self.invariantBalance(x: l + dx, d: 2 * l, a: onChainA / 2)
                expectClose(sale.out, l - y, 1e-9)
                // Path independence along the invariant: the displaced state is rebuilt from Δ alone.
                let first = curve.sell(dx * 0.4, displacement: 1)
                let rest = curve.sell(dx * 0.6, displacement: first.displacement)
                expectClose(first.out + rest.out, sale.out, 1e-9)
                expectClose(rest.displacement, sale.displacement, 1e-9)
            }
        }
    }

    @Test("a displacement returns linearly to 1 over recover_days, and is gone the next day with 0")
    func decay() {
        expectClose(DepthSpec.decayed(0.9, since: 3, day: 3, recoverDays: 4), 0.9, 0)
        expectClose(DepthSpec.decayed(0.9, since: 3, day: 4, recoverDays: 4), 0.925, 1e-15)
        expectClose(DepthSpec.decayed(0.9, since: 3, day: 6, recoverDays: 4), 0.975, 1e-15)
        #expect(DepthSpec.decayed(0.9, since: 3, day: 7, recoverDays: 4) == 1)
        #expect(DepthSpec.decayed(0.9, since: 3, day: 4, recoverDays: 0) == 1)
    }

    // MARK: Scenarios

    /// ETH at 2000; stETH's ratio 1.0 on day 0 and `ratio` after; stETH has a
    /// constant-product depth of 10,000 ETH a side.
    static func scenario(days: Int = 4, ratio: Double = 0.97, recover: Int = 0, cascades: String = "[]", strategies: String) -> String {
        """
        { "name": "depth", "start": "2024-01-01", "days": \(days), "seed": 3,
          "market": {
            "assets": { "ETH": { "price": { "model": "constant", "value": 2000 } },
                        "stETH": { "peg": { "to": "ETH", "ratio": \(DeFi.stepRatio(ratio, days: days)) },
                                   "depth": { "amm": "constant_product", "liquidity": 10000, "recover_days": \(recover) } } },
            "cascades": \(cascades) },
          "strategies": \(strategies) }
        """
    }

    static func cascade(amount: Double = 1000, buckets: String, extra: String = "") -> String {
        """
        [ { "collateral": "stETH", "debt": "ETH", "collateral_amount": \(amount), "health_factors": \(buckets),
            "liquidation_threshold": 0.8, "liquidation_bonus": 0.075\(extra) } ]
        """
    }

    /// 100 stETH posted, borrowed to LTV `target` (LT 0.8), the ETH kept in a hold layer.
    static func borrower(target: Double = 0.75, rules: String = "[]") -> String {
        """
        [ { "name": "borrower", "capital": { "asset": "stETH", "amount": 100 },
            "layers": [ { "id": "aave", "type": "lending", "borrow": "ETH", "max_ltv": 0.76, "liquidation_threshold": 0.8,
                          "liquidation_bonus": 0.075, "target_ltv": \(target), "borrow_apr": 0 },
                        { "id": "wallet", "type": "hold" } ],
            "rules": \(rules) } ]
        """
    }

    static func summary(_ result: SimulationResult, _ s: Int = 0) -> [String: Double?] {
        let r = result.strategies[s]
        let summary = StrategySummary(result: r, scenario: result.scenario,
                                      layerAssets: result.scenario.strategies[s].layers.map { _ in "" })
        return Dictionary(summary.metrics, uniquingKeysWith: { a, _ in a })
    }

    @Test("one bucket: HF 1.02 at day 0 falls to 0.9894 at 0.97; half its debt (392.157 ETH) is repaid, 434.607 stETH sold, the ratio ends the day at 0.893111")
    func oneBucketCascade() throws {
        let result = try TestSupport.run(Self.scenario(cascades: Self.cascade(buckets: "[[1.02, 1.0]]"), strategies: Self.borrower(target: 0.5)))
        let rounds = result.strategies[0].events.filter { $0.kind == .cascade }
        #expect(rounds.map(\.day) == [1])
        let r = try #require(rounds.first)
        // Debt 1000·0.8/1.02 = 784.314 ETH; repaid 392.157; seized 392.157·1.075/0.97.
        expectClose(r.amount ?? 0, 392.156862745098 * 1.075 / 0.97, 1e-12)
        expectClose(r.amount ?? 0, 434.60683242369106, 1e-12)
        let detail = r.detailDictionary
        expectClose(detail["debt_repaid"] ?? 0, 392.156862745098, 1e-12)
        // Sold into x = y = 10000 at m = 0.97: Δ = (y − out)/(x + dx), dx = 434.607 × 0.97.
        let dx = 434.60683242369106 * 0.97
        let out = 10_000 * dx / (10_000 + dx)
        let delta = (10_000 - out) / (10_000 + dx)
        expectClose(detail["quote_price"] ?? 0, 0.97 * delta, 1e-12)
        expectClose(detail["quote_price"] ?? 0, 0.8931112269451639, 1e-12)
        // The market the strategies see on day 1 is the cascaded one.
        let day1 = try #require(result.marketDaily.first { $0.day == 1 && $0.asset == 1 })
        expectClose(day1.ratio ?? 0, 0.97 * delta, 1e-12)
        expectClose(day1.price, 0.97 * delta * 2000, 1e-9)
        // recover_days 0: gone the next day.
        let day2 = try #require(result.marketDaily.first { $0.day == 2 && $0.asset == 1 })
        expectClose(day2.ratio ?? 0, 0.97, 1e-15)
        // Cascade figures (one path): one day, the sale's value, the impact 1 − Δ.
        let m = Self.summary(result)
        expectClose((m[Metric.cascadeDays.name] ?? 0) ?? 0, 1, 0)
        expectClose((m[Metric.cascadeProbability.name] ?? 0) ?? 0, 1, 0)
        expectClose((m[Metric.cascadeVolume.name] ?? 0) ?? 0, out * 2000, 1e-9)
        expectClose((m[Metric.cascadePriceImpact.name] ?? 0) ?? 0, 1 - delta, 1e-12)
    }

    @Test("two buckets, round by round: bucket 1 first (260.764 stETH), then bucket 2 at the lower price (175.852); the ratio ends at 0.892777")
    func twoBucketCascade() throws {
        let result = try TestSupport.run(Self.scenario(cascades: Self.cascade(buckets: "[[1.02, 0.6], [1.06, 0.4]]"), strategies: Self.borrower(target: 0.5)))
        let rounds = result.strategies[0].events.filter { $0.kind == .cascade }
        #expect(rounds.count == 2)
        #expect(rounds.map { $0.detailDictionary["round"] ?? 0 } == [1, 2])
        // Round 1: bucket 1 (600 stETH, debt 600·0.8/1.02) at HF 0.9894: half repaid.
        let seized1 = 600 * 0.8 / 1.02 * 0.5 * 1.075 / 0.97
        expectClose(rounds[0].amount ?? 0, seized1, 1e-12)
        let dx1 = seized1 * 0.97
        let out1 = 10_000 * dx1 / (10_000 + dx1)
        let delta1 = (10_000 - out1) / (10_000 + dx1)
        expectClose(rounds[0].detailDictionary["quote_price"] ?? 0, 0.97 * delta1, 1e-12)
        expectClose(rounds[0].detailDictionary["quote_price"] ?? 0, 0.9227303443756174, 1e-12)
        // Round 2: bucket 2 (400 stETH at HF 1.06) now at 1.06 × 0.92273 = 0.978 ≥ 0.95: half repaid, at the new price.
        let p1 = 0.97 * delta1
        let seized2 = 400 * 0.8 / 1.06 * 0.5 * 1.075 / p1
        expectClose(rounds[1].amount ?? 0, seized2, 1e-12)
        expectClose(rounds[1].amount ?? 0, 175.8521890305832, 1e-11)
        #expect(rounds[1].detailDictionary["buckets_liquidated"] == 1)
        // From Δ1 the pool holds (L/√Δ1, L√Δ1).
        let x = 10_000 / delta1.squareRoot(), y = 10_000 * delta1.squareRoot()
        let dx2 = seized2 * 0.97
        let out2 = y * dx2 / (x + dx2)
        let delta2 = (y - out2) / (x + dx2)
        expectClose(rounds[1].detailDictionary["quote_price"] ?? 0, 0.97 * delta2, 1e-12)
        expectClose(rounds[1].detailDictionary["quote_price"] ?? 0, 0.8927772389377868, 1e-12)
        let day1 = try #require(result.marketDaily.first { $0.day == 1 && $0.asset == 1 })
        expectClose(day1.ratio ?? 0, 0.97 * delta2, 1e-12)
    }

    @Test("the strategy's own position (LTV 0.75, LT 0.8: liquidated below a ratio of 0.9375) is liquidated when, and only when, the cascaded ratio crosses it")
    func strategyLiquidatedByCascade() throws {
        let buckets = "[[1.02, 0.6], [1.06, 0.4]]"
        let with = try TestSupport.run(Self.scenario(cascades: Self.cascade(buckets: buckets), strategies: Self.borrower()))
        let without = try TestSupport.run(Self.scenario(cascades: Self.cascade(amount: 0, buckets: buckets), strategies: Self.borrower()))
        // Without the cascade the ratio is 0.97: HF = 0.97 × 0.8/0.75 = 1.0347.
        #expect(without.strategies[0].events.filter { $0.kind == .liquidation }.isEmpty)
        expectClose(without.strategies[0].paths[0].minHealthFactor ?? 0, 0.97 * 0.8 / 0.75, 1e-12)
        // With it the ratio is 0.892777: HF = 0.9523 < 1, on day 1.
        let liquidations = with.strategies[0].events.filter { $0.kind == .liquidation }
        #expect(liquidations.first?.day == 1)
        expectClose(liquidations.first?.detailDictionary["health_factor_before"] ?? 0, 0.8927772389377868 * 0.8 / 0.75, 1e-9)
        // A ratio that stays above 0.9375 after the cascade (a small bucket) liquidates nothing.
        let small = try TestSupport.run(Self.scenario(cascades: Self.cascade(amount: 50, buckets: buckets), strategies: Self.borrower()))
        let cascaded = try #require(small.marketDaily.first { $0.day == 1 && $0.asset == 1 }?.ratio)
        #expect(cascaded > 0.9375)
        #expect(small.strategies[0].events.filter { $0.kind == .liquidation }.isEmpty)
    }

    @Test("recover_days 4: the displaced ratio returns linearly to the model, 0.97·(Δ + (1 − Δ)·k/4), and equals it from day 5")
    func recovery() throws {
        // Full close below HF 1: the bucket is closed in one round, so no later round moves the price.
        let result = try TestSupport.run(Self.scenario(days: 8, recover: 4,
                                                       cascades: Self.cascade(buckets: "[[1.01, 1.0]]", extra: #", "full_liquidation_below": 1"#),
                                                       strategies: Self.borrower(target: 0.5)))
        let rounds = result.strategies[0].events.filter { $0.kind == .cascade }
        #expect(rounds.count == 1)
        let seized = 1000 * 0.8 / 1.01 * 1.075 / 0.97
        expectClose(rounds[0].amount ?? 0, seized, 1e-12)
        let dx = seized * 0.97
        let delta = (10_000 - 10_000 * dx / (10_000 + dx)) / (10_000 + dx)
        for d in 1..<8 {
            let k = Double(d - 1)
            let expected = d - 1 >= 4 ? 0.97 : 0.97 * (delta + (1 - delta) * k / 4)
            let ratio = try #require(result.marketDaily.first { $0.day == d && $0.asset == 1 }?.ratio)
            expectClose(ratio, expected, 1e-12)
        }
    }

    @Test("a deleverage to health factor 1.5 through depth sells the size that lands on it, to 1e-9, with the impact priced in")
    func deleverageThroughDepth() throws {
        let rules = #"[ { "when": { "day": 2 }, "then": { "action": "deleverage", "layer": "aave", "target_health_factor": 1.5, "slippage": 0.003 } } ]"#
        let result = try TestSupport.run(Self.scenario(ratio: 1.0, strategies: Self.borrower(target: 0.75, rules: rules)))
        let r = result.strategies[0]
        let event = try #require(r.events.first { $0.kind == .rule })
        let text = event.detail
        let parsed = try JSONParser.parse(text)
        let layer = try #require(parsed["layers"]?["aave"])
        let ltvAfter = try #require(layer["ltv_after"]?.double)
        expectClose(0.8 / ltvAfter, 1.5, 1e-9)
        // The same sale by an independent bisection on the closed form:
        // out(q) = L·q/(L + q) ETH, Δ(q) = L²/(L + q)², debt 75 ETH, collateral 100.
        let l = 10_000.0, s = 0.003, t = 0.8 / 1.5
        func g(_ q: Double) -> Double {
            let out = l * q / (l + q)
            return (75 - out * (1 - s)) - t * (100 - q) * (l * l / ((l + q) * (l + q)))
        }
        var lo = 0.0, hi = 100.0
        for _ in 0..<200 { let mid = (lo + hi) / 2; if g(mid) > 0 { lo = mid } else { hi = mid } }
        let sold = try #require(layer["collateral_sold"]?.double)
        expectClose(sold, hi, 1e-9)
        // Without impact the sale would be smaller: (75 − t·100)/((1 − s) − t).
        #expect(sold > (75 - t * 100) / ((1 - s) - t))
        // The shortfall is booked as price impact: q·2000 − out·2000.
        let m = Self.summary(result)
        expectClose((m[Metric.attribution("aave", .priceImpact)] ?? 0) ?? 0, -(sold - l * sold / (l + sold)) * 2000, 1e-6)
    }

    @Test("unwind cost: exiting 100 % on day 0 costs 100·2000 − 10000·100/10100·2000; the largest sale within a 7.5 % bonus is 0.075·L/0.925")
    func unwindCost() throws {
        let result = try TestSupport.run(Self.scenario(ratio: 1.0, strategies: Self.borrower(target: 0.5)))
        let m = Self.summary(result)
        let proceeds = 10_000 * 100 / 10_100.0 * 2000
        expectClose((m[Metric.unwindCost("stETH", "day0", 1)] ?? 0) ?? 0, 100 * 2000 - proceeds, 1e-9)
        expectClose((m[Metric.unwindCost("stETH", "day0", 0.5)] ?? 0) ?? 0, 50 * 2000 - 10_000 * 50 / 10_050.0 * 2000, 1e-9)
        expectClose((m[Metric.unwindHeld("stETH", "day0")] ?? 0) ?? 0, 100, 1e-12)
        expectClose((m[Metric.maxSaleWithinBonus("stETH")] ?? 0) ?? 0, 0.075 * 10_000 / 0.925, 1e-9)
    }

    @Test("the report's unwind-cost row shows the hand-computed 100 % exit cost (1,980.20 USD)")
    func unwindReportRow() throws {
        let loaded = try TestSupport.load(Self.scenario(ratio: 1.0, strategies: Self.borrower(target: 0.5)))
        let store = try ResultStore()
        let dir = NSTemporaryDirectory() + "depth-report-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let output = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: dir, now: { "2024-01-01T00:00:00Z" })
        let report = ReportRenderer(run: output.stored, databasePath: ":memory:").render()
        #expect(report.contains("## Market depth and cascades"))
        let row = try #require(report.split(separator: "\n").first { $0.hasPrefix("| borrower | stETH | day 0") })
        #expect(row.contains("| 1,980.20 (0.99 %) |"))
        #expect(report.contains("| borrower | stETH | 810.81 |"))
        let html = HTMLReportRenderer(run: output.stored, databasePath: ":memory:").render()
        #expect(html.contains("<h2>Market depth and cascades</h2>"))
        #expect(html.contains("1,980.20 (0.99 %)"))
    }

    @Test("an exit to ETH sells the stETH through the pool: 1000 stETH at ratio 0.97 return 10000·970/10970 ETH, less 0.3 % slippage; the rest of the day sees the displaced ratio")
    func exitConversionThroughDepth() throws {
        let strategies = """
            [ { "name": "holder", "capital": { "asset": "stETH", "amount": 1000 }, "layers": [ { "id": "h", "type": "hold" } ],
                "rules": [ { "when": { "day": 1 }, "then": { "action": "exit", "to": "ETH", "slippage": 0.003 } } ] } ]
            """
        let result = try TestSupport.run(Self.scenario(days: 3, strategies: strategies))
        let r = result.strategies[0]
        let out = 10_000 * 970 / 10_970.0
        let received = out * (1 - 0.003)
        // Day 1 and 2 hold only ETH at 2000: final equity is what the exit raised.
        expectClose(r.paths[0].finalEquity, received * 2000, 1e-6)
        let m = Self.summary(result)
        // Shortfall against the quoted 1000 × 0.97 × 2000, and the slippage on what the pool paid.
        expectClose((m[Metric.attribution("spot", .priceImpact)] ?? 0) ?? 0, -(970 - out) * 2000, 1e-6)
        expectClose((m[Metric.attribution("spot", .costs)] ?? 0) ?? 0, -out * 0.003 * 2000, 1e-6)
    }

    // MARK: Validation

    @Test("a cascade needs a collateral with depth, a stableswap depth needs amplification, shares add up to at most 1")
    func validation() {
        let json = """
        { "name": "bad", "start": "2024-01-01", "days": 3,
          "market": {
            "assets": { "ETH": { "price": { "model": "constant", "value": 2000 } },
                        "stETH": { "peg": { "to": "ETH", "ratio": { "model": "constant", "value": 1 } }, "depth": { "amm": "stableswap", "liquidity": 100 } },
                        "rETH": { "peg": { "to": "ETH", "ratio": { "model": "constant", "value": 1 } } } },
            "cascades": [ { "collateral": "rETH", "debt": "ETH", "collateral_amount": 10, "health_factors": [[1.1, 0.7], [1.2, 0.6]],
                            "liquidation_threshold": 0.8, "liquidation_bonus": 0.05 } ] },
          "strategies": [ { "name": "s", "capital": { "asset": "ETH", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ] }
        """
        let messages = TestSupport.diagnostics(json).map { "\($0.path): \($0.message)" }
        #expect(messages.contains { $0.hasPrefix("market.assets.stETH.depth.amplification:") })
        #expect(messages.contains { $0.hasPrefix("market.cascades[0].collateral:") && $0.contains("has no 'depth'") })
        #expect(messages.contains { $0.hasPrefix("market.cascades[0].health_factors:") && $0.contains("1.300000") })
    }
}
