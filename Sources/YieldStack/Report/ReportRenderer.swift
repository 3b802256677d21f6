import Foundation

/// Cell formatting shared by the Markdown reports: absent values print as
/// "—"; names are escaped by `MarkdownText` so they cannot break a table or
/// become markup.
enum Markdown {
    static func cell(_ s: String) -> String { MarkdownText.cell(s) }
    static func number(_ v: Double?, _ decimals: Int = 2) -> String { v.map { Format.grouped($0, decimals) } ?? "—" }
    static func percent(_ v: Double?) -> String { v.map { Format.percent($0) } ?? "—" }
    /// The currency is a scenario name like any other, so it is escaped too.
    static func money(_ v: Double?, _ currency: String) -> String { v.map { "\(Format.grouped($0)) \(MarkdownText.text(currency))" } ?? "—" }
}

/// Renders the Markdown risk report of a stored run (SPEC §4). It reads only
/// what the database holds, so `yieldstack report --db --run` reproduces a
/// run's report byte for byte. Exactly one line names the run id and the
/// database (`runLinePrefix`); everything else depends only on the scenario
/// and seed.
public struct ReportRenderer {
    public let run: StoredRun
    public let databasePath: String

    /// The start of the one line that differs between two runs of the same scenario.
    public static let runLinePrefix = "Run "

    public init(run: StoredRun, databasePath: String) {
        self.run = run
        self.databasePath = databasePath
    }

    var currency: String { run.currency }
    var isMonteCarlo: Bool { run.paths > 1 }

    public func render() -> String {
        var out: [String] = []
        header(&out)
        summary(&out)
        comparison(&out)
        attribution(&out)
        risk(&out)
        depth(&out)
        timeline(&out)
        charts(&out)
        notes(&out)
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: Sections

    private func header(_ out: inout [String]) {
        out.append("# \(escape(run.scenarioName))")
        out.append("")
        if let d = run.scenarioDescription, !d.isEmpty {
            out.append("> \(escape(d))")
            out.append("")
        }
        out.append("| Scenario | |")
        out.append("|---|---|")
        out.append("| File | \(MarkdownText.code(run.scenarioFile, inTable: true)) |")
        out.append("| SHA-256 | `\(run.scenarioSHA256)` |")
        out.append("| Period | \(run.start) → \(run.endDate) (\(run.days) day\(run.days == 1 ? "" : "s")) |")
        out.append("| Paths | \(Format.grouped(Double(run.paths), 0))\(isMonteCarlo ? " (Monte Carlo; figures are means over paths unless named otherwise)" : "") |")
        out.append("| Seed | \(run.seed) |")
        out.append("| Currency | \(escape(currency)) |")
        out.append("| Tool | yieldstack \(run.toolVersion) |")
        out.append("")
        out.append("\(Self.runLinePrefix)\(run.id) in database \(MarkdownText.code(databasePath)).")
        out.append("")
    }

    private func summary(_ out: inout [String]) {
        out.append("## Summary")
        out.append("")
        for s in run.strategies {
            let initial = s.metric(.initialValue) ?? 0
            let final = s.metric(.finalEquity) ?? 0
            let ret = s.metric(.totalReturn) ?? 0
            var sentence = "- **\(escape(s.name))**: \(money(initial)) → \(money(final)) (\(signedPercent(ret)), APY \(signedPercent(s.metric(.apy) ?? 0)))"
            if isMonteCarlo {
                sentence += "; " + Self.tailClause(var95: s.metric(.var95) ?? 0, cvar95: s.metric(.cvar95) ?? 0, paths: run.paths, money: money)
            }
            sentence += "; " + Self.drawdownClause(s.metric(.maxDrawdown) ?? 0, mean: isMonteCarlo)
            let lp = s.metric(.liquidationProbability) ?? 0
            if lp > 0 {
                sentence += isMonteCarlo
                    ? "; liquidated on \(Format.percent(lp)) of paths, the first time by day \(Int(s.metric(.firstLiquidationDayP50) ?? 0)) in half of those"
                    : "; liquidated \(Int(s.metric(.liquidations) ?? 0)) time\(Int(s.metric(.liquidations) ?? 0) == 1 ? "" : "s"), first on day \(Int(s.metric(.firstLiquidationDayP50) ?? 0))"
            }
            out.append(sentence + ".")
        }
        if isMonteCarlo, run.strategies.count > 1 {
            for (i, a) in run.strategies.enumerated() {
                for b in run.strategies[(i + 1)...] {
                    guard let p = a.metric(Metric.probabilityAbove(b.name)) else { continue }
                    let difference = Self.differenceClause(a.metric(Metric.meanDifference(b.name)) ?? 0, money: money)
                    out.append("- On the same markets, **\(escape(a.name))** ended above **\(escape(b.name))** on \(Format.percent(p)) of paths (\(difference)).")
                }
            }
        }
        out.append("")
    }

    private func comparison(_ out: inout [String]) {
        out.append("## Strategy comparison")
        out.append("")
        out.append("| Strategy | Capital | Initial value | Final equity | p05 | p50 | p95 | Return | APY | Max drawdown | Liquidation probability | Min health factor |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s in run.strategies {
            out.append("| \(escape(s.name)) | \(Format.plain(s.capitalAmount)) \(escape(s.capitalAsset)) | \(num(s.metric(.initialValue))) | \(num(s.metric(.finalEquity))) | "
                + "\(num(s.metric(.equityP05))) | \(num(s.metric(.equityP50))) | \(num(s.metric(.equityP95))) | "
                + "\(pct(s.metric(.totalReturn))) | \(pct(s.metric(.apy))) | \(pct(s.metric(.maxDrawdown))) | "
                + "\(pct(s.metric(.liquidationProbability))) | \(hf(s.metric(.minHealthFactor))) |")
        }
        out.append("")
    }

    private func attribution(_ out: inout [String]) {
        out.append("## Yield attribution")
        out.append("")
        out.append("What each layer earned and what each risk cost, in \(escape(currency))\(isMonteCarlo ? " (means over paths)" : ""). Income is valued on the day it is earned; *Price effect* is the revaluation of holdings as prices and pegs move; *Costs* include gas, slippage, penalties and forfeited rewards.")
        out.append("")
        for s in run.strategies {
            out.append("### \(escape(s.name))")
            out.append("")
            let owners = s.layers.map(\.id) + [Ledger.spotName]
            out.append("| Source | " + owners.map { MarkdownText.identifier($0) }.joined(separator: " | ") + " | Total |")
            out.append("|---|" + owners.map { _ in "---:|" }.joined() + "---:|")
            var columnTotals = [Double](repeating: 0, count: owners.count)
            var omitted: [String] = []
            for source in AttributionSource.allCases {
                let values = owners.map { s.metric(Metric.attribution($0, source)) ?? 0 }
                for (i, v) in values.enumerated() { columnTotals[i] += v }
                if values.allSatisfy({ $0 == 0 }) {
                    omitted.append(source == .lpFees ? "LP fees" : source.title.lowercased())
                    continue
                }
                out.append("| \(source.title) | " + values.map { num($0) }.joined(separator: " | ") + " | \(num(values.reduce(0, +))) |")
            }
            out.append("| **Total** | " + columnTotals.map { "**\(num($0))**" }.joined(separator: " | ") + " | **\(num(columnTotals.reduce(0, +)))** |")
            out.append("")
            if !omitted.isEmpty {
                out.append("Zero for every layer, so not shown: \(omitted.joined(separator: ", ")).")
                out.append("")
            }
            let initial = s.metric(.initialValue) ?? 0
            let final = s.metric(.finalEquity) ?? 0
            let flows = s.metric(.netFlows) ?? 0
            out.append("Initial value \(money(initial)); net deposits \(money(flows)); final equity \(money(final)); change from sources \(money(final - initial - flows)).")
            out.append("")
            out.append("| Layer | Type | Asset | Amount | Value | Debt | Yield | Yield value |")
            out.append("|---|---|---|---:|---:|---:|---:|---:|")
            for l in s.layers {
                let m = { (k: Metric.LayerField) in s.metric(Metric.layer(l.id, k)) }
                out.append("| \(MarkdownText.identifier(l.id)) | \(escape(l.type)) | \(escape(l.asset)) | \(num(m(.amount), 4)) | \(num(m(.value))) | \(num(m(.debt), 4)) | \(num(m(.yieldTokens), 4)) | \(num(m(.yieldValue))) |")
            }
            if let spot = s.metric(.spot) {
                out.append("| spot | wallet | — | — | \(num(spot)) | — | — | — |")
                out.append("")
                out.append(PositionText.addUp(finalEquity: money(s.metric(.finalEquity) ?? 0)))
            }
            for l in s.layers {
                guard let idle = s.metric(Metric.layer(l.id, extra: Metric.borrowedIdle)), idle > 1e-9 else { continue }
                out.append("")
                out.append(PositionText.idleBorrowed(layer: MarkdownText.identifier(l.id), amount: num(idle, 4)))
            }
            out.append("")
        }
    }

    private func risk(_ out: inout [String]) {
        out.append("## Risk")
        out.append("")
        out.append("Losses are measured against initial value plus net deposits, as positive numbers in \(escape(currency)) (a negative loss is a gain)\(isMonteCarlo ? "" : "; with one path, VaR and CVaR are that path's loss"). Drawdowns are taken on the time-weighted equity index, so deposits and withdrawals are not counted as gains or losses.")
        out.append("")
        out.append("### Loss distribution")
        out.append("")
        out.append("| Strategy | P(loss) | Median loss | Loss p90 | VaR 95 | CVaR 95 | VaR 99 | CVaR 99 | Worst loss |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for s in run.strategies {
            var losses = s.paths.map(\.loss)
            let share = losses.isEmpty ? 0 : Double(losses.filter { $0 > 0 }.count) / Double(losses.count)
            let q = losses.isEmpty ? [0, 0] : Statistics.quantiles(&losses, [0.5, 0.9])
            out.append("| \(escape(s.name)) | \(Format.percent(share)) | \(num(q[0])) | \(num(q[1])) | \(num(s.metric(.var95))) | \(num(s.metric(.cvar95))) | "
                + "\(num(s.metric(.var99))) | \(num(s.metric(.cvar99))) | \(num(s.paths.map(\.loss).max())) |")
        }
        out.append("")
        out.append("### Liquidations")
        out.append("")
        out.append("| Strategy | Liquidation probability | Liquidations per path | First liquidation, p05 | First liquidation, median | Bad debt (mean) | Min health factor (mean) | Min health factor (worst) |")
        out.append("|---|---:|---:|---|---|---:|---:|---:|")
        for s in run.strategies {
            func day(_ key: Metric) -> String {
                guard let d = s.metric(key) else { return "—" }
                let rounded = Int(d.rounded())
                return "day \(Format.fixed(d, 0)) (\(run.start.adding(days: rounded)))"
            }
            out.append("| \(escape(s.name)) | \(pct(s.metric(.liquidationProbability))) | \(num(s.metric(.liquidations))) | \(day(.firstLiquidationDayP05)) | "
                + "\(day(.firstLiquidationDayP50)) | \(num(s.metric(.badDebt))) | \(hf(s.metric(.minHealthFactor))) | \(hf(s.metric(.worstHealthFactor))) |")
        }
        out.append("")
        out.append("### Drawdown and APY distribution")
        out.append("")
        out.append("| Strategy | Max drawdown, mean | p50 | p95 | worst | APY p05 | APY p50 | APY p95 |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for s in run.strategies {
            out.append("| \(escape(s.name)) | \(pct(s.metric(.maxDrawdown))) | \(pct(s.metric(.maxDrawdownP50))) | \(pct(s.metric(.maxDrawdownP95))) | "
                + "\(pct(s.metric(.maxDrawdownWorst))) | \(pct(s.metric(.apyP05))) | \(pct(s.metric(.apyP50))) | \(pct(s.metric(.apyP95))) |")
        }
        out.append("")
        if run.strategies.count > 1 {
            out.append("### Head to head")
            out.append("")
            out.append("Share of paths on which the row's strategy ends above the column's, on the same markets.")
            out.append("")
            out.append("| | " + run.strategies.map { escape($0.name) }.joined(separator: " | ") + " |")
            out.append("|---|" + run.strategies.map { _ in "---:|" }.joined())
            for a in run.strategies {
                let cells = run.strategies.map { b in a.name == b.name ? "—" : pct(a.metric(Metric.probabilityAbove(b.name))) }
                out.append("| \(escape(a.name)) | " + cells.joined(separator: " | ") + " |")
            }
            out.append("")
        }
    }

    /// Market depth and cascades (SPEC §2.6), when the scenario has depth.
    private func depth(_ out: inout [String]) {
        guard let section = DepthSection(run: run) else { return }
        out.append("## Market depth and cascades")
        out.append("")
        for t in section.tables {
            out.append("### \(escape(t.title))")
            out.append("")
            out.append(MarkdownText.text(t.intro))
            out.append("")
            out.append("| " + t.headers.map(escape).joined(separator: " | ") + " |")
            out.append("|" + t.headers.indices.map { $0 >= t.numericFrom ? "---:" : "---" }.joined(separator: "|") + "|")
            for row in t.rows { out.append("| " + row.map(escape).joined(separator: " | ") + " |") }
            out.append("")
        }
    }

    private func timeline(_ out: inout [String]) {
        out.append("## Event timeline")
        out.append("")
        out.append("Events on path 0\(isMonteCarlo ? " and on each strategy's worst path" : ""); shocks and flows apply to every path. Repeated identical refusals on consecutive days are shown once with their day range.")
        out.append("")
        for s in run.strategies {
            out.append("### \(escape(s.name))")
            out.append("")
            let worst = Int(s.metric(.worstPath) ?? 0)
            var selections: [(String, [EngineEvent])] = [("path 0", EventTimeline.chronological(s.events.filter { $0.path == nil || $0.path == 0 }))]
            if isMonteCarlo, worst != 0 {
                selections.append(("worst path (\(worst))", EventTimeline.chronological(s.events.filter { $0.path == nil || $0.path == worst })))
            }
            for (title, events) in selections {
                if selections.count > 1 { out.append("**\(title.prefix(1).uppercased() + title.dropFirst())**"); out.append("") }
                let rows = EventTimeline.collapse(events)
                if rows.isEmpty {
                    out.append("No events.")
                    out.append("")
                    continue
                }
                out.append("| Day | Date | Event | Layer | Amount | Value | Details |")
                out.append("|---:|---|---|---|---:|---:|---|")
                for (e, lastDay, repeats) in rows {
                    let days = repeats > 1 ? "\(e.day)–\(lastDay)" : "\(e.day)"
                    let date = run.start.adding(days: e.day).description
                    let kind = e.kind.rawValue + (repeats > 1 ? " ×\(repeats)" : "")
                    let asset = e.asset.map(escape)
                    let amount = e.amount.map { "\(Format.grouped($0, 4))\(asset.map { " \($0)" } ?? "")" } ?? (asset ?? "")
                    out.append("| \(days) | \(date) | \(kind) | \(e.layer.map { MarkdownText.identifier($0) } ?? "") | \(amount) | \(e.value.map { num($0) } ?? "") | \(escape(EventTimeline.details(e.detail))) |")
                }
                out.append("")
            }
        }
    }



    /// Mermaid xychart-beta blocks. Mermaid's x-axis is either categorical,
    /// printing every category's label side by side with no rotation or
    /// thinning, or numeric, with ticks it chooses and no way to print dates.
    /// Forty or sixty daily labels overlap into a smear, so each chart plots
    /// at most `chartPoints` evenly spaced days, first and last included, and
    /// labels them with their dates. Each chart has at most
    /// `seriesPerChart` lines (more strategies are split over several charts),
    /// a fixed palette so the legend below it can name colours, and a y-axis
    /// with a title and a rounded range. Daily values are in the database.
    private func charts(_ out: inout [String]) {
        out.append("## Charts")
        out.append("")
        let days = Self.chartDays(run.days, points: Self.chartPoints)
        let sampling = "Sampled on \(days.count) of \(run.days) days\(days.count < run.days ? ", evenly spaced" : ""); every day's figures are in the database (`\(isMonteCarlo ? "daily_quantiles" : "daily")`)."
        let groups = stride(from: 0, to: run.strategies.count, by: Self.seriesPerChart).map { Array(run.strategies[$0..<min($0 + Self.seriesPerChart, run.strategies.count)]) }
        for (g, group) in groups.enumerated() {
            let part = groups.count > 1 ? " (\(g + 1) of \(groups.count))" : ""
            out.append("### Equity\(isMonteCarlo ? " (median over paths)" : "")\(part)")
            out.append("")
            let series: [(String, [Double])] = group.map { s in
                (s.name + (isMonteCarlo ? " p50" : ""), days.map { d in
                    isMonteCarlo ? (d < s.quantiles.count ? s.quantiles[d].p50 : 0) : (d < s.pathZero.count ? s.pathZero[d].equity : 0)
                })
            }
            out.append(mermaidLines(title: "Equity\(isMonteCarlo ? ", median" : "")\(part), \(run.start) to \(run.endDate)", days: days, series: series))
            out.append("")
            out.append(sampling)
            out.append("")
        }
        if isMonteCarlo {
            for s in run.strategies where !s.quantiles.isEmpty {
                out.append("### Equity fan: \(escape(s.name))")
                out.append("")
                // p25 and p75 would crowd the chart between lines that already
                // bound the band; `daily_quantiles` holds them.
                let bands: [(String, KeyPath<DailyQuantiles, Double>)] = [("p95", \.p95), ("p50", \.p50), ("p05", \.p05)]
                let series = bands.map { name, kp in ("\(s.name) \(name)", days.map { s.quantiles[min($0, s.quantiles.count - 1)][keyPath: kp] }) }
                out.append(mermaidLines(title: "\(s.name): equity p05, p50, p95", days: days, series: series))
                out.append("")
                out.append(sampling)
                out.append("")
            }
        }
    }

    private func notes(_ out: inout [String]) {
        out.append("## How to read this report")
        out.append("")
        out.append("- Day 0 is \(run.start); each day applies market moves and shocks, flows, one day of accrual, liquidations, then the strategy's rules, in that order.")
        out.append("- Equity is assets minus debts at market prices in \(escape(currency)). Returns use the Modified Dietz method when there are deposits or withdrawals; APY is (1 + return)^(365/days) − 1.")
        out.append("- Amounts are token units; values are in \(escape(currency)).")
    }

    // MARK: Sign-aware wording

    /// The 5 % tail in words. VaR and CVaR are losses, so a negative value is
    /// a gain: "lost more than -0.93 ETH" would say the opposite of the
    /// figure, and a reader skimming the summary would take a gain for a loss.
    /// Only magnitudes are printed; the verb carries the sign.
    static func tailClause(var95: Double, cvar95: Double, paths: Int, money: (Double) -> String) -> String {
        let markets = "\(Format.grouped(Double(paths), 0)) simulated markets"
        let sign = Format.sign(var95)
        let head = sign > 0
            ? "in 5 % of \(markets) it lost more than \(money(var95))"
            : sign < 0 ? "even in the worst 5 % of \(markets) it gained at least \(money(-var95))"
            : "in the worst 5 % of \(markets) it at best broke even"
        return head + " (mean of that worst 5 %: \(lossOrGain(cvar95, money: money)))"
    }

    /// "a loss of X", "a gain of X" or "no loss" for a loss figure (positive = loss).
    static func lossOrGain(_ loss: Double, money: (Double) -> String) -> String {
        let sign = Format.sign(loss)
        return sign > 0 ? "a loss of \(money(loss))" : sign < 0 ? "a gain of \(money(-loss))" : "no loss"
    }

    /// Drawdowns are never negative; a zero one reads "no drawdown", not "0.00 %".
    static func drawdownClause(_ drawdown: Double, mean: Bool) -> String {
        Format.sign(drawdown, 4) > 0 ? "\(mean ? "mean " : "")maximum drawdown \(Format.percent(drawdown))" : "no drawdown"
    }

    /// A mean difference A − B in words, from A's side: "X higher on average"
    /// rather than "mean difference -X", whose sign a reader has to decode.
    static func differenceClause(_ difference: Double, money: (Double) -> String) -> String {
        let sign = Format.sign(difference)
        return sign > 0 ? "on average \(money(difference)) higher"
            : sign < 0 ? "on average \(money(-difference)) lower" : "the same on average"
    }

    // MARK: Helpers

    /// At most this many dated points per chart: ten 10-character dates fit
    /// side by side on the 900-pixel-wide chart the blocks ask for.
    static let chartPoints = 10
    /// At most this many lines per chart, each with its own palette colour.
    static let seriesPerChart = 5
    /// The palette the blocks set, and the names the legends give its colours.
    static let palette: [(hex: String, name: String)] = [("#1f77b4", "blue"), ("#ff7f0e", "orange"), ("#2ca02c", "green"), ("#d62728", "red"), ("#9467bd", "purple")]

    /// `points` days from 0 to `days − 1`, evenly spaced (rounded), first and last included.
    static func chartDays(_ days: Int, points: Int) -> [Int] {
        guard days > 1, points > 1 else { return days > 0 ? [0] : [] }
        let n = min(days, points)
        return (0..<n).map { i in Int((Double(i) * Double(days - 1) / Double(n - 1)).rounded()) }
    }

    /// A y-axis range that contains every value, with round ends: the range
    /// widened by 5 % and snapped outward to a step of 1, 2 or 5 × 10^k (about
    /// five steps), so the axis reads 6000 --> 18000 rather than 7816.19 --> 18059.32.
    static func axisRange(_ values: [Double]) -> (lo: Double, hi: Double, decimals: Int) {
        let finite = values.filter(\.isFinite)
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if hi - lo < 1e-9 * max(1, abs(hi)) { let d = max(1, abs(hi) * 0.01); lo -= d; hi += d }
        let pad = (hi - lo) * 0.05
        lo -= pad; hi += pad
        let raw = (hi - lo) / 5
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let decimals = max(0, Int(-(log10(step)).rounded(.down)))
        return ((lo / step).rounded(.down) * step, (hi / step).rounded(.up) * step, decimals)
    }

    /// One chart, then its legend: one line per series naming its colour.
    private func mermaidLines(title: String, days: [Int], series: [(name: String, values: [Double])]) -> String {
        let range = Self.axisRange(series.flatMap(\.values))
        let palette = Self.palette.prefix(max(1, series.count)).map(\.hex).joined(separator: ", ")
        let labels = days.map { "\"\(run.start.adding(days: $0))\"" }.joined(separator: ", ")
        var lines = ["```mermaid", "---", "config:", "  xyChart:", "    width: 900", "  themeVariables:", "    xyChart:", "      plotColorPalette: \"\(palette)\"", "---",
                     "xychart-beta", "    title \"\(MarkdownText.mermaidString(title))\"",
                     "    x-axis \"date\" [\(labels)]",
                     "    y-axis \"\(MarkdownText.mermaidString("equity (\(currency))"))\" \(Format.fixed(range.lo, range.decimals)) --> \(Format.fixed(range.hi, range.decimals))"]
        for s in series {
            lines.append("    line [\(s.values.map { Format.fixed($0, 2) }.joined(separator: ", "))]")
        }
        lines.append("```")
        lines.append("")
        for (i, s) in series.enumerated() {
            lines.append("- line \(i + 1) (\(Self.palette[i % Self.palette.count].name)): \(escape(s.name))")
        }
        return lines.joined(separator: "\n")
    }



    private func escape(_ s: String) -> String { Markdown.cell(s) }
    private func money(_ v: Double) -> String { Markdown.money(v, currency) }
    private func num(_ v: Double?, _ decimals: Int = 2) -> String { Markdown.number(v, decimals) }
    private func pct(_ v: Double?) -> String { Markdown.percent(v) }
    private func hf(_ v: Double?) -> String { v.map { Format.fixed($0, 3) } ?? "—" }
    private func signedPercent(_ v: Double) -> String { (v > 0 ? "+" : "") + Format.percent(v) }
}
