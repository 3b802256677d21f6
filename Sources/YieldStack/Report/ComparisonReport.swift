import Foundation

/// Markdown for `yieldstack compare`: strategies of one run side by side
/// (with the flexible-versus-locked analysis), or two stored runs.
public enum ComparisonReport {
    static func money(_ v: Double?, _ currency: String) -> String { Markdown.money(v, currency) }
    static func num(_ v: Double?) -> String { Markdown.number(v) }
    static func pct(_ v: Double?) -> String { Markdown.percent(v) }
    static func escape(_ s: String) -> String { Markdown.cell(s) }

    /// The metrics shown side by side, in order.
    static let rows: [(String, Metric, Bool)] = [
        ("Final equity (mean)", .finalEquity, false), ("Final equity p05", .equityP05, false),
        ("Final equity p50", .equityP50, false), ("Final equity p95", .equityP95, false),
        ("Return (mean)", .totalReturn, true), ("APY of the mean return", .apy, true), ("VaR 95", .var95, false),
        ("CVaR 95", .cvar95, false), ("Max drawdown (mean)", .maxDrawdown, true),
        ("Liquidation probability", .liquidationProbability, true), ("Min health factor (mean)", .minHealthFactor, false),
    ]

    /// Strategies of one run, with pairwise figures and lock analyses.
    public static func render(run: StoredRun, strategies names: [String], analyses: [LockAnalysis], databasePath: String) -> String {
        let selected = names.compactMap { n in run.strategies.first { $0.name == n } }
        let c = run.currency
        var out: [String] = []
        out.append("# Comparison: \(escape(run.scenarioName))")
        out.append("")
        out.append("| Scenario | |")
        out.append("|---|---|")
        out.append("| File | \(MarkdownText.code(run.scenarioFile, inTable: true)) |")
        out.append("| Period | \(run.start) → \(run.endDate) (\(run.days) days) |")
        out.append("| Paths | \(Format.grouped(Double(run.paths), 0)) (the same market paths for every strategy) |")
        out.append("| Seed | \(run.seed) |")
        out.append("")
        out.append("\(ReportRenderer.runLinePrefix)\(run.id) in database \(MarkdownText.code(databasePath)); its full report: \(MarkdownText.code("yieldstack report --db \(databasePath) --run \(run.id)")).")
        out.append("")
        out.append("## Side by side")
        out.append("")
        out.append("| | " + selected.map { escape($0.name) }.joined(separator: " | ") + " |")
        out.append("|---|" + selected.map { _ in "---:|" }.joined())
        for (title, key, percent) in rows {
            out.append("| \(title) | " + selected.map { s in percent ? pct(s.metric(key)) : num(s.metric(key)) }.joined(separator: " | ") + " |")
        }
        out.append("")
        if selected.count > 1 {
            out.append("## Head to head")
            out.append("")
            out.append("Path by path on the same markets. *Crash paths* are the worst 5 % of paths by the capital asset's own price change.")
            out.append("")
            out.append("| A | B | P(A ends above B) | P(B ends above A) | Mean A − B | Median A − B | Mean A − B on crash paths |")
            out.append("|---|---|---:|---:|---:|---:|---:|")
            for (i, a) in selected.enumerated() {
                for b in selected[(i + 1)...] {
                    let n = min(a.paths.count, b.paths.count)
                    var diffs = (0..<n).map { a.paths[$0].finalEquity - b.paths[$0].finalEquity }
                    let crashPaths = Statistics.crashPaths(marketReturns: a.paths.prefix(n).map(\.marketReturn))
                    let crash = n > 0 ? Statistics.mean(crashPaths.map { diffs[$0] }) : .nan
                    let mean = Statistics.mean(diffs)
                    let median = n > 0 ? Statistics.quantiles(&diffs, [0.5])[0] : .nan
                    out.append("| \(escape(a.name)) | \(escape(b.name)) | \(pct(a.metric(Metric.probabilityAbove(b.name)))) | \(pct(b.metric(Metric.probabilityAbove(a.name)))) | "
                        + "\(money(mean, c)) | \(money(median, c)) | \(money(crash, c)) |")
                }
            }
            out.append("")
        }
        for a in analyses {
            out.append("## Flexible (\(escape(a.flexible))) versus locked (\(escape(a.locked)))")
            out.append("")
            out.append("- **Extra yield of locking**: \(extraYieldClause(a.extraYield)) — the locked strategy earned \(money(a.stakingIncomeLocked, c)) in staking rewards against \(money(a.stakingIncomeFlexible, c)) for the flexible one, on average.")
            out.append("- **Net of exits, penalties and crashes**: the locked strategy's mean APY is \(Format.fixed(abs(a.apyDifference) * 100, 2)) percentage points \(a.apyDifference >= 0 ? "above" : "below") the flexible one's.")
            out.append("- **When a crash comes while locked**: on the worst \(a.crashPaths) of \(run.paths) path\(run.paths == 1 ? "" : "s") (the capital asset moved \(Format.percent(a.crashThreshold)) or worse), the flexible strategy ended at \(money(a.crashFlexibleEquity, c)) and the locked one at \(money(a.crashLockedEquity, c)) on average: \(crashClause(a.crashDifference, c)).")
            let current = a.lockAPR.map { " (the scenario locks at \(Format.percent($0)))" } ?? ""
            if let m = a.breakEvenMeanAPR {
                out.append("- **Break-even lock APR, mean**: \(Format.percent(m, 3))\(current). Above it the locked strategy's mean final equity exceeds the flexible one's on these paths.")
            } else {
                out.append("- **Break-even lock APR, mean**: \(a.lockedAheadAtZeroMean ? "none: the locked strategy is ahead even at 0 %" : "none up to 1,000 %").")
            }
            if let v = a.breakEvenCVaRAPR {
                out.append("- **Break-even lock APR, CVaR 95**: \(Format.percent(v, 3)). Above it the locked strategy's worst-5 % mean loss is smaller than the flexible one's.")
            } else {
                out.append("- **Break-even lock APR, CVaR 95**: \(a.lockedAheadAtZeroCVaR ? "none: the locked strategy's tail is smaller even at 0 %" : "none up to 1,000 %").")
            }
            out.append("")
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The staking income locking added, per year on initial value, in words:
    /// a negative figure (the lock earned less, e.g. it was exited early)
    /// reads "… less", not "extra yield -0.50 %".
    static func extraYieldClause(_ extraYield: Double) -> String {
        Format.sign(extraYield, 4) < 0 ? "none; locking earned \(Format.percent(-extraYield)) a year less on initial value"
            : "\(Format.percent(extraYield)) a year on initial value"
    }

    /// Locked minus flexible mean equity on crash paths, in words from the locked side.
    static func crashClause(_ difference: Double, _ currency: String) -> String {
        let sign = Format.sign(difference)
        return sign > 0 ? "the locked one ahead by \(money(difference, currency))"
            : sign < 0 ? "the locked one behind by \(money(-difference, currency))" : "no difference"
    }

    /// Two stored runs side by side, strategies matched by name. Paired
    /// figures are given only when both runs saw the same market paths.
    public static func render(_ a: StoredRun, _ b: StoredRun, databasePath: String) -> String {
        var out: [String] = []
        let sameMarket = StoredRun.sameMarket(a, b)
        out.append("# Comparison of runs \(a.id) and \(b.id)")
        out.append("")
        out.append("Database \(MarkdownText.code(databasePath)).")
        out.append("")
        out.append("| | Run \(a.id) | Run \(b.id) |")
        out.append("|---|---|---|")
        out.append("| Scenario | \(escape(a.scenarioName)) | \(escape(b.scenarioName)) |")
        out.append("| File | \(MarkdownText.code(a.scenarioFile, inTable: true)) | \(MarkdownText.code(b.scenarioFile, inTable: true)) |")
        out.append("| SHA-256 | `\(a.scenarioSHA256.prefix(16))…` | `\(b.scenarioSHA256.prefix(16))…` |")
        out.append("| Period | \(a.start) → \(a.endDate) | \(b.start) → \(b.endDate) |")
        out.append("| Paths, seed | \(a.paths), \(a.seed) | \(b.paths), \(b.seed) |")
        out.append("| Currency | \(escape(a.currency)) | \(escape(b.currency)) |")
        out.append("")
        out.append(sameMarket
            ? "Both runs saw the same market paths (same market, seed, paths and dates), so strategies are also compared path by path."
            : "The runs' markets differ (market, seed, paths or dates), so only distributions are compared, not paths.")
        out.append("")
        let names = a.strategies.map(\.name) + b.strategies.map(\.name).filter { n in !a.strategies.contains { $0.name == n } }
        for name in names {
            let sa = a.strategies.first { $0.name == name }
            let sb = b.strategies.first { $0.name == name }
            out.append("## \(escape(name))")
            out.append("")
            guard let sa, let sb else {
                out.append("Only in run \(sa == nil ? b.id : a.id).")
                out.append("")
                continue
            }
            out.append("| | Run \(a.id) | Run \(b.id) | Difference |")
            out.append("|---|---:|---:|---:|")
            for (title, key, percent) in rows {
                let va = sa.metric(key), vb = sb.metric(key)
                let diff: Double? = (va != nil && vb != nil) ? vb! - va! : nil
                out.append("| \(title) | \(percent ? pct(va) : num(va)) | \(percent ? pct(vb) : num(vb)) | \(percent ? pct(diff) : num(diff)) |")
            }
            if sameMarket, sa.paths.count == sb.paths.count, !sa.paths.isEmpty {
                let n = sa.paths.count
                let above = (0..<n).filter { sb.paths[$0].finalEquity > sa.paths[$0].finalEquity }.count
                out.append("")
                out.append("Path by path, run \(b.id) ended above run \(a.id) on \(Format.percent(Double(above) / Double(n))) of paths.")
            }
            out.append("")
        }
        return out.joined(separator: "\n") + "\n"
    }
}

extension StoredRun {
    /// Whether two runs simulated identical market paths: same market
    /// section, seed, path count, start and days.
    public static func sameMarket(_ a: StoredRun, _ b: StoredRun) -> Bool {
        guard a.seed == b.seed, a.paths == b.paths, a.start == b.start, a.days == b.days,
              let ta = try? JSONParser.parse(a.scenarioJSON), let tb = try? JSONParser.parse(b.scenarioJSON) else { return false }
        return ta["market"] == tb["market"]
    }
}
