import Foundation
import Testing
@testable import YieldStack

@Suite("Market models")
struct MarketTests {
    func scenario(_ assets: String, shocks: String = "[]", correlations: String = "[]", days: Int = 50, paths: Int = 20, seed: Int = 3) throws -> Scenario {
        try TestSupport.load("""
        { "name": "m", "start": "2024-01-01", "days": \(days), "seed": \(seed), "paths": \(paths),
          "market": { "assets": { \(assets) }, "shocks": \(shocks), "correlations": \(correlations) },
          "strategies": [ { "name": "s", "capital": { "asset": "ETH", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ] }
        """).scenario
    }

    let gbm = #""ETH": { "price": { "model": "gbm", "start": 2000, "drift": 0.1, "volatility": 0.8 } }"#

    @Test("a GBM path starts at `start` and is reproducible from the seed")
    func gbmReproducible() throws {
        let s = try scenario(gbm)
        let a = MarketChunk(scenario: s, firstPath: 0, count: 20)
        let b = MarketChunk(scenario: s, firstPath: 0, count: 20)
        for p in 0..<20 { #expect(a.prices[0][0, p] == 2000) }
        #expect(a.prices[0].storage == b.prices[0].storage)
        var other = s
        other.seed = 4
        #expect(MarketChunk(scenario: other, firstPath: 0, count: 20).prices[0].storage != a.prices[0].storage)
    }

    @Test("a path's numbers do not depend on how paths are chunked")
    func chunkIndependence() throws {
        let s = try scenario(gbm + #", "stETH": { "peg": { "to": "ETH", "ratio": { "model": "mean_reverting", "start": 1, "mean": 1, "speed": 20, "volatility": 0.05 } } }"#)
        let whole = MarketChunk(scenario: s, firstPath: 0, count: 20)
        let tail = MarketChunk(scenario: s, firstPath: 13, count: 7)
        for asset in 0..<2 {
            for d in 0..<50 {
                for p in 0..<7 { #expect(whole.prices[asset][d, 13 + p] == tail.prices[asset][d, p]) }
            }
        }
    }

    @Test("GBM log returns have mean (μ − σ²/2)·dt and variance σ²·dt")
    func gbmMoments() throws {
        let s = try scenario(gbm, days: 101, paths: 4000)
        let m = MarketChunk(scenario: s, firstPath: 0, count: 4000)
        var returns: [Double] = []
        for p in 0..<4000 {
            for d in 1..<101 { returns.append(log(m.prices[0][d, p] / m.prices[0][d - 1, p])) }
        }
        let dt = 1.0 / 365
        let mean = returns.reduce(0, +) / Double(returns.count)
        let variance = returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count - 1)
        // 400,000 draws: standard error of the mean σ√dt/√n ≈ 6.6e-5.
        expectClose(mean, (0.1 - 0.32) * dt, 3e-4)
        expectRelative(variance, 0.64 * dt, 0.01)
    }

    @Test("a price_change shock multiplies the path from its day on")
    func priceShock() throws {
        let s = try scenario(#""ETH": { "price": { "model": "constant", "value": 100 } }"#, shocks: #"[ { "day": 10, "asset": "ETH", "price_change": -0.35 }, { "day": 20, "asset": "ETH", "price_change": 0.5 } ]"#)
        let m = MarketChunk(scenario: s, firstPath: 0, count: 3)
        #expect(m.prices[0][9, 2] == 100)
        expectClose(m.prices[0][10, 1], 65, 1e-12)
        expectClose(m.prices[0][19, 0], 65, 1e-12)
        expectClose(m.prices[0][20, 0], 97.5, 1e-12)
    }

    @Test("a peg is priced ratio × target; a ratio shock recovers linearly to the model")
    func pegShock() throws {
        let s = try scenario(#""ETH": { "price": { "model": "constant", "value": 2000 } }, "stETH": { "peg": { "to": "ETH", "ratio": { "model": "constant", "value": 0.99 } } }"#,
                             shocks: #"[ { "day": 5, "asset": "stETH", "ratio": 0.94, "recover_days": 10 } ]"#)
        let m = MarketChunk(scenario: s, firstPath: 0, count: 2)
        let ratio = try #require(m.ratios[1])
        expectClose(ratio[4, 0], 0.99, 1e-15)
        expectClose(ratio[5, 0], 0.94, 1e-15)
        expectClose(ratio[8, 1], 0.94 + (0.99 - 0.94) * 3 / 10, 1e-15)
        expectClose(ratio[15, 0], 0.99, 1e-15)
        expectClose(m.prices[1][8, 0], (0.94 + 0.05 * 0.3) * 2000, 1e-9)
    }

    @Test("a ratio shock without recover_days holds its value to the end")
    func pegShockHolds() throws {
        let s = try scenario(#""ETH": { "price": { "model": "constant", "value": 2000 } }, "stETH": { "peg": { "to": "ETH", "ratio": { "model": "constant", "value": 1 } } }"#,
                             shocks: #"[ { "day": 5, "asset": "stETH", "ratio": 0.9 } ]"#)
        let m = MarketChunk(scenario: s, firstPath: 0, count: 1)
        expectClose(m.ratios[1]![49, 0], 0.9, 1e-15)
    }

    @Test("the kinked curve: U = 0.95, U* = 0.90, slope1 4 %, slope2 80 % gives 44 % APR")
    func kinked() {
        let model = KinkedRateModel(base: 0, slope1: 0.04, slope2: 0.8, optimal: 0.9)
        expectClose(model.borrowRate(utilization: 0.95), 0.04 + 0.8 * 0.05 / 0.1, 1e-15)
        expectClose(model.borrowRate(utilization: 0.95), 0.44, 1e-12)
        expectClose(model.borrowRate(utilization: 0.45), 0.02, 1e-15)
        expectClose(model.supplyRate(utilization: 0.95, reserveFactor: 0.15), 0.44 * 0.95 * 0.85, 1e-15)
    }

    @Test("rate overrides apply for their duration")
    func rateOverride() throws {
        let loaded = try TestSupport.load(TestSupport.scenario(days: 20, shocks: #"[ { "day": 5, "layer": "earn", "apr": 0.5, "duration_days": 3 } ]"#, strategies: """
            [ { "name": "s", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "earn", "type": "soft_staking", "apy": 0.05 } ] } ]
            """))
        let m = MarketChunk(scenario: loaded.scenario, firstPath: 0, count: 1)
        let grid = m.rate(.fixed(0.05), layerID: "earn", kind: .apr)
        #expect((0..<20).map { grid[$0, 0] } == [Double](repeating: 0.05, count: 5) + [0.5, 0.5, 0.5] + [Double](repeating: 0.05, count: 12))
    }

    @Test("correlated assets' log returns have the requested correlation; an uncorrelated asset is unchanged")
    func correlation() throws {
        let assets = #""ETH": { "price": { "model": "gbm", "start": 1, "volatility": 0.5 } }, "BTC": { "price": { "model": "gbm", "start": 1, "volatility": 0.7 } }"#
        let s = try scenario(assets, correlations: #"[ { "assets": ["ETH", "BTC"], "rho": 0.8 } ]"#, days: 101, paths: 2000)
        let m = MarketChunk(scenario: s, firstPath: 0, count: 2000)
        var x: [Double] = [], y: [Double] = []
        for p in 0..<2000 {
            for d in 1..<101 {
                x.append(log(m.prices[0][d, p] / m.prices[0][d - 1, p]))
                y.append(log(m.prices[1][d, p] / m.prices[1][d - 1, p]))
            }
        }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for i in x.indices {
            sxy += (x[i] - mx) * (y[i] - my)
            sxx += (x[i] - mx) * (x[i] - mx)
            syy += (y[i] - my) * (y[i] - my)
        }
        // 200,000 pairs: the sample correlation's standard error is (1 − ρ²)/√n ≈ 0.0008.
        expectClose(sxy / (sxx * syy).squareRoot(), 0.8, 0.005)
        // The first asset of the Cholesky factor keeps its own draws.
        let alone = MarketChunk(scenario: try scenario(assets, days: 101, paths: 2000), firstPath: 0, count: 2000)
        #expect(alone.prices[0].storage == m.prices[0].storage)
        #expect(alone.prices[1].storage != m.prices[1].storage)
    }

    @Test("ρ = −1: the second asset's log return is exactly minus the first's, scaled by the volatilities")
    func perfectNegativeCorrelation() throws {
        let assets = #""ETH": { "price": { "model": "gbm", "start": 1, "volatility": 0.5 } }, "BTC": { "price": { "model": "gbm", "start": 1, "volatility": 0.5 } }"#
        let s = try scenario(assets, correlations: #"[ { "assets": ["ETH", "BTC"], "rho": -1 } ]"#, days: 30, paths: 50)
        let m = MarketChunk(scenario: s, firstPath: 0, count: 50)
        // Same σ: ln S₁ + ln S₂ moves by twice the drift term (μ − σ²/2)dt a day, the shocks cancelling.
        let drift = (0 - 0.5 * 0.5 / 2) / 365
        for p in 0..<50 {
            for d in 1..<30 {
                let a = log(m.prices[0][d, p] / m.prices[0][d - 1, p]), b = log(m.prices[1][d, p] / m.prices[1][d - 1, p])
                expectClose(a + b, 2 * drift, 1e-12)
            }
        }
    }
}
