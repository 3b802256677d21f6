import Foundation
import Testing
@testable import YieldStack

/// `mean_reverting` is stepped by the exact OU transition (SPEC §2.1).
@Suite("Mean-reverting (exact OU step)")
struct MeanRevertingTests {
    static func grid(_ m: MeanRevertingModel, days: Int, paths: Int, seed: UInt64 = 11) -> DailyGrid {
        m.generate(PathRequest(component: "ratio:test", streams: RandomStreams(seed: seed), days: days, firstPath: 0,
                               count: paths, normals: nil, floor: 1e-12, ceiling: 1e12))
    }

    /// Sample mean and (n − 1) variance of one day across paths.
    static func moments(_ g: DailyGrid, day: Int, paths: Int) -> (mean: Double, variance: Double) {
        let xs = (0..<paths).map { g[day, $0] }
        let mean = xs.reduce(0, +) / Double(paths)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(paths - 1)
        return (mean, variance)
    }

    @Test("coefficients by hand: κ = 40 → e^(−40/365) = 0.8962024, σ√((1 − e^(−80/365))/80) = 0.00248005 (σ = 0.05); κ = 0 → σ√(1/365)")
    func coefficients() {
        let t = MeanRevertingModel.transition(speed: 40, volatility: 0.05, dt: 1.0 / 365)
        expectClose(t.decay, 0.8962023619688662, 1e-15)
        expectClose(t.diffusion, 0.002480053719185241, 1e-15)
        let flat = MeanRevertingModel.transition(speed: 0, volatility: 0.05, dt: 1.0 / 365)
        #expect(flat.decay == 1)
        expectClose(flat.diffusion, 0.0026171196129510686, 1e-16)
        // Continuous at the κ → 0 switch.
        let tiny = MeanRevertingModel.transition(speed: 1e-6, volatility: 0.05, dt: 1.0 / 365)
        expectRelative(tiny.diffusion, 0.05 * (1.0 / 365).squareRoot(), 1e-8)
    }

    @Test("one AR(1) step from 0.9 (θ 1, κ 40, σ 0.05): mean 1 − 0.1 × 0.8962024, variance 0.00248005², within 3 standard errors over 20,000 paths")
    func oneStep() {
        let n = 20_000
        let g = Self.grid(MeanRevertingModel(start: 0.9, mean: 1, speed: 40, volatility: 0.05), days: 2, paths: n)
        let m = Self.moments(g, day: 1, paths: n)
        let mean = 1 - 0.1 * exp(-40.0 / 365)
        let variance = 0.05 * 0.05 * (1 - exp(-80.0 / 365)) / 80
        #expect(abs(m.mean - mean) <= 3 * (variance / Double(n)).squareRoot(), "mean \(m.mean) vs \(mean)")
        #expect(abs(m.variance - variance) <= 3 * variance * (2 / Double(n - 1)).squareRoot(), "variance \(m.variance) vs \(variance)")
    }

    @Test("κ 40, σ 0.05: after 60 days the sd across 20,000 paths is σ/√(2κ) = 0.0055902 within 3 standard errors")
    func stationarySpeed40() {
        let n = 20_000
        let g = Self.grid(MeanRevertingModel(start: 1, mean: 1, speed: 40, volatility: 0.05), days: 61, paths: n)
        let m = Self.moments(g, day: 60, paths: n)
        // Started at θ: Var_t = σ²(1 − e^(−2κt))/(2κ), here 1 − 2e-6 of the stationary value.
        let sd = 0.05 / 80.0.squareRoot() * (1 - exp(-80.0 * 60 / 365)).squareRoot()
        expectClose(sd, 0.0055902, 1e-6)
        #expect(abs(m.variance.squareRoot() - sd) <= 3 * sd / (2 * Double(n - 1)).squareRoot(), "sd \(m.variance.squareRoot()) vs \(sd)")
        #expect(abs(m.mean - 1) <= 3 * sd / Double(n).squareRoot())
    }

    @Test("κ 800 (κ·dt = 2.19, where an Euler step diverges): same law, sd σ/√1600 = 0.00125, never at the floor")
    func stationarySpeed800() {
        let n = 20_000, days = 40
        let g = Self.grid(MeanRevertingModel(start: 0.5, mean: 1, speed: 800, volatility: 0.05), days: days, paths: n)
        let m = Self.moments(g, day: days - 1, paths: n)
        let sd = 0.05 / 1600.0.squareRoot()
        #expect(abs(m.variance.squareRoot() - sd) <= 3 * sd / (2 * Double(n - 1)).squareRoot(), "sd \(m.variance.squareRoot()) vs \(sd)")
        #expect(abs(m.mean - 1) <= 3 * sd / Double(n).squareRoot(), "mean \(m.mean)")
        var lowest = Double.infinity
        for d in 0..<days { for p in 0..<n { lowest = min(lowest, g[d, p]) } }
        #expect(lowest >= 0.5 - 1e-12, "lowest \(lowest)")
        // From day 10 on the start is forgotten (0.5 × 0.1117^10 ≈ 1e-10).
        for p in 0..<n { #expect(g[10, p] > 0.99 && g[10, p] < 1.01) }
    }

    @Test("through the engine: a ratio with speed 800 validates and runs")
    func engineFastSpeed() throws {
        let r = try TestSupport.run(DeFi.scenario(days: 30, ratio: #"{ "model": "mean_reverting", "start": 1, "mean": 0.99, "speed": 800, "volatility": 0.05 }"#, paths: 50, strategies: """
            [ { "name": "s", "capital": { "asset": "stETH", "amount": 100 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """))
        for p in r.strategies[0].paths { #expect(p.finalEquity.isFinite && p.finalEquity > 100 * 2000 * 0.95) }
    }
}
