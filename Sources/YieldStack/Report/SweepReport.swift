/// Markdown and JSON for `yieldstack sweep`: one row per variant and strategy.
public struct SweepReport {
    public var scenarioName: String
    public var file: String
    public var axes: [SweepAxis]
    public var variants: [(variant: SweepVariant, run: StoredRun)]
    public var databasePath: String

    public init(scenarioName: String, file: String, axes: [SweepAxis], variants: [(variant: SweepVariant, run: StoredRun)], databasePath: String) {
        self.scenarioName = scenarioName
        self.file = file
        self.axes = axes
        self.variants = variants
        self.databasePath = databasePath
    }

    public func render() -> String {
        var out: [String] = []
        let first = variants.first?.run
        out.append("# Sweep: \(Markdown.cell(scenarioName))")
        out.append("")
        out.append("| | |")
        out.append("|---|---|")
        out.append("| File | \(MarkdownText.code(file, inTable: true)) |")
        if let r = first {
            out.append("| Period | \(r.start) → \(r.endDate) (\(r.days) days) |")
            out.append("| Paths, seed | \(Format.grouped(Double(r.paths), 0)), \(r.seed) |")
        }
        for axis in axes {
            out.append("| \(MarkdownText.code(axis.path.description, inTable: true)) | \(axis.values.map { MarkdownText.json(JSONWriter.write($0)) }.joined(separator: ", ")) |")
        }
        out.append("| Variants | \(variants.count) |")
        out.append("")
        let ids = variants.map(\.run.id)
        out.append("\(ReportRenderer.runLinePrefix)\(ids.first.map(String.init) ?? "–")–\(ids.last.map(String.init) ?? "–") in database \(MarkdownText.code(databasePath)); a variant's full report: \(MarkdownText.code("yieldstack report --db \(databasePath) --run ID")).")
        out.append("")
        out.append("Every variant runs on the same seed, so variants that share a market see the same paths.")
        out.append("")
        let axisHeads = axes.map { axis -> String in
            if case .key(let k)? = axis.path.components.last { return MarkdownText.code(k, inTable: true) }
            return MarkdownText.code(axis.path.description, inTable: true)
        }
        // Final equity and return beside APY: variants that differ in `days`
        // (or in deposits) can have the higher APY and still end with less,
        // so APY alone could rank them backwards.
        // A sweep of a market with cascades (SPEC §2.6) also shows how often
        // one happened: with and without the cascade side by side.
        let cascades = variants.contains { $0.run.strategies.contains { $0.metric(.cascadeProbability) != nil } }
        out.append("| # | " + axisHeads.joined(separator: " | ") + " | Strategy | Run | Final equity (mean) | Return (mean) | APY (mean) | CVaR 95 | Liquidation probability |"
            + (cascades ? " Cascade probability |" : ""))
        out.append("|---:|" + axes.map { _ in "---|" }.joined() + "---|---:|---:|---:|---:|---:|---:|" + (cascades ? "---:|" : ""))
        for (v, run) in variants {
            for s in run.strategies {
                let values = v.assignments.map { MarkdownText.json(JSONWriter.write($0.value)) }
                out.append("| \(v.index + 1) | " + values.joined(separator: " | ") + " | \(Markdown.cell(s.name)) | \(run.id) | "
                    + "\(Markdown.number(s.metric(.finalEquity))) | \(Markdown.percent(s.metric(.totalReturn))) | \(Markdown.percent(s.metric(.apy))) | "
                    + "\(Markdown.number(s.metric(.cvar95))) | \(Markdown.percent(s.metric(.liquidationProbability))) |"
                    + (cascades ? " \(Markdown.percent(s.metric(.cascadeProbability) ?? 0)) |" : ""))
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    public func json(reportPath: String?) -> JSONValue {
        JSONBuild.object([
            ("sweep", .string(scenarioName)),
            ("file", .string(file)),
            ("db", .string(databasePath)),
            ("report", JSONBuild.string(reportPath)),
            ("variants", JSONBuild.array(variants.map { (v, run) in
                JSONBuild.object([
                    ("index", .number(Double(v.index))),
                    ("set", JSONBuild.object(v.assignments.map { ($0.path.description, $0.value) })),
                    ("run_id", .number(Double(run.id))),
                    ("strategies", JSONBuild.array(run.strategies.map { s in
                        JSONBuild.object([
                            ("name", .string(s.name)),
                            (Metric.finalEquity.name, JSONBuild.number(s.metric(.finalEquity))),
                            (Metric.totalReturn.name, JSONBuild.number(s.metric(.totalReturn))),
                            (Metric.apy.name, JSONBuild.number(s.metric(.apy))),
                            (Metric.cvar95.name, JSONBuild.number(s.metric(.cvar95))),
                            (Metric.liquidationProbability.name, JSONBuild.number(s.metric(.liquidationProbability))),
                        ] + (s.metric(.cascadeProbability).map { [(Metric.cascadeProbability.name, JSONValue.number($0))] } ?? []))
                    })),
                ])
            })),
        ])
    }
}
