import Foundation
import Testing
@testable import YieldStack

/// Standard normal CDF from erfc (an independent reference for the closed forms).
func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// The 5 % quantile of the standard normal, from tables.
let z05 = -1.6448536269514722

@Suite("Monte Carlo risk", .serialized)
struct MonteCarloTests {
    @Test("hold 100 ETH under GBM (σ 80 %, one year, 20,000 paths): mean, p05, VaR 95 and CVaR 95 match their closed forms")
    func gbmClosedForms() throws {
        let sigma = 0.8
        // 366 days = 365 daily moves = exactly one year of price risk.
        let json = """
        { "name": "gbm", "start": "2024-01-01", "days": 366, "seed": 2024, "paths": 20000,
          "market": { "assets": { "ETH": { "price": { "model": "gbm", "start": 1, "drift": 0, "volatility": \(sigma) } } } },
          "strategies": [ { "name": "hold", "capital": { "asset": "ETH", "amount": 100 }, "layers": [ { "id": "h", "type": "hold" } ] } ] }
        """
        let result = try Simulation.run(TestSupport.load(json).scenario, options: SimulationOptions(threads: 2, storePaths: 1, chunkSize: 1000))
        let summary = RunPipeline.summarise(result)[0]
        let s0 = 100.0
        // E[S_T] = S0 with zero drift.
        expectRelative(summary.finalEquity, s0, 0.02, "mean")
        // p05 = S0 · exp(−σ²/2 + σ·z₀.₀₅).
        let p05 = s0 * exp(-sigma * sigma / 2 + sigma * z05)
        expectRelative(summary.equityP05, p05, 0.03, "p05")
        // VaR 95 = S0 − p05; CVaR 95 = S0 · (1 − Φ(z₀.₀₅ − σ)/0.05).
        expectRelative(summary.var95, s0 - p05, 0.03, "VaR 95")
        expectRelative(summary.cvar95, s0 * (1 - normalCDF(z05 - sigma) / 0.05), 0.03, "CVaR 95")
    }

    @Test("liquidation probability matches an independent simulation of the same barrier within 1.5 points")
    func barrierProbability() throws {
        // 10 ETH collateral, 12,000 USDC debt at zero interest, LT 0.8:
        // liquidated on the first day the price closes below 12,000 / (10 · 0.8) = 1,500.
        let sigma = 0.9, start = 2000.0, days = 180, paths = 20000
        let json = """
        { "name": "barrier", "start": "2024-01-01", "days": \(days), "seed": 99, "paths": \(paths),
          "market": { "assets": { "ETH": { "price": { "model": "gbm", "start": \(start), "drift": 0, "volatility": \(sigma) } },
                                  "USDC": { "price": { "model": "constant", "value": 1 } } } },
          "strategies": [ { "name": "loan", "capital": { "asset": "ETH", "amount": 10 },
            "layers": [ { "id": "aave", "type": "lending", "borrow": "USDC", "max_ltv": 0.7, "liquidation_threshold": 0.8,
                          "liquidation_bonus": 0.05, "target_ltv": 0.6, "borrow_apr": 0 } ] } ] }
        """
        let result = try Simulation.run(TestSupport.load(json).scenario, options: SimulationOptions(threads: 2, storePaths: 1, chunkSize: 1000))
        let engine = RunPipeline.summarise(result)[0].liquidationProbability

        // Independent: the same GBM and barrier in a plain loop with its own generator.
        let barrier = 12000.0 / (10 * 0.8)
        let dt = 1.0 / 365
        var g = SplitMix64(seed: 123_456)
        func uniform() -> Double { (Double(g.next() >> 11) + 0.5) * 0x1.0p-53 }
        var hits = 0
        for _ in 0..<paths {
            var s = start
            for _ in 1..<days {
                let z = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
                s *= exp(-sigma * sigma / 2 * dt + sigma * dt.squareRoot() * z)
                if s < barrier { hits += 1; break }
            }
        }
        let reference = Double(hits) / Double(paths)
        #expect(reference > 0.2 && reference < 0.8, "the test should sit where the comparison is informative")
        expectClose(engine, reference, 0.015)
    }

    @Test("the flexible-versus-locked comparison finds a break-even lock APR, and a sweep across it moves the mean difference through zero")
    func breakEvenAndSweep() throws {
        let path = TestSupport.repositoryRoot + "/scenarios/flexible-vs-locked-mc.json"
        var base = try ScenarioLoader.load(path: path)
        base.scenario.paths = 600
        let options = SimulationOptions(threads: 2, storePaths: 1)
        let result = try Simulation.run(base.scenario, options: options)
        let analysis = try LockAnalyzer.analyze(result: result, flexible: 0, locked: 1, options: options)
        let breakEven = try #require(analysis.breakEvenMeanAPR)
        #expect(breakEven > 0 && breakEven < 1)

        // Sweep the lock APR just below and just above the break-even.
        let axis = try SweepAxis.parse("strategies[1].layers[0].apr=\(breakEven - 0.005),\(breakEven + 0.005)").get()
        let variants = try Sweep.variants(of: base, axes: [axis]).get()
        #expect(variants.count == 2)
        let differences = try variants.map { v -> Double in
            var scenario = v.loaded.scenario
            scenario.paths = 600
            let r = try Simulation.run(scenario, options: options)
            return Statistics.mean(r.strategies[1].paths.map(\.finalEquity)) - Statistics.mean(r.strategies[0].paths.map(\.finalEquity))
        }
        #expect(differences[0] < 0 && differences[1] > 0, "\(differences)")
        // At the break-even itself the difference is ~0 relative to equity.
        var atBreakEven = base.scenario
        atBreakEven.paths = 600
        atBreakEven.strategies[1] = LockAnalyzer.withLockAPR(atBreakEven.strategies[1], breakEven)
        let r = try Simulation.run(atBreakEven, options: options)
        let flexMean = Statistics.mean(r.strategies[0].paths.map(\.finalEquity))
        expectRelative(Statistics.mean(r.strategies[1].paths.map(\.finalEquity)), flexMean, 1e-6)
    }

    @Test("pairwise probability: the share of paths on which one strategy ends above the other")
    func pairwise() {
        let c = PairComparison.compare([1, 5, 3, 4], [2, 1, 3, 0], other: "b")
        #expect(c.probabilityAbove == 0.5)
        expectClose(c.meanDifference, (-1 + 4 + 0 + 4) / 4.0, 1e-15)
    }
}
