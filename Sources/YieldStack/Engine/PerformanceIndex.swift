/// How a strategy performed on each path, apart from what was deposited or
/// withdrawn: the Modified Dietz total return, the time-weighted equity index
/// and the maximum drawdown of that index (SPEC §4 metrics).
///
/// The formulas are the static functions, pure and per path, so each can be
/// checked alone against a hand-computed case; the columns are the per-path
/// state the day loop keeps for them (structure-of-arrays, one `PathVector`
/// each). The runner owns the order in which they are updated (step 2 notes
/// flows, step 6 advances the index).
struct PerformanceIndex {
    /// Value of the capital on day 0 at day-0 prices, V₀.
    let initialValue: PathVector
    /// Σ w·F over flows, the Modified Dietz weighted flows.
    let weightedFlows: PathVector
    /// Value of today's flows F_d, for the time-weighted index; reset each day.
    let flowsToday: PathVector
    /// Equity at the end of the previous day, E_{d−1}.
    let previousEquity: PathVector
    /// The time-weighted index I_d (1 at the start).
    let index: PathVector
    /// Running peak of the index, max_{t ≤ d} I_t (1 at the start).
    let peak: PathVector
    /// Largest drawdown of the index seen so far.
    let maxDrawdown: PathVector

    /// Fresh trackers for every path of `arena`: index and peak at 1, the
    /// rest at 0.
    init(arena: PathArena) {
        initialValue = arena.vector()
        weightedFlows = arena.vector()
        flowsToday = arena.vector()
        previousEquity = arena.vector()
        index = arena.vector(1)
        peak = arena.vector(1)
        maxDrawdown = arena.vector()
    }

    // MARK: Formulas

    /// Modified Dietz weight of a flow at day k, hour h of an N-day run: the
    /// share of the run it was invested for, w = max(0, (N − k − h/24) / N).
    @inline(__always)
    static func flowWeight(day k: Int, hour h: Double, days n: Int) -> Double {
        max(0, (Double(n - k) - h / 24) / Double(n))
    }

    /// Modified Dietz return: R = (V_N − V₀ − ΣF) / (V₀ + Σ w·F), 0 when the
    /// denominator is not positive (nothing was ever invested).
    @inline(__always)
    static func modifiedDietzReturn(initial: Double, final: Double, netFlows: Double, weightedFlows: Double) -> Double {
        let base = initial + weightedFlows
        let profit = final - initial - netFlows
        return base > 0 ? profit / base : 0
    }

    /// The time-weighted index of day d: I_d = I_{d−1} · (E_d − F_d) / E_{d−1},
    /// so deposits and withdrawals do not count as gains or losses. On day 0
    /// the base is the capital plus the day's flows, I₀ = E₀ / (V₀ + F₀) (1 if
    /// that base is not positive). After equity has gone (E_{d−1} ≤ 1e−12 ·
    /// max(1, V₀)) the index stays where it was.
    @inline(__always)
    static func nextIndex(previous index: Double, equity e: Double, flowsToday f: Double,
                          previousEquity: Double, initialValue: Double, day d: Int) -> Double {
        if d == 0 {
            let base = initialValue + f
            return base > 0 ? e / base : 1
        }
        guard previousEquity > 1e-12 * max(1, initialValue) else { return index }
        return index * (e - f) / previousEquity
    }

    /// Drawdown of an index value from its running peak, 1 − I / peak
    /// (0 for a non-positive peak).
    @inline(__always)
    static func drawdown(index i: Double, peak: Double) -> Double {
        peak > 0 ? 1 - i / peak : 0
    }

    // MARK: Per-path state

    /// Step 2: a flow of value `value` (at today's price) with Modified Dietz
    /// weight `weight` enters path p.
    @inline(__always)
    func noteFlow(_ value: Double, weight: Double, _ p: Int) {
        flowsToday[p] += value
        weightedFlows[p] += weight * value
    }

    /// What the index would be today if equity were `e` now (for rules, which
    /// run before the day is recorded).
    @inline(__always)
    func provisionalIndex(_ p: Int, equity e: Double, day d: Int) -> Double {
        PerformanceIndex.nextIndex(previous: index[p], equity: e, flowsToday: flowsToday[p],
                                   previousEquity: previousEquity[p], initialValue: initialValue[p], day: d)
    }

    /// The drawdown a `drawdown` rule sees before the day is recorded: from
    /// the peak including today's provisional index.
    @inline(__always)
    func provisionalDrawdown(_ p: Int, equity e: Double, day d: Int) -> Double {
        let i = provisionalIndex(p, equity: e, day: d)
        return PerformanceIndex.drawdown(index: i, peak: max(peak[p], i))
    }

    /// Step 6: records today's equity on path p, advancing the index, its
    /// peak and the maximum drawdown.
    @inline(__always)
    func record(_ p: Int, equity e: Double, day d: Int) {
        let next = provisionalIndex(p, equity: e, day: d)
        index[p] = next
        if next > peak[p] { peak[p] = next }
        if peak[p] > 0 {
            let dd = PerformanceIndex.drawdown(index: next, peak: peak[p])
            if dd > maxDrawdown[p] { maxDrawdown[p] = dd }
        }
        previousEquity[p] = e
    }

    /// The Modified Dietz return of path p at the end of the run.
    func totalReturn(_ p: Int, finalEquity: Double, netFlows: Double) -> Double {
        PerformanceIndex.modifiedDietzReturn(initial: initialValue[p], final: finalEquity, netFlows: netFlows, weightedFlows: weightedFlows[p])
    }
}
