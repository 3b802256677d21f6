import Testing
@testable import YieldStack

/// `PerformanceIndex` alone, against cases computed by hand.
@Suite("Performance index")
struct PerformanceIndexTests {
    /// One path, fresh trackers.
    private func single() -> (PathArena, PerformanceIndex) {
        let arena = PathArena(count: 1)
        return (arena, PerformanceIndex(arena: arena))
    }

    @Test("a deposit mid-run does not count as a gain in the time-weighted index")
    func depositIsNotAGain() {
        let (arena, perf) = single()
        defer { withExtendedLifetime(arena) {} }
        perf.initialValue[0] = 100
        // Day 0: equity 100 → I₀ = 100 / 100 = 1.
        perf.flowsToday[0] = 0
        perf.record(0, equity: 100, day: 0)
        #expect(perf.index[0] == 1)
        // Day 1: 50 deposited, equity 150 → I₁ = 1 · (150 − 50) / 100 = 1.
        perf.flowsToday[0] = 0
        perf.noteFlow(50, weight: 0.5, 0)
        perf.record(0, equity: 150, day: 1)
        #expect(perf.index[0] == 1)
        #expect(perf.maxDrawdown[0] == 0)
        // Day 2: equity 165, no flow → I₂ = 1 · 165 / 150 = 1.1.
        perf.flowsToday[0] = 0
        perf.record(0, equity: 165, day: 2)
        expectClose(perf.index[0], 1.1, 1e-15)
    }

    @Test("a withdrawal does not count as a loss, so it is no drawdown")
    func withdrawalIsNotALoss() {
        let (arena, perf) = single()
        defer { withExtendedLifetime(arena) {} }
        perf.initialValue[0] = 100
        perf.record(0, equity: 100, day: 0)
        perf.noteFlow(-40, weight: 0.5, 0)
        perf.record(0, equity: 60, day: 1)
        #expect(perf.index[0] == 1)
        #expect(perf.maxDrawdown[0] == 0)
    }

    @Test("day 0's base is the capital plus the day's flows: I₀ = E₀ / (V₀ + F₀)")
    func dayZeroBase() {
        #expect(PerformanceIndex.nextIndex(previous: 1, equity: 165, flowsToday: 50, previousEquity: 0, initialValue: 100, day: 0) == 1.1)
        // Nothing invested: the index starts at 1.
        #expect(PerformanceIndex.nextIndex(previous: 1, equity: 0, flowsToday: 0, previousEquity: 0, initialValue: 0, day: 0) == 1)
        // Equity gone yesterday: the index stays where it was.
        #expect(PerformanceIndex.nextIndex(previous: 0.4, equity: 10, flowsToday: 10, previousEquity: 0, initialValue: 100, day: 5) == 0.4)
    }

    @Test("Modified Dietz: a flow at day k of N weighs (N − k)/N, less the hours gone")
    func flowWeight() {
        #expect(PerformanceIndex.flowWeight(day: 4, hour: 0, days: 10) == 0.6)
        #expect(PerformanceIndex.flowWeight(day: 4, hour: 12, days: 10) == 0.55)
        #expect(PerformanceIndex.flowWeight(day: 0, hour: 0, days: 10) == 1)
        // Never negative.
        #expect(PerformanceIndex.flowWeight(day: 10, hour: 12, days: 10) == 0)
    }

    @Test("Modified Dietz return: (V_N − V₀ − ΣF) / (V₀ + Σ w·F)")
    func modifiedDietz() {
        // 100 invested, 50 deposited on day 4 of 10 (w = 0.6), 165 at the end:
        // (165 − 100 − 50) / (100 + 0.6 · 50) = 15 / 130.
        let (arena, perf) = single()
        defer { withExtendedLifetime(arena) {} }
        perf.initialValue[0] = 100
        perf.noteFlow(50, weight: PerformanceIndex.flowWeight(day: 4, hour: 0, days: 10), 0)
        #expect(perf.weightedFlows[0] == 30)
        #expect(perf.totalReturn(0, finalEquity: 165, netFlows: 50) == 15.0 / 130.0)
        #expect(PerformanceIndex.modifiedDietzReturn(initial: 100, final: 165, netFlows: 50, weightedFlows: 30) == 15.0 / 130.0)
        // Nothing invested: 0, not a division by zero.
        #expect(PerformanceIndex.modifiedDietzReturn(initial: 0, final: 0, netFlows: 0, weightedFlows: 0) == 0)
    }

    @Test("max drawdown is measured from the running peak of the index")
    func drawdownFromRunningPeak() {
        let (arena, perf) = single()
        defer { withExtendedLifetime(arena) {} }
        perf.initialValue[0] = 100
        // Index 1, 1.2, 0.9, 1.1, 0.6, 1.3: peaks 1, 1.2, 1.2, 1.2, 1.2, 1.3;
        // drawdowns 0, 0, 0.25, 1/12, 0.5, 0 → max 0.5.
        let equities: [Double] = [100, 120, 90, 110, 60, 130]
        let expected: [Double] = [0, 0, 0.25, 0.25, 0.5, 0.5]
        for (d, e) in equities.enumerated() {
            perf.record(0, equity: e, day: d)
            expectClose(perf.maxDrawdown[0], expected[d], 1e-12, "day \(d)")
        }
        expectClose(perf.peak[0], 1.3, 1e-12)
        #expect(PerformanceIndex.drawdown(index: 0.9, peak: 1.2) == 1 - 0.9 / 1.2)
        #expect(PerformanceIndex.drawdown(index: 1, peak: 0) == 0)
    }

    @Test("a rule's provisional drawdown counts today's index in the peak")
    func provisionalDrawdown() {
        let (arena, perf) = single()
        defer { withExtendedLifetime(arena) {} }
        perf.initialValue[0] = 100
        perf.record(0, equity: 100, day: 0)
        perf.record(0, equity: 125, day: 1)
        // Today at 100: I = 1.25 · 100 / 125 = 1, peak 1.25 → 0.2.
        expectClose(perf.provisionalDrawdown(0, equity: 100, day: 2), 0.2, 1e-15)
        // Today at a new high: no drawdown, and nothing recorded yet.
        #expect(perf.provisionalDrawdown(0, equity: 150, day: 2) == 0)
        #expect(perf.peak[0] == 1.25)
    }
}
