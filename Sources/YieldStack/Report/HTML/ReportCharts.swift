import Foundation

/// The HTML report's charts, each built from a stored run alone (plus the
/// market series handed in). A builder returns nil when its chart would be
/// empty (no debt, one path, no liquidation), so the report can say so in
/// words instead of drawing an empty frame.
enum ReportCharts {
    /// Roles used across charts, so a reader learns them once.
    static let bandOuter = SeriesStyle(color: Palette.blue, opacity: 0.16)
    static let bandInner = SeriesStyle(color: Palette.blue, opacity: 0.30)
    static let median = SeriesStyle(color: Palette.blue, width: 2.4)
    static let pathZero = SeriesStyle(color: Palette.vermillion, dash: "6 3", marker: .square, width: 1.6)
    static let gain = SeriesStyle(color: Palette.bluishGreen)
    static let loss = SeriesStyle(color: Palette.vermillion, hatched: true)
    static let total = SeriesStyle(color: Palette.blue, opacity: 0.85)
    static let threshold = SeriesStyle(color: Palette.black, dash: "5 4", width: 1.5)

    static let shock = SeriesStyle(color: Palette.grey, dash: "1 3", width: 1.5)

    /// A dotted vertical line on each day a scheduled shock hit (the same on
    /// every path), so a reader can tie a dip in a line to its cause.
    static func shockRules(_ strategies: [StoredStrategy]) -> [ChartMark] {
        let days = Set(strategies.flatMap { $0.events.filter { $0.kind == .shock && $0.path == nil }.map(\.day) }).sorted()
        return days.map { .vRule(name: "scheduled shock", x: Double($0), label: nil, style: shock) }
    }

    static func chartID(_ kind: String, _ index: Int, _ name: String) -> String {
        "chart-\(kind)-\(index)-\(Markup.slug(name))"
    }

    // MARK: Equity

    /// Equity of one strategy over time: p05–p95 and p25–p75 bands and the
    /// median over paths when there are several, and path 0's own line.
    static func equity(_ run: StoredRun, _ s: StoredStrategy, index: Int) -> Chart? {
        var marks: [ChartMark] = []
        let monteCarlo = run.paths > 1 && !s.quantiles.isEmpty
        if monteCarlo {
            let x = s.quantiles.map { Double($0.day) }
            marks.append(.band(name: "p05–p95 of \(Format.grouped(Double(run.paths), 0)) paths", x: x,
                               low: s.quantiles.map(\.p05), high: s.quantiles.map(\.p95), style: bandOuter))
            marks.append(.band(name: "p25–p75", x: x, low: s.quantiles.map(\.p25), high: s.quantiles.map(\.p75), style: bandInner))
            marks.append(.line(name: "median", points: s.quantiles.map { ChartPoint(x: Double($0.day), y: $0.p50) }, style: median))
        }
        if !s.pathZero.isEmpty {
            marks.append(.line(name: "path 0", points: s.pathZero.map { ChartPoint(x: Double($0.day), y: $0.equity) },
                               style: monteCarlo ? pathZero : median))
        }
        guard !marks.isEmpty else { return nil }
        marks += shockRules([s])
        return Chart(id: chartID("equity", index, s.name), title: "Equity over time: \(s.name)", xLabel: "Date",
                     yLabel: "Equity (\(run.currency))", x: .dates(start: run.start), marks: marks)
    }

    /// Every strategy's median (or, with one path, its only) equity on one chart.
    static func equityOverview(_ run: StoredRun) -> Chart? {
        guard run.strategies.count > 1 else { return nil }
        var marks: [ChartMark] = []
        for (i, s) in run.strategies.enumerated() {
            let points = run.paths > 1 && !s.quantiles.isEmpty
                ? s.quantiles.map { ChartPoint(x: Double($0.day), y: $0.p50) }
                : s.pathZero.map { ChartPoint(x: Double($0.day), y: $0.equity) }
            guard !points.isEmpty else { continue }
            marks.append(.line(name: s.name, points: points, style: Palette.style(i)))
        }
        guard !marks.isEmpty else { return nil }
        marks += shockRules(run.strategies)
        return Chart(id: "chart-equity-all", title: run.paths > 1 ? "Median equity of each strategy" : "Equity of each strategy",
                     xLabel: "Date", yLabel: "Equity (\(run.currency))", x: .dates(start: run.start), marks: marks)
    }

    // MARK: Health factor

    /// Path 0's health factor of every strategy that borrows, with the 1.0
    /// liquidation line and a mark on each liquidation of path 0.
    static func healthFactor(_ run: StoredRun) -> Chart? {
        var marks: [ChartMark] = []
        var values: [Double] = []
        var liquidations: [ChartPoint] = []
        for (i, s) in run.strategies.enumerated() {
            let hf = s.pathZero.filter { $0.healthFactor != nil }
            guard !hf.isEmpty else { continue }
            // nil between borrowing spells breaks the line instead of joining across.
            let points = s.pathZero.map { ChartPoint(x: Double($0.day), y: $0.healthFactor ?? .nan) }
            values += hf.compactMap(\.healthFactor).filter(\.isFinite)
            marks.append(.line(name: s.name, points: points, style: Palette.style(i)))
            let byDay = Dictionary(s.pathZero.map { ($0.day, $0.healthFactor) }, uniquingKeysWith: { a, _ in a })
            for e in s.events where e.kind == .liquidation && (e.path ?? 0) == 0 {
                let before = byDay[e.day - 1].flatMap { $0 }
                liquidations.append(ChartPoint(x: Double(e.day), y: min(before ?? 1, 1)))
            }
        }
        guard !marks.isEmpty else { return nil }
        marks += shockRules(run.strategies)
        marks.append(.hRule(name: "liquidation at 1.0", y: 1, label: "1.0", style: threshold))
        if !liquidations.isEmpty {
            marks.append(.points(name: "liquidation (path 0)", points: liquidations,
                                 style: SeriesStyle(color: Palette.vermillion, marker: .cross)))
        }
        let lo = max(0, min(values.min() ?? 1, 1) - 0.1)
        // Health factors run to infinity as debt vanishes: cap the axis so the
        // region near 1.0 stays readable (higher values run off the top).
        var sorted = values.sorted()
        let p90 = sorted.isEmpty ? 2 : Statistics.quantiles(&sorted, [0.9])[0]
        let hi = min(values.max() ?? 2, max(1.5, p90 * 1.15))
        return Chart(id: "chart-health-factor", title: "Health factor over time (path 0)", xLabel: "Date",
                     yLabel: "Health factor", x: .dates(start: run.start), marks: marks, yDomain: (lo, max(hi, 1.2)))
    }

    // MARK: Attribution

    /// One step of a waterfall: a label and the change it makes.
    struct Step: Equatable {
        var label: String
        var value: Double
    }

    /// The steps from initial value to final equity: net deposits, each
    /// attribution source summed over layers and spot, and what is left
    /// unexplained if the sources do not close the gap.
    static func waterfallSteps(_ s: StoredStrategy) -> (initial: Double, steps: [Step], final: Double) {
        let initial = s.metric(.initialValue) ?? 0
        let final = s.metric(.finalEquity) ?? 0
        let flows = s.metric(.netFlows) ?? 0
        let owners = s.layers.map(\.id) + [Ledger.spotName]
        var steps: [Step] = []
        if flows != 0 { steps.append(Step(label: "Net deposits", value: flows)) }
        for source in AttributionSource.allCases {
            let v = owners.map { s.metric(Metric.attribution($0, source)) ?? 0 }.reduce(0, +)
            if v != 0 { steps.append(Step(label: source.title, value: v)) }
        }
        let residual = final - initial - steps.map(\.value).reduce(0, +)
        if abs(residual) > max(0.005, abs(final) * 1e-9) { steps.append(Step(label: "Unattributed", value: residual)) }
        return (initial, steps, final)
    }

    static func signed(_ v: Double) -> String {
        let d = abs(v) >= 100 ? 0 : 2
        let text = Format.grouped(v, d)
        return v > 0 && text != Format.grouped(0, d) ? "+" + text : text
    }

    /// The attribution as a waterfall: initial value, one bar per source
    /// (gains up, losses down and hatched), final equity.
    static func waterfall(_ run: StoredRun, _ s: StoredStrategy, index: Int) -> Chart {
        let (initial, steps, final) = waterfallSteps(s)
        var level = initial
        var levels = [initial, final]
        var gains: [ChartBar] = [], losses: [ChartBar] = []
        for (k, step) in steps.enumerated() {
            let x = Double(k + 1)
            let bar = ChartBar(x0: x - 0.36, x1: x + 0.36, y0: level, y1: level + step.value, label: signed(step.value))
            if step.value >= 0 { gains.append(bar) } else { losses.append(bar) }
            level += step.value
            levels.append(level)
        }
        // The totals dwarf the steps, so the axis starts near the lowest level
        // rather than at zero; total bars rise from the axis floor.
        let lo = levels.min() ?? 0, hi = levels.max() ?? 1
        let pad = max((hi - lo) * 0.15, max(abs(hi), 1) * 0.002)
        let ticks = NiceTicks(lo: max(lo >= 0 ? 0 : lo - pad, lo - pad), hi: hi + pad, maxTicks: 7)
        let floor = ticks.lower
        let n = Double(steps.count + 1)
        let totals = [ChartBar(x0: -0.36, x1: 0.36, y0: floor, y1: initial, label: Format.grouped(initial, 0)),
                      ChartBar(x0: n - 0.36, x1: n + 0.36, y0: floor, y1: final, label: Format.grouped(final, 0))]
        var marks: [ChartMark] = [.bars(name: "initial and final equity", bars: totals, style: total)]
        if !gains.isEmpty { marks.append(.bars(name: "gain", bars: gains, style: gain)) }
        if !losses.isEmpty { marks.append(.bars(name: "loss", bars: losses, style: loss)) }
        let labels = ["Initial value"] + steps.map(\.label) + ["Final equity"]
        return Chart(id: chartID("waterfall", index, s.name),
                     title: "Attribution, \(s.name)\(run.paths > 1 ? " (means over paths)" : "")",
                     xLabel: "Source of the change", yLabel: "Equity (\(run.currency))", x: .categories(labels), marks: marks,
                     yDomain: (ticks.lower, ticks.upper), width: max(760, 110 + 84 * Double(labels.count)))
    }

    // MARK: Distribution

    /// Bin edges and counts of the final equities: round bin widths from the
    /// same nice-step ladder as the axes. Values above `cap` (a far tail that
    /// would squash the rest into a few bars) are counted in the last bin.
    static func histogram(_ values: [Double], maxBins: Int = 30, cap: Double? = nil) -> [(lo: Double, hi: Double, count: Int)] {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let max = finite.max() else { return [] }
        let hi = Swift.max(lo, Swift.min(max, cap ?? max))
        let ticks = NiceTicks(lo: lo, hi: hi, maxTicks: maxBins + 1)
        let step = ticks.step
        guard step > 0 else { return [] }
        let bins = Swift.max(1, Int(((ticks.upper - ticks.lower) / step).rounded()))
        var counts = [Int](repeating: 0, count: bins)
        for v in finite {
            let k = Int(((v - ticks.lower) / step).rounded(.down))
            counts[Swift.min(Swift.max(k, 0), bins - 1)] += 1
        }
        return counts.enumerated().map { (ticks.lower + Double($0.offset) * step, ticks.lower + Double($0.offset + 1) * step, $0.element) }
    }

    /// The distribution of final equity over paths, with the break-even
    /// level and VaR 95 / CVaR 95 drawn where those losses put the equity.
    static func distribution(_ run: StoredRun, _ s: StoredStrategy, index: Int) -> Chart? {
        guard run.paths > 1, s.paths.count > 1 else { return nil }
        let finals = s.paths.map(\.finalEquity).filter(\.isFinite)
        // The top 1 % of paths can sit far out (a year of a volatile GBM):
        // bin up to the 99th percentile and fold the rest into the last bin.
        var sorted = finals.sorted()
        let cap = sorted.isEmpty ? nil : Statistics.quantiles(&sorted, [0.99]).first
        let bins = histogram(finals, cap: cap)
        guard let last = bins.last else { return nil }
        let folded = finals.filter { $0 >= last.hi }.count
        let baseline = s.paths.map { $0.initialValue + $0.netFlows }.reduce(0, +) / Double(s.paths.count)
        let barsName = folded > 0 ? "paths per bin (the last also holds \(folded) above \(Format.grouped(last.hi, 0)))" : "paths per bin"
        var marks: [ChartMark] = [.bars(name: barsName, bars: bins.map { ChartBar(x0: $0.lo, x1: $0.hi, y0: 0, y1: Double($0.count)) },
                                        style: SeriesStyle(color: Palette.skyBlue, opacity: 0.9))]
        marks.append(.vRule(name: "break-even (initial + deposits)", x: baseline, label: nil,
                            style: SeriesStyle(color: Palette.grey, dash: "2 3", width: 1.5)))
        if let v = s.metric(.var95) {
            marks.append(.vRule(name: "VaR 95: loss \(Format.grouped(v, 0))", x: baseline - v, label: "VaR 95",
                                style: SeriesStyle(color: Palette.vermillion, dash: "7 4", width: 2)))
        }
        if let c = s.metric(.cvar95) {
            marks.append(.vRule(name: "CVaR 95: loss \(Format.grouped(c, 0))", x: baseline - c, label: "CVaR 95",
                                style: SeriesStyle(color: Palette.black, dash: "2 2", width: 2)))
        }
        return Chart(id: chartID("distribution", index, s.name), title: "Final equity over \(Format.grouped(Double(s.paths.count), 0)) paths: \(s.name)",
                     xLabel: "Final equity (\(run.currency))", yLabel: "Number of paths", x: .numeric, marks: marks, includeZero: true)
    }

    // MARK: Time to liquidation

    /// Share of paths liquidated at least once by each day (cumulative), for
    /// every strategy that borrows: a flat line at zero is worth seeing too.
    static func timeToLiquidation(_ run: StoredRun) -> Chart? {
        var marks: [ChartMark] = []
        var top = 0.0
        for (i, s) in run.strategies.enumerated() {
            let firsts = s.paths.compactMap(\.firstLiquidationDay)
            let borrows = s.metric(.minHealthFactor) != nil || s.pathZero.contains { $0.healthFactor != nil }
            guard borrows || !firsts.isEmpty, !s.paths.isEmpty, run.days > 0 else { continue }
            var perDay = [Int](repeating: 0, count: run.days)
            for d in firsts { perDay[min(max(d, 0), run.days - 1)] += 1 }
            var cumulative = 0
            var points: [ChartPoint] = []
            for d in 0..<run.days {
                cumulative += perDay[d]
                points.append(ChartPoint(x: Double(d), y: Double(cumulative) / Double(s.paths.count)))
            }
            top = max(top, points.last?.y ?? 0)
            marks.append(.line(name: s.name, points: points, style: Palette.style(i)))
        }
        guard !marks.isEmpty else { return nil }
        return Chart(id: "chart-time-to-liquidation", title: "Time to first liquidation", xLabel: "Date",
                     yLabel: "Share of paths liquidated", x: .dates(start: run.start), yFormat: .percent, marks: marks,
                     yDomain: (0, max(0.1, top)), includeZero: true)
    }

    // MARK: Market

    /// Market charts: one per kind (prices, pegs, rates); prices of very
    /// different size (ETH and CRV) get charts of their own so neither is flat.
    static func market(_ run: StoredRun, _ series: [ChartSeries]) -> [Chart] {
        var charts: [Chart] = []
        for kind in ChartSeries.Kind.allCases {
            let ofKind = series.filter { $0.kind == kind && $0.values.contains { $0?.isFinite == true } }
            guard !ofKind.isEmpty else { continue }
            var groups: [[ChartSeries]] = []
            if kind == .price {
                var byMagnitude: [Int: [ChartSeries]] = [:]
                var order: [Int] = []
                for s in ofKind {
                    let first = s.values.compactMap { $0 }.first { $0.isFinite && $0 > 0 } ?? 1
                    let m = Int(log10(first).rounded(.down))
                    if byMagnitude[m] == nil { order.append(m) }
                    byMagnitude[m, default: []].append(s)
                }
                groups = order.compactMap { byMagnitude[$0] }
            } else {
                groups = [ofKind]
            }
            for (g, group) in groups.enumerated() {
                let marks: [ChartMark] = group.enumerated().map { i, s in
                    .line(name: s.name, points: s.values.enumerated().map { ChartPoint(x: Double($0.offset), y: $0.element ?? .nan) },
                          style: Palette.style(i))
                }
                let title: String, yLabel: String
                switch kind {
                case .price:
                    title = "Prices (path 0): " + group.map(\.name).joined(separator: ", ")
                    yLabel = "Price (\(run.currency))"
                case .peg:
                    title = "Peg ratios (path 0)"
                    yLabel = "Ratio to the pegged asset"
                case .rate:
                    title = "Rates (path 0)"
                    yLabel = "Rate per year"
                }
                var withPar = marks
                if kind == .peg { withPar.append(.hRule(name: "par (1.0)", y: 1, label: nil, style: threshold)) }
                charts.append(Chart(id: "chart-market-\(kind.rawValue)-\(g)", title: title, xLabel: "Date", yLabel: yLabel,
                                    x: .dates(start: run.start), yFormat: kind == .rate ? .percent : .number, marks: withPar,
                                    includeZero: kind == .rate))
            }
        }
        return charts
    }

    /// Cascade volume per day and the collateral's price over the run with
    /// the price after each day's cascade marked, path 0 (SPEC §2.6).
    static func cascades(_ run: StoredRun, _ section: DepthSection, _ series: [ChartSeries]) -> [Chart] {
        let days = section.cascadeDays
        guard !days.isEmpty else { return [] }
        let volumeByDay = Dictionary(days.map { ($0.day, $0.volume) }, uniquingKeysWith: +)
        // A bar for every day (zero without a cascade), so the axis spans the run.
        let bars = (0..<run.days).map { d in ChartBar(x0: Double(d) - 0.4, x1: Double(d) + 0.4, y0: 0, y1: volumeByDay[d] ?? 0) }
        let volume = Chart(id: "chart-cascade-volume", title: "Cascade volume per day (path 0)", xLabel: "Date",
                           yLabel: "Collateral sold (\(run.currency))", x: .dates(start: run.start),
                           marks: [.bars(name: "cascade volume", bars: bars, style: Palette.style(0))], includeZero: true)
        // A pegged collateral's ratio shows the cascade; its price in the
        // currency mostly shows the peg target's moves.
        var marks: [ChartMark] = []
        var pegged = false
        for name in section.cascadeAssets {
            if let s = series.first(where: { $0.kind == .peg && $0.name == name + " ratio" }) {
                pegged = true
                marks.append(.line(name: s.name, points: s.values.enumerated().map { ChartPoint(x: Double($0.offset), y: $0.element ?? .nan) },
                                   style: Palette.style(marks.count)))
            } else if let s = series.first(where: { $0.kind == .price && $0.name == name }) {
                marks.append(.line(name: "\(name) price", points: s.values.enumerated().map { ChartPoint(x: Double($0.offset), y: $0.element ?? .nan) },
                                   style: Palette.style(marks.count)))
            }
        }
        marks.append(.points(name: "after the day's last cascade round",
                             points: days.map { ChartPoint(x: Double($0.day), y: pegged ? $0.quotePrice : $0.price) },
                             style: Palette.style(marks.count)))
        let price = Chart(id: "chart-cascade-price", title: pegged ? "Cascaded peg ratio (path 0)" : "Cascaded collateral price (path 0)",
                          xLabel: "Date", yLabel: pegged ? "Ratio to the pegged asset" : "Price (\(run.currency))", x: .dates(start: run.start), marks: marks)
        return [volume, price]
    }
}
