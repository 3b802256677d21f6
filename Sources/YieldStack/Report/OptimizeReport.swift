import Foundation

/// Markdown, HTML and JSON for `yieldstack optimize`: the optimum, the limit
/// that binds at it, and the frontier — every explored point's objective
/// against each limited metric (a table in Markdown; a table and one SVG
/// scatter per limit in HTML, the limit drawn as a vertical rule).
public struct OptimizeReport {
    public var scenarioName: String
    public var file: String
    public var result: OptimizeResult
    /// The stored runs, one per point, in the order of `result.points`.
    public var runs: [StoredRun]
    public var databasePath: String

    /// Everything comes from the search and its stored runs; nothing is recomputed.
    public init(scenarioName: String, file: String, result: OptimizeResult, runs: [StoredRun], databasePath: String) {
        self.scenarioName = scenarioName
        self.file = file
        self.result = result
        self.runs = runs
        self.databasePath = databasePath
    }

    var problem: OptimizeProblem { result.problem }

    /// Decimals that show an axis value to a tenth of the search tolerance:
    /// ⌈−log10(1e-3 × width)⌉ + 1, at least 0.
    static func decimals(_ axis: OptimizeAxis) -> Int {
        max(0, Int((-log10(axis.width * Optimizer.relativeTolerance)).rounded(.up)) + 1)
    }

    /// An axis value, rounded to its display decimals (trailing zeros dropped).
    public static func axisValue(_ v: Double, _ axis: OptimizeAxis) -> String {
        var s = Format.fixed(v, decimals(axis))
        if s.contains(".") {
            while s.hasSuffix("0") { s.removeLast() }
            if s.hasSuffix(".") { s.removeLast() }
        }
        return s
    }

    /// A metric's value in its unit: fractions as percentages (3 decimals), others grouped.
    public static func metricValue(_ v: Double?, _ m: Metric) -> String {
        guard let v else { return "—" }
        switch m.unit {
        case .fraction: return Format.percent(v, 3)
        case .count, .day, .path: return Format.grouped(v, 2)
        case .ratio: return Format.grouped(v, 4)
        case .currency: return Format.grouped(v, 4)
        }
    }

    func key(_ axis: OptimizeAxis) -> String { axis.path.description }

    /// One sentence: the answer, or that there is none.
    public var headline: String { headline(code: { $0 }) }

    /// The headline with key paths, metrics and limits passed through `code`
    /// (Markdown code spans in the Markdown report, plain elsewhere).
    func headline(code: (String) -> String) -> String {
        let o = result.optimum
        let at = zip(problem.axes, o.values).map { "\(code($0.path.description)) = \(Self.axisValue($1, $0))" }.joined(separator: ", ")
        let objective = "\(code(problem.objective.metric.name)) = \(Self.metricValue(o.evaluation.objective, problem.objective.metric))"
        if !result.feasible {
            return "INFEASIBLE: no explored point meets every limit. The least-violating point is \(at) (\(objective); total violation \(Format.plain(o.violation)))."
        }
        var s = "Optimum: \(at), \(objective)"
        if let b = result.bindingLimit {
            s += "; binding limit \(code(problem.limits[b].display)) (\(code(problem.limits[b].metric.name)) = \(Self.metricValue(o.evaluation.limitValues[b], problem.limits[b].metric)) here)."
        } else {
            s += problem.limits.isEmpty ? "." : "; no limit binds."
        }
        return s
    }

    func headerRows(code: (String) -> String = { $0 }, text: (String) -> String = { $0 }) -> [(String, String)] {
        var rows: [(String, String)] = [("File", code(file)), ("Strategy", text(problem.strategyName)),
                                         ("Objective", (problem.objective.minimise ? "minimise " : "maximise ") + code(problem.objective.metric.name))]
        for l in problem.limits { rows.append(("Subject to", code(l.display))) }
        for a in problem.axes {
            let tol = String(format: "%g", a.width * Optimizer.relativeTolerance)
            rows.append(("Vary", "\(code(a.path.description)) from \(Format.plain(a.lo)) to \(Format.plain(a.hi)), tolerance \(tol)"))
        }
        if let r = runs.first {
            rows.append(("Period", "\(r.start) → \(r.endDate) (\(r.days) days)"))
            rows.append(("Paths, seed", "\(Format.grouped(Double(r.paths), 0)), \(r.seed) (every point on the same paths)"))
        }
        rows.append(("Evaluated points", "\(result.points.count)"))
        return rows
    }

    /// Rows of the frontier table: #, phase, axes, objective, limited metrics, feasible, run.
    func tableRows() -> (head: [String], rows: [[String]]) {
        var head = ["#", "phase"] + problem.axes.map(key)
        head.append(problem.objective.metric.name + (problem.objective.minimise ? " (minimised)" : " (maximised)"))
        head += problem.limits.map(\.metric.name)
        head += ["feasible", "run"]
        let rows = result.points.map { p -> [String] in
            var r = ["\(p.index + 1)" + (p.index == result.optimumIndex ? " ★" : ""), p.phase]
            r += zip(problem.axes, p.values).map { Self.axisValue($1, $0) }
            r.append(Self.metricValue(p.evaluation.objective, problem.objective.metric))
            r += zip(problem.limits, p.evaluation.limitValues).map { Self.metricValue($1, $0.metric) }
            r.append(p.feasible ? "yes" : "no")
            r.append("\(p.evaluation.runID)")
            return r
        }
        return (head, rows)
    }

    /// `<stem>-optimize.md`: header, headline, and the explored points as the frontier table.
    public func markdown() -> String {
        var out: [String] = []
        out.append("# Optimise: \(Markdown.cell(scenarioName))")
        out.append("")
        out.append("| | |")
        out.append("|---|---|")
        for (k, v) in headerRows(code: { MarkdownText.code($0, inTable: true) }, text: Markdown.cell) { out.append("| \(k) | \(v) |") }
        out.append("")
        out.append(headline(code: { MarkdownText.code($0) }))
        out.append("")
        let ids = result.points.map(\.evaluation.runID)
        out.append("\(ReportRenderer.runLinePrefix)\(ids.min().map(String.init) ?? "–")–\(ids.max().map(String.init) ?? "–") in database \(MarkdownText.code(databasePath)); a point's full report: \(MarkdownText.code("yieldstack report --db \(databasePath) --run ID")).")
        out.append("")
        out.append("## Explored points")
        out.append("")
        out.append("In evaluation order (★ the answer): a coarse grid, then bisection of a limit's boundary (one varied key) or refinement by halving steps around the best feasible point, to 1e-3 of each range. The frontier is the objective against each limited metric across these rows.")
        out.append("")
        let t = tableRows()
        out.append("| " + t.head.map { MarkdownText.code($0, inTable: true) }.joined(separator: " | ") + " |")
        out.append("|" + t.head.indices.map { $0 == 1 ? "---|" : "---:|" }.joined())
        for r in t.rows { out.append("| " + r.map(Markdown.cell).joined(separator: " | ") + " |") }
        return out.joined(separator: "\n") + "\n"
    }

    /// The frontier charts: the objective (y) against each limited metric
    /// (x), feasible and infeasible points apart, the limit as a vertical
    /// rule; without limits, the objective against the first varied key.
    public func charts() -> [Chart] {
        let obj = problem.objective.metric
        let yFormat: ValueFormat = obj.unit == .fraction ? .percent : .number
        func split(_ x: (OptimizePoint) -> Double?) -> [ChartMark] {
            var feasible: [ChartPoint] = [], infeasible: [ChartPoint] = [], best: [ChartPoint] = []
            for p in result.points {
                guard let xv = x(p), let yv = p.evaluation.objective, xv.isFinite, yv.isFinite else { continue }
                let pt = ChartPoint(x: xv, y: yv)
                if p.index == result.optimumIndex { best.append(pt) }
                if p.feasible { feasible.append(pt) } else { infeasible.append(pt) }
            }
            return [
                .points(name: "feasible", points: feasible, style: SeriesStyle(color: Palette.blue, marker: .circle)),
                .points(name: "infeasible", points: infeasible, style: SeriesStyle(color: Palette.vermillion, marker: .cross)),
                .points(name: result.feasible ? "optimum" : "least violating", points: best, style: SeriesStyle(color: Palette.black, marker: .diamond, width: 3)),
            ]
        }
        if problem.limits.isEmpty {
            let a = problem.axes[0]
            return [Chart(id: "chart-optimize-axis", title: "\(obj.name) against \(a.path)", xLabel: a.path.description, yLabel: obj.name,
                          x: .numeric, yFormat: yFormat, marks: split { $0.values[0] })]
        }
        return problem.limits.enumerated().map { i, l in
            var marks = split { $0.evaluation.limitValues[i] }
            marks.append(.vRule(name: nil, x: l.bound, label: l.display, style: SeriesStyle(color: Palette.grey, dash: "4 3", width: 1)))
            return Chart(id: "chart-optimize-\(i)", title: "Frontier: \(obj.name) against \(l.metric.name)", xLabel: l.metric.name, yLabel: obj.name,
                         x: .numeric, xFormat: l.metric.unit == .fraction ? .percent : .number, yFormat: yFormat, marks: marks)
        }
    }

    /// `<stem>-optimize.html`: the Markdown report's content plus the frontier charts, self-contained (the run report's CSS, inline SVG).
    public func html() -> String {
        func h(_ s: String) -> String { Markup.text(s) }
        var out: [String] = []
        out.append("<!DOCTYPE html>")
        out.append("<html lang=\"en\">")
        out.append("<head>")
        out.append("<meta charset=\"utf-8\">")
        out.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        out.append("<title>\(h(scenarioName)) — yieldstack optimisation</title>")
        out.append("<style>\n\(HTMLReportRenderer.css)\n</style>")
        out.append("</head>")
        out.append("<body>")
        out.append("<main>")
        out.append("<h1>Optimise: \(h(scenarioName))</h1>")
        out.append("<table>")
        for (k, v) in headerRows(code: { "<code>\(h($0))</code>" }, text: h) { out.append("<tr><th>\(h(k))</th><td>\(v)</td></tr>") }
        out.append("</table>")
        out.append("<p class=\"\(result.feasible ? "headline" : "headline infeasible")\"><strong>\(headline(code: { "<code>\(h($0))</code>" }))</strong></p>")
        out.append("<h2>Frontier</h2>")
        for c in charts() { out.append("<figure>\(c.svg())</figure>") }
        out.append("<h2>Explored points</h2>")
        let t = tableRows()
        out.append("<table>")
        out.append("<tr>" + t.head.map { "<th>\(h($0))</th>" }.joined() + "</tr>")
        for r in t.rows { out.append("<tr>" + r.map { "<td>\(h($0))</td>" }.joined() + "</tr>") }
        out.append("</table>")
        out.append("<p>Runs in database <code>\(h(databasePath))</code>; a point's full report: <code>yieldstack report --db \(h(databasePath)) --run ID</code>.</p>")
        out.append("</main>")
        out.append("</body>")
        out.append("</html>")
        return out.joined(separator: "\n") + "\n"
    }

    /// `--json`: the problem, `feasible`, `binding`, the `optimum` and every point (values by key path, objective, limits, run id).
    public func json(reportPath: String?, htmlPath: String?) -> JSONValue {
        func point(_ p: OptimizePoint) -> JSONValue {
            JSONBuild.object([
                ("index", .number(Double(p.index))),
                ("phase", .string(p.phase)),
                ("values", JSONBuild.object(zip(problem.axes, p.values).map { ($0.path.description, JSONValue.number($1)) })),
                ("objective", JSONBuild.number(p.evaluation.objective)),
                ("limits", JSONBuild.object(zip(problem.limits, p.evaluation.limitValues).map { ($0.description, JSONBuild.number($1)) })),
                ("feasible", .bool(p.feasible)),
                ("violation", .number(p.violation)),
                ("run_id", .number(Double(p.evaluation.runID))),
            ])
        }
        return JSONBuild.object([
            ("optimize", .string(scenarioName)),
            ("file", .string(file)),
            ("db", .string(databasePath)),
            ("report", JSONBuild.string(reportPath)),
            ("html", JSONBuild.string(htmlPath)),
            ("strategy", .string(problem.strategyName)),
            ("objective", .string(problem.objective.description)),
            ("subject_to", JSONBuild.array(problem.limits.map { .string($0.description) })),
            ("feasible", .bool(result.feasible)),
            ("binding", JSONBuild.string(result.bindingLimit.map { problem.limits[$0].description })),
            ("optimum", point(result.optimum)),
            ("points", JSONBuild.array(result.points.map(point))),
        ])
    }
}
