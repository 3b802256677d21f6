import Foundation

/// Renders the self-contained HTML report of a stored run (SPEC §4): the
/// Markdown report's sections as HTML tables, plus inline SVG charts. It
/// reads only the `StoredRun` (and the market series handed in), references
/// nothing outside the file (no scripts, fonts, stylesheets or images) and
/// formats every number without a locale, so the same stored run renders
/// byte for byte the same. Exactly one line names the run id and the
/// database (`runLinePrefix`), as in the Markdown report.
public struct HTMLReportRenderer {
    public let run: StoredRun
    public let databasePath: String
    public let marketSeries: [ChartSeries]

    /// The start of the one line that differs between two runs of the same scenario.
    public static let runLinePrefix = "<p class=\"run-line\">Run "

    /// `marketSeries` nil takes `ChartSeries.marketSeries(from: run)`, so
    /// every caller gets the market charts once the store provides them.
    public init(run: StoredRun, databasePath: String, marketSeries: [ChartSeries]? = nil) {
        self.run = run
        self.databasePath = databasePath
        self.marketSeries = marketSeries ?? ChartSeries.marketSeries(from: run)
    }

    var currency: String { run.currency }
    var isMonteCarlo: Bool { run.paths > 1 }

    public func render() -> String {
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\">")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        out.append("<title>\(h(run.scenarioName)) — yieldstack report</title>")
        out.append("<style>\n\(Self.css)\n</style>")
        out.append("</head>")
        out.append("<body>")
        out.append("<main>")
        header(&out)
        summary(&out)
        comparison(&out)
        attribution(&out)
        risk(&out)
        market(&out)
        depth(&out)
        timeline(&out)
        notes(&out)
        out.append("</main>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    static let css = """
        body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #111; background: #fff; margin: 0; }
        main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
        h1 { font-size: 1.6em; margin: 0.6em 0 0.3em; }
        h2 { font-size: 1.3em; border-bottom: 2px solid #0072B2; padding-bottom: 2px; margin-top: 1.8em; }
        h3 { font-size: 1.1em; margin-top: 1.4em; }
        .table-wrap { max-width: 100%; overflow-x: auto; }
        table { border-collapse: collapse; margin: 0.6em 0 1em; font-size: 0.86em; }
        th, td { border: 1px solid #bbb; padding: 3px 7px; text-align: left; vertical-align: top; }
        th { background: #eef3f8; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        tr.total td { font-weight: bold; }
        code { font-size: 0.95em; background: #f3f3f3; padding: 0 3px; }
        figure.chart-figure { margin: 1em 0 1.6em; }
        figure.chart-figure svg { max-width: 100%; height: auto; border: 1px solid #ddd; }
        figcaption { font-size: 0.85em; color: #333; max-width: 760px; margin-top: 4px; }
        .description { font-style: italic; max-width: 900px; }
        .none { color: #555; font-style: italic; }
        @media print { h2 { break-after: avoid; } figure.chart-figure { break-inside: avoid; } }
        """

    // MARK: Sections

    private func header(_ out: inout [String]) {
        out.append("<header>")
        out.append("<h1>\(h(run.scenarioName))</h1>")
        if let d = run.scenarioDescription, !d.isEmpty { out.append("<p class=\"description\">\(h(d))</p>") }
        out.append("<table class=\"meta\">")
        let rows: [(String, String)] = [
            ("File", "<code>\(h(run.scenarioFile))</code>"),
            ("SHA-256", "<code>\(h(run.scenarioSHA256))</code>"),
            ("Period", "\(run.start) → \(run.endDate) (\(run.days) day\(run.days == 1 ? "" : "s"))"),
            ("Paths", Format.grouped(Double(run.paths), 0) + (isMonteCarlo ? " (Monte Carlo; figures are means over paths unless named otherwise)" : "")),
            ("Seed", "\(run.seed)"),
            ("Currency", h(currency)),
            ("Tool", "yieldstack \(h(run.toolVersion))"),
        ]
        for (k, v) in rows { out.append("<tr><th>\(k)</th><td>\(v)</td></tr>") }
        out.append("</table>")
        out.append("\(Self.runLinePrefix)\(run.id) in database <code>\(h(databasePath))</code>.</p>")
        out.append("</header>")
    }

    private func summary(_ out: inout [String]) {
        out.append("<section id=\"summary\">")
        out.append("<h2>Summary</h2>")
        out.append("<ul>")
        for s in run.strategies {
            let initial = s.metric(.initialValue) ?? 0
            let final = s.metric(.finalEquity) ?? 0
            var sentence = "<li><strong>\(h(s.name))</strong>: \(money(initial)) → \(money(final)) (\(signedPercent(s.metric(.totalReturn) ?? 0)), APY \(signedPercent(s.metric(.apy) ?? 0)))"
            if isMonteCarlo {
                sentence += "; in 5 % of \(Format.grouped(Double(run.paths), 0)) simulated markets it lost more than \(money(s.metric(.var95) ?? 0))"
                sentence += " (mean of that worst 5 %: \(money(s.metric(.cvar95) ?? 0)))"
            }
            sentence += "; \(isMonteCarlo ? "mean " : "")maximum drawdown \(Format.percent(s.metric(.maxDrawdown) ?? 0))"
            let lp = s.metric(.liquidationProbability) ?? 0
            if lp > 0 {
                let count = Int(s.metric(.liquidations) ?? 0)
                sentence += isMonteCarlo
                    ? "; liquidated on \(Format.percent(lp)) of paths, the first time by day \(Int(s.metric(.firstLiquidationDayP50) ?? 0)) in half of those"
                    : "; liquidated \(count) time\(count == 1 ? "" : "s"), first on day \(Int(s.metric(.firstLiquidationDayP50) ?? 0))"
            }
            out.append(sentence + ".</li>")
        }
        if isMonteCarlo, run.strategies.count > 1 {
            for (i, a) in run.strategies.enumerated() {
                for b in run.strategies[(i + 1)...] {
                    guard let p = a.metric(Metric.probabilityAbove(b.name)) else { continue }
                    out.append("<li>On the same markets, <strong>\(h(a.name))</strong> ended above <strong>\(h(b.name))</strong> on \(Format.percent(p)) of paths (mean difference \(money(a.metric(Metric.meanDifference(b.name)) ?? 0))).</li>")
                }
            }
        }
        out.append("</ul>")
        out.append("<h3>Equity over time</h3>")
        if let c = ReportCharts.equityOverview(run) {
            figure(&out, c, caption: isMonteCarlo ? "The median over paths of each strategy." : "The one simulated path of each strategy.")
        }
        for (i, s) in run.strategies.enumerated() {
            guard let c = ReportCharts.equity(run, s, index: i) else { continue }
            figure(&out, c, caption: isMonteCarlo
                   ? "Shaded: the middle 90 % (p05–p95) and 50 % (p25–p75) of paths on each day; solid: the median; dashed: path 0, one market the timeline below follows."
                   : "Equity of the one simulated path.")
        }
        out.append("</section>")
    }

    private func comparison(_ out: inout [String]) {
        out.append("<section id=\"comparison\">")
        out.append("<h2>Strategy comparison</h2>")
        var rows: [[String]] = []
        for s in run.strategies {
            rows.append([h(s.name), "\(Format.plain(s.capitalAmount)) \(h(s.capitalAsset))", num(s.metric(.initialValue)), num(s.metric(.finalEquity)),
                         num(s.metric(.equityP05)), num(s.metric(.equityP50)), num(s.metric(.equityP95)), pct(s.metric(.totalReturn)),
                         pct(s.metric(.apy)), pct(s.metric(.maxDrawdown)), pct(s.metric(.liquidationProbability)), hf(s.metric(.minHealthFactor))])
        }
        table(&out, ["Strategy", "Capital", "#Initial value", "#Final equity", "#p05", "#p50", "#p95", "#Return", "#APY", "#Max drawdown",
                     "#Liquidation probability", "#Min health factor"], rows, numericFrom: 2)
        out.append("</section>")
    }

    private func attribution(_ out: inout [String]) {
        out.append("<section id=\"attribution\">")
        out.append("<h2>Yield attribution</h2>")
        out.append("<p>What each layer earned and what each risk cost, in \(h(currency))\(isMonteCarlo ? " (means over paths)" : ""). Income is valued on the day it is earned; <em>Price effect</em> is the revaluation of holdings as prices and pegs move; <em>Costs</em> include gas, slippage, penalties and forfeited rewards.</p>")
        for (index, s) in run.strategies.enumerated() {
            out.append("<h3>\(h(s.name))</h3>")
            let owners = s.layers.map(\.id) + [Ledger.spotName]
            var rows: [[String]] = []
            var columnTotals = [Double](repeating: 0, count: owners.count)
            var omitted: [String] = []
            for source in AttributionSource.allCases {
                let values = owners.map { s.metric(Metric.attribution($0, source)) ?? 0 }
                for (i, v) in values.enumerated() { columnTotals[i] += v }
                if values.allSatisfy({ $0 == 0 }) {
                    omitted.append(source == .lpFees ? "LP fees" : source.title.lowercased())
                    continue
                }
                rows.append([source.title] + values.map { num($0) } + [num(values.reduce(0, +))])
            }
            rows.append(["Total"] + columnTotals.map { num($0) } + [num(columnTotals.reduce(0, +))])
            table(&out, ["Source"] + owners.map { "#<code>\(h($0))</code>" } + ["#Total"], rows, numericFrom: 1, lastRowTotal: true)
            if !omitted.isEmpty { out.append("<p>Zero for every layer, so not shown: \(h(omitted.joined(separator: ", "))).</p>") }
            let initial = s.metric(.initialValue) ?? 0
            let final = s.metric(.finalEquity) ?? 0
            let flows = s.metric(.netFlows) ?? 0
            out.append("<p>Initial value \(money(initial)); net deposits \(money(flows)); final equity \(money(final)); change from sources \(money(final - initial - flows)).</p>")
            figure(&out, ReportCharts.waterfall(run, s, index: index),
                   caption: "From initial value to final equity: each bar is one source summed over the layers and the spot wallet; gains rise (green), losses fall (hatched). The axis does not start at zero.")
            var layerRows: [[String]] = []
            for l in s.layers {
                let m = { (k: Metric.LayerField) in s.metric(Metric.layer(l.id, k)) }
                layerRows.append(["<code>\(h(l.id))</code>", h(l.type), h(l.asset), num(m(.amount), 4), num(m(.value)), num(m(.debt), 4),
                                  num(m(.yieldTokens), 4), num(m(.yieldValue))])
            }
            if let spot = s.metric(.spot) {
                layerRows.append([Ledger.spotName, "wallet", "—", "—", num(spot), "—", "—", "—"])
            }
            table(&out, ["Layer", "Type", "Asset", "#Amount", "#Value", "#Debt", "#Yield", "#Yield value"], layerRows, numericFrom: 3)
            if s.metric(.spot) != nil {
                out.append("<p>" + PositionText.addUp(finalEquity: money(s.metric(.finalEquity) ?? 0)) + "</p>")
            }
            for l in s.layers {
                guard let idle = s.metric(Metric.layer(l.id, extra: Metric.borrowedIdle)), idle > 1e-9 else { continue }
                out.append("<p>" + PositionText.idleBorrowed(layer: "<code>\(h(l.id))</code>", amount: num(idle, 4)) + "</p>")
            }
        }
        out.append("</section>")
    }

    private func risk(_ out: inout [String]) {
        out.append("<section id=\"risk\">")
        out.append("<h2>Risk</h2>")
        out.append("<p>Losses are measured against initial value plus net deposits, as positive numbers in \(h(currency))\(isMonteCarlo ? "" : "; with one path, VaR and CVaR are that path's loss"). Drawdowns are taken on the time-weighted equity index, so deposits and withdrawals are not counted as gains or losses.</p>")
        out.append("<h3>Loss distribution</h3>")
        var rows: [[String]] = []
        for s in run.strategies {
            var losses = s.paths.map(\.loss)
            let share = losses.isEmpty ? 0 : Double(losses.filter { $0 > 0 }.count) / Double(losses.count)
            let q = losses.isEmpty ? [0, 0] : Statistics.quantiles(&losses, [0.5, 0.9])
            rows.append([h(s.name), Format.percent(share), num(q[0]), num(q[1]), num(s.metric(.var95)), num(s.metric(.cvar95)),
                         num(s.metric(.var99)), num(s.metric(.cvar99)), num(s.paths.map(\.loss).max())])
        }
        table(&out, ["Strategy", "#P(loss)", "#Median loss", "#Loss p90", "#VaR 95", "#CVaR 95", "#VaR 99", "#CVaR 99", "#Worst loss"], rows, numericFrom: 1)
        for (i, s) in run.strategies.enumerated() {
            guard let c = ReportCharts.distribution(run, s, index: i) else { continue }
            figure(&out, c, caption: "How many paths ended in each band of final equity. Dotted grey: break-even (initial value plus deposits); the VaR 95 and CVaR 95 lines sit where those losses leave the equity.")
        }
        if !isMonteCarlo { out.append("<p class=\"none\">One path: no distribution of final equity to draw.</p>") }

        out.append("<h3>Liquidations</h3>")
        rows = []
        for s in run.strategies {
            func day(_ key: Metric) -> String {
                guard let d = s.metric(key) else { return "—" }
                return "day \(Format.fixed(d, 0)) (\(run.start.adding(days: Int(d.rounded()))))"
            }
            rows.append([h(s.name), pct(s.metric(.liquidationProbability)), num(s.metric(.liquidations)), day(.firstLiquidationDayP05),
                         day(.firstLiquidationDayP50), num(s.metric(.badDebt)), hf(s.metric(.minHealthFactor)), hf(s.metric(.worstHealthFactor))])
        }
        table(&out, ["Strategy", "#Liquidation probability", "#Liquidations per path", "First liquidation, p05", "First liquidation, median",
                     "#Bad debt (mean)", "#Min health factor (mean)", "#Min health factor (worst)"], rows, numericFrom: 1, textColumns: [3, 4])
        if let c = ReportCharts.healthFactor(run) {
            figure(&out, c, caption: "The lowest health factor among each strategy's borrowing layers on path 0; a position is liquidated when it falls below 1.0 (dashed). Crosses mark path 0's liquidations. Very high values run off the top of the axis.")
        } else {
            out.append("<p class=\"none\">No strategy borrows on path 0: no health factor to draw.</p>")
        }
        if let c = ReportCharts.timeToLiquidation(run) {
            figure(&out, c, caption: "Share of all paths liquidated at least once by each date.")
        } else {
            out.append("<p class=\"none\">No strategy borrows: no liquidation to time.</p>")
        }

        out.append("<h3>Drawdown and APY distribution</h3>")
        rows = run.strategies.map { s in
            [h(s.name), pct(s.metric(.maxDrawdown)), pct(s.metric(.maxDrawdownP50)), pct(s.metric(.maxDrawdownP95)), pct(s.metric(.maxDrawdownWorst)),
             pct(s.metric(.apyP05)), pct(s.metric(.apyP50)), pct(s.metric(.apyP95))]
        }
        table(&out, ["Strategy", "#Max drawdown, mean", "#p50", "#p95", "#worst", "#APY p05", "#APY p50", "#APY p95"], rows, numericFrom: 1)
        if run.strategies.count > 1 {
            out.append("<h3>Head to head</h3>")
            out.append("<p>Share of paths on which the row's strategy ends above the column's, on the same markets.</p>")
            rows = run.strategies.map { a in
                [h(a.name)] + run.strategies.map { b in a.name == b.name ? "—" : pct(a.metric(Metric.probabilityAbove(b.name))) }
            }
            table(&out, [""] + run.strategies.map { "#" + h($0.name) }, rows, numericFrom: 1)
        }
        out.append("</section>")
    }

    private func market(_ out: inout [String]) {
        let charts = ReportCharts.market(run, marketSeries)
        guard !charts.isEmpty else { return }
        out.append("<section id=\"market\">")
        out.append("<h2>Market</h2>")
        out.append("<p>The market the strategies saw on path 0: prices in \(h(currency)), peg ratios and the rates of rate-bearing layers.</p>")
        for c in charts { figure(&out, c, caption: nil) }
        out.append("</section>")
    }

    /// Market depth and cascades (SPEC §2.6), when the scenario has depth.
    private func depth(_ out: inout [String]) {
        guard let section = DepthSection(run: run) else { return }
        out.append("<section id=\"depth\">")
        out.append("<h2>Market depth and cascades</h2>")
        for t in section.tables {
            out.append("<h3>\(h(t.title))</h3>")
            out.append("<p>\(h(t.intro))</p>")
            table(&out, t.headers.map(h), t.rows.map { $0.map(h) }, numericFrom: t.numericFrom)
        }
        for chart in ReportCharts.cascades(run, section, marketSeries) { figure(&out, chart, caption: nil) }
        out.append("</section>")
    }

    private func timeline(_ out: inout [String]) {
        out.append("<section id=\"timeline\">")
        out.append("<h2>Event timeline</h2>")
        out.append("<p>Events on path 0\(isMonteCarlo ? " and on each strategy's worst path" : ""); shocks and flows apply to every path. Repeated identical refusals on consecutive days are shown once with their day range.</p>")
        for s in run.strategies {
            out.append("<h3>\(h(s.name))</h3>")
            let worst = Int(s.metric(.worstPath) ?? 0)
            var selections: [(String, [EngineEvent])] = [("Path 0", EventTimeline.chronological(s.events.filter { $0.path == nil || $0.path == 0 }))]
            if isMonteCarlo, worst != 0 {
                selections.append(("Worst path (\(worst))", EventTimeline.chronological(s.events.filter { $0.path == nil || $0.path == worst })))
            }
            for (title, events) in selections {
                if selections.count > 1 { out.append("<h4>\(h(title))</h4>") }
                let collapsed = EventTimeline.collapse(events)
                if collapsed.isEmpty {
                    out.append("<p class=\"none\">No events.</p>")
                    continue
                }
                let rows: [[String]] = collapsed.map { e, lastDay, repeats in
                    let days = repeats > 1 ? "\(e.day)–\(lastDay)" : "\(e.day)"
                    let kind = e.kind.rawValue + (repeats > 1 ? " ×\(repeats)" : "")
                    let amount = e.amount.map { "\(Format.grouped($0, 4))\(e.asset.map { " \($0)" } ?? "")" } ?? (e.asset ?? "")
                    return [days, "\(run.start.adding(days: e.day))", h(kind), e.layer.map { "<code>\(h($0))</code>" } ?? "", h(amount),
                            e.value.map { num($0) } ?? "", h(EventTimeline.details(e.detail))]
                }
                table(&out, ["#Day", "Date", "Event", "Layer", "#Amount", "#Value", "Details"], rows, numericFrom: 0, textColumns: [1, 2, 3, 6])
            }
        }
        out.append("</section>")
    }

    private func notes(_ out: inout [String]) {
        out.append("<section id=\"notes\">")
        out.append("<h2>How to read this report</h2>")
        out.append("<ul>")
        out.append("<li>Day 0 is \(run.start); each day applies market moves and shocks, flows, one day of accrual, liquidations, then the strategy's rules, in that order.</li>")
        out.append("<li>Equity is assets minus debts at market prices in \(h(currency)). Returns use the Modified Dietz method when there are deposits or withdrawals; APY is (1 + return)^(365/days) − 1.</li>")
        out.append("<li>Amounts are token units; values are in \(h(currency)).</li>")
        out.append("<li>Charts use the Okabe–Ito palette with distinct dash patterns and markers, so they read in greyscale and with colour-vision deficiencies.</li>")
        out.append("</ul>")
        out.append("</section>")
    }

    // MARK: Helpers

    /// A chart in a figure; the caption is our own text, escaped anyway.
    private func figure(_ out: inout [String], _ chart: Chart, caption: String?) {
        out.append("<figure class=\"chart-figure\">")
        out.append(chart.svg())
        if let caption { out.append("<figcaption>\(h(caption))</figcaption>") }
        out.append("</figure>")
    }

    /// A table. Headers starting with `#` are numeric (right-aligned); cells
    /// are already-escaped HTML. Columns from `numericFrom` on are numeric
    /// unless listed in `textColumns`.
    private func table(_ out: inout [String], _ headers: [String], _ rows: [[String]], numericFrom: Int,
                       textColumns: Set<Int> = [], lastRowTotal: Bool = false) {
        func numeric(_ i: Int) -> Bool { i >= numericFrom && !textColumns.contains(i) }
        out.append("<div class=\"table-wrap\"><table>")
        out.append("<thead><tr>" + headers.enumerated().map { i, t in
            let text = t.hasPrefix("#") ? String(t.dropFirst()) : t
            return numeric(i) ? "<th class=\"num\">\(text)</th>" : "<th>\(text)</th>"
        }.joined() + "</tr></thead>")
        out.append("<tbody>")
        for (r, row) in rows.enumerated() {
            let cls = lastRowTotal && r == rows.count - 1 ? " class=\"total\"" : ""
            out.append("<tr\(cls)>" + row.enumerated().map { i, c in numeric(i) ? "<td class=\"num\">\(c)</td>" : "<td>\(c)</td>" }.joined() + "</tr>")
        }
        out.append("</tbody>")
        out.append("</table></div>")
    }





    private func h(_ s: String) -> String { Markup.text(s) }
    private func money(_ v: Double) -> String { "\(Format.grouped(v)) \(h(currency))" }
    private func num(_ v: Double?, _ decimals: Int = 2) -> String { v.map { Format.grouped($0, decimals) } ?? "—" }
    private func pct(_ v: Double?) -> String { v.map { Format.percent($0) } ?? "—" }
    private func hf(_ v: Double?) -> String { v.map { Format.fixed($0, 3) } ?? "—" }
    private func signedPercent(_ v: Double) -> String { (v > 0 ? "+" : "") + Format.percent(v) }
}
