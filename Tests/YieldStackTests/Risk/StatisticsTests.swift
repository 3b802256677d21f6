import Foundation
import Testing
@testable import YieldStack

@Suite("Risk statistics")
struct StatisticsTests {
    @Test("type-7 quantiles: linear interpolation between order statistics")
    func quantile() {
        let v = [1.0, 2, 3, 4, 5]
        #expect(Statistics.quantile(sorted: v, 0.5) == 3)
        #expect(Statistics.quantile(sorted: v, 0.25) == 2)
        expectClose(Statistics.quantile(sorted: v, 0.05), 1.2, 1e-15)
        expectClose(Statistics.quantile(sorted: [10, 20], 0.95), 19.5, 1e-12)
    }

    @Test("quickselect quantiles equal sorting quantiles on random data with ties")
    func selectMatchesSort() {
        var g = Xoshiro256StarStar(seed: 9)
        for n in [1, 2, 3, 17, 100, 1001, 5000] {
            var values = (0..<n).map { _ in (g.normal() * 10).rounded() / 10 }
            let sorted = values.sorted()
            let levels = [0.05, 0.25, 0.5, 0.75, 0.95]
            let q = Statistics.quantiles(&values, levels)
            for (k, level) in levels.enumerated() {
                #expect(q[k] == Statistics.quantile(sorted: sorted, level), "n \(n) level \(level)")
            }
        }
    }

    @Test("VaR is the loss quantile; CVaR the mean of the worst ⌈5 %⌉ losses")
    func varCvar() {
        let losses = (1...100).map(Double.init)
        expectClose(Statistics.valueAtRisk(losses: losses, level: 0.95), 95.05, 1e-12)
        expectClose(Statistics.expectedShortfall(losses: losses, level: 0.95), (96.0 + 97 + 98 + 99 + 100) / 5, 1e-12)
        #expect(Statistics.expectedShortfall(losses: [7], level: 0.95) == 7)
    }

    @Test("drawdown and annualisation")
    func drawdownAndAPY() {
        expectClose(Statistics.maxDrawdown([100, 120, 90, 130, 65]), 0.5, 1e-15)
        expectClose(Statistics.annualised(totalReturn: 0.1, days: 365), 0.1, 1e-15)
        expectClose(Statistics.annualised(totalReturn: 0.1, days: 730), pow(1.1, 0.5) - 1, 1e-15)
        #expect(Statistics.annualised(totalReturn: -1.5, days: 30) == -1)
    }
}

@Suite("Tails and crash paths")
struct TailTests {
    @Test("the 5 % tail of n paths is ⌈0.05 n⌉ paths, at least one")
    func tailCount() {
        #expect(Statistics.tailCount(1, level: 0.95) == 1)
        #expect(Statistics.tailCount(20, level: 0.95) == 1)
        #expect(Statistics.tailCount(21, level: 0.95) == 2)
        #expect(Statistics.tailCount(20000, level: 0.95) == 1000)
        #expect(Statistics.tailCount(20000, level: 0.99) == 200)
    }

    @Test("crash paths are the lowest market returns, ties by path number")
    func crashPaths() {
        let r = [0.1, -0.5, 0.3, -0.5, -0.2] + [Double](repeating: 0, count: 35)
        #expect(Statistics.crashPaths(marketReturns: r) == [1, 3])
        #expect(Statistics.crashPaths(marketReturns: []) == [])
    }
}
