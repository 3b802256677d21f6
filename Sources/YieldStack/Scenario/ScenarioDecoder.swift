import Foundation

/// Builds the typed `Scenario` from a tree that has been checked against
/// `ScenarioSchema`. It is lenient by design: a value the schema check already
/// reported is skipped (nil), so that cross-field checks still run on the rest
/// and the user sees every problem in one pass.
struct ScenarioDecoder {
    var sink: DiagnosticSink
    var warnings: [Diagnostic] = []
    /// Directory of the scenario file, for relative `file` paths.
    let baseDirectory: String
    /// The scenario file's directory as the user wrote it, for messages.
    let displayDirectory: String
    /// File contents by resolved path, so a CSV shared by several models is read once.
    var fileCache: [FileKey: Result<SeriesFile, ScenarioError>] = [:]

    /// A data file as read with one format (the same CSV may be read by two columns).
    struct FileKey: Hashable {
        var path: String
        var format: SeriesFormat
    }
    var unreadable: ScenarioError?
    var start = CivilDate(dayNumber: 0)
    var days = 1

    init(file: String, root: JSONNode, baseDirectory: String) {
        self.sink = DiagnosticSink(file: file, root: root)
        self.baseDirectory = baseDirectory
        let dir = (file as NSString).deletingLastPathComponent
        self.displayDirectory = dir
    }

    /// Value constraints for a path model, depending on what it models.
    typealias ValueKind = ModelValueKind

    mutating func decode(_ root: JSONNode) -> Scenario? {
        let name = root["name"]?.string ?? ""
        if let s = root["start"]?.string, let d = CivilDate(iso: s) { start = d }
        if let n = root["days"]?.int, n >= 1, n <= 36500 { days = n }
        let seed = root["seed"].flatMap { node -> UInt64? in
            if case .number(_, let text) = node.value { return UInt64(text) ?? node.int.flatMap { $0 >= 0 ? UInt64($0) : nil } }
            return nil
        } ?? 0
        let market = decodeMarket(root["market"], path: ScenarioPath.root / "market")
        var strategies: [StrategySpec] = []
        for (i, s) in (root["strategies"]?.elements ?? []).enumerated() {
            if let strategy = decodeStrategy(s, path: ScenarioPath.root / "strategies" / i) {
                strategies.append(strategy)
            }
        }
        return Scenario(
            name: name,
            description: root["description"]?.string,
            start: start,
            days: days,
            currency: root["currency"]?.string ?? "USD",
            seed: seed,
            paths: root["paths"]?.int ?? 1,
            market: market,
            strategies: strategies)
    }

    // MARK: Market

    mutating func decodeMarket(_ node: JSONNode?, path: ScenarioPath) -> MarketSpec {
        var assets: [AssetSpec] = []
        for m in node?["assets"]?.members ?? [] {
            let p = path / "assets" / m.key
            if let price = m.node["price"], let model = decodeModel(price, path: p / "price", kind: .price) {
                assets.append(AssetSpec(name: m.key, pricing: .price(model)))
            } else if let peg = m.node["peg"], let to = peg["to"]?.string, let ratioNode = peg["ratio"],
                      let ratio = decodeModel(ratioNode, path: p / "peg" / "ratio", kind: .ratio) {
                assets.append(AssetSpec(name: m.key, pricing: .peg(to: to, ratio: ratio)))
            } else if m.node.members != nil, m.node["price"] == nil, m.node["peg"] == nil {
                sink.report(p, "needs either 'price' or 'peg'")
            }
            if let depth = m.node["depth"], let spec = DepthSpec.decode(depth), let i = assets.indices.last, assets[i].name == m.key {
                assets[i].depth = spec
            }
        }
        var correlations: [CorrelationSpec] = []
        for c in node?["correlations"]?.elements ?? [] {
            if let pair = c["assets"]?.elements, pair.count == 2, let a = pair[0].string, let b = pair[1].string, let rho = c["rho"]?.double {
                correlations.append(CorrelationSpec(first: a, second: b, rho: rho))
            }
        }
        var shocks: [ShockSpec] = []
        for (i, s) in (node?["shocks"]?.elements ?? []).enumerated() {
            if let shock = decodeShock(s, path: path / "shocks" / i) { shocks.append(shock) }
        }
        var market = MarketSpec(assets: assets, correlations: correlations, shocks: shocks)
        market.cascades = (node?["cascades"]?.elements ?? []).compactMap(CascadeSpec.decode)
        return market
    }

    mutating func decodeShock(_ node: JSONNode, path: ScenarioPath) -> ShockSpec? {
        guard let day = node["day"]?.int else { return nil }
        let effects = ["price_change", "ratio", "borrow_apr", "supply_apr", "apr", "slash", "exploit"].filter { node[$0] != nil }
        guard effects.count == 1 else {
            sink.report(path, effects.isEmpty
                ? "needs one effect: price_change, ratio, borrow_apr, supply_apr, apr, slash or exploit"
                : "has \(effects.count) effects (\(effects.joined(separator: ", "))); write one shock per effect")
            return nil
        }
        let key = effects[0]
        guard let value = node[key]?.double else { return nil }
        let asset = node["asset"]?.string
        let layer = node["layer"]?.string
        let assetKeyed = key == "price_change" || key == "ratio"
        if assetKeyed {
            if asset == nil { sink.report(path / "asset", at: node.location, "a '\(key)' shock needs 'asset'"); return nil }
            if layer != nil { sink.report(path / "layer", "a '\(key)' shock names an asset, not a layer") }
        } else {
            if layer == nil { sink.report(path / "layer", at: node.location, "a '\(key)' shock needs 'layer'"); return nil }
            if asset != nil { sink.report(path / "asset", "a '\(key)' shock names a layer, not an asset") }
        }
        if node["recover_days"] != nil, key != "ratio" {
            sink.report(path / "recover_days", "only a 'ratio' shock recovers")
        }
        if node["duration_days"] != nil, !["borrow_apr", "supply_apr", "apr"].contains(key) {
            sink.report(path / "duration_days", "only a rate override (borrow_apr, supply_apr, apr) has a duration")
        }
        let effect: ShockSpec.Effect
        switch key {
        case "price_change": effect = .priceChange(asset: asset!, change: value)
        case "ratio": effect = .ratio(asset: asset!, value: value, recoverDays: node["recover_days"]?.int)
        case "slash": effect = .slash(layer: layer!, fraction: value)
        case "exploit": effect = .exploit(layer: layer!, fraction: value)
        default: effect = .rate(layer: layer!, kind: ShockSpec.RateKind(rawValue: key)!, value: value, durationDays: node["duration_days"]?.int)
        }
        return ShockSpec(day: day, effect: effect)
    }

    // MARK: Models and rates

    /// A path model (`PathModelRegistry`); a plain number is a constant.
    mutating func decodeModel(_ node: JSONNode, path: ScenarioPath, kind: ValueKind) -> (any PathModel)? {
        if let v = node.double {
            if let problem = kind.check(v) { sink.report(path, problem); return nil }
            return ConstantModel(value: v)
        }
        guard let name = node["model"]?.string, let type = PathModelRegistry.model(named: name), type.kinds.contains(kind) else { return nil }
        return type.decode(FieldReader(node: node, path: path, fields: type.schema(kind).properties), kind: kind, &self)
    }

    /// A rate (`RateRegistry`): a plain number is fixed.
    mutating func decodeRate(_ node: JSONNode?, path: ScenarioPath, kind: ModelValueKind = .rate) -> RateSpec? {
        guard let node else { return nil }
        if let v = node.double { return .fixed(v) }
        guard let name = node["model"]?.string, let type = RateRegistry.model(named: name) else { return nil }
        let fields = FieldReader(node: node, path: path, fields: type.schema?.properties ?? [])
        return type.decode(fields, kind: kind, &self).map { RateSpec(model: $0) }
    }

    /// Reads a `series` model and aligns it to the run: inline `values` must
    /// have at least `days` entries; a CSV must cover every date of the run.
    mutating func decodeSeries(_ node: JSONNode, path: ScenarioPath, kind: ValueKind) -> [Double]? {
        let file = node["file"]?.string
        let values = node["values"]?.elements
        let fillPrevious = node["fill"]?.string == "previous"
        switch (file, values) {
        case (nil, nil):
            sink.report(path, "a series needs 'file' or 'values'")
            return nil
        case (.some, .some):
            sink.report(path / "values", "a series takes 'file' or 'values', not both")
            return nil
        case (nil, let values?):
            var out: [Double] = []
            var ok = true
            for (i, v) in values.enumerated() {
                guard let d = v.double else { ok = false; continue }
                if let problem = kind.check(d) { sink.report(path / "values" / i, problem); ok = false }
                out.append(d)
            }
            if node["fill"] != nil { sink.report(path / "fill", "'fill' applies to a 'file' series; inline values have no dates to miss") }
            guard ok else { return nil }
            if out.count < days {
                sink.report(path / "values", "has \(out.count) value\(out.count == 1 ? "" : "s"); the run needs \(days) (one a day from \(start))")
                return nil
            }
            return Array(out.prefix(days))
        case (let file?, nil):
            let resolved = file.hasPrefix("/") ? file : (baseDirectory as NSString).appendingPathComponent(file)
            let display = file.hasPrefix("/") || displayDirectory.isEmpty ? file : (displayDirectory as NSString).appendingPathComponent(file)
            let loaded: Result<SeriesFile, ScenarioError>
            let format = SeriesFormat(seriesNode: node)
            let key = FileKey(path: resolved, format: format)
            if let cached = fileCache[key] {
                loaded = cached
            } else {
                loaded = Self.readSeries(resolved: resolved, display: display, format: format, keyPath: path / "file", sink: &sink)
                fileCache[key] = loaded
            }
            guard case .success(let series) = loaded else {
                if case .failure(let e) = loaded, case .unreadable = e, unreadable == nil { unreadable = e }
                return nil
            }
            var ok = true
            // The first few bad values are listed; a file of thousands says how many more.
            var bad = 0
            for r in series.rows {
                guard let problem = kind.check(r.value) else { continue }
                bad += 1
                ok = false
                if bad <= SeriesFile.problemLimit {
                    sink.append(Diagnostic(file: display, location: TextLocation(line: r.line, column: r.valueColumn), path: path / "file", message: "value \(problem)"))
                }
            }
            if bad > SeriesFile.problemLimit {
                sink.append(Diagnostic(file: display, location: TextLocation(line: 1, column: 1), path: path / "file",
                                       message: "\(bad - SeriesFile.problemLimit) more values out of range not listed"))
            }
            guard ok else { return nil }
            switch series.aligned(start: start, days: days, fillPrevious: fillPrevious) {
            case .success(let (aligned, filled)):
                if !filled.isEmpty {
                    let shown = filled.prefix(5).map(\.description).joined(separator: ", ")
                    warnings.append(Diagnostic(file: sink.file, location: ScenarioDocument.location(of: path / "file", in: sink.root), path: path / "file",
                                               message: "warning: \(display) lacks \(filled.count) date\(filled.count == 1 ? "" : "s") of the run, filled with the previous value: \(shown)\(filled.count > 5 ? ", …" : "")"))
                }
                return aligned
            case .failure(let missing):
                let covered = missing.first.map { "it covers \($0) … \(missing.last!)" } ?? "it has no rows"
                sink.report(path / "file", "\(display) has no row for \(missing.date), the first date of the run it lacks (the run needs \(start) … \(start.adding(days: days - 1)); \(covered); add \"fill\": \"previous\" to carry values over gaps)")
                return nil
            }
        }
    }

    static func readSeries(resolved: String, display: String, format: SeriesFormat = SeriesFormat(), keyPath: ScenarioPath, sink: inout DiagnosticSink) -> Result<SeriesFile, ScenarioError> {
        SeriesFile.load(resolved: resolved, display: display, format: format, keyPath: keyPath, sink: &sink)
    }

    // MARK: Strategies

    mutating func decodeStrategy(_ node: JSONNode, path: ScenarioPath) -> StrategySpec? {
        guard let name = node["name"]?.string else { return nil }
        var layers: [LayerSpec] = []
        for (i, l) in (node["layers"]?.elements ?? []).enumerated() {
            if let layer = decodeLayer(l, path: path / "layers" / i) { layers.append(layer) }
        }
        var rules: [RuleSpec] = []
        for (i, r) in (node["rules"]?.elements ?? []).enumerated() {
            if let rule = decodeRule(r, path: path / "rules" / i) { rules.append(rule) }
        }
        var flows: [FlowSpec] = []
        for f in node["flows"]?.elements ?? [] {
            if let day = f["day"]?.int, let amount = f["amount"]?.double {
                flows.append(FlowSpec(day: day, hour: f["hour"]?.double ?? 0, amount: amount))
            }
        }
        return StrategySpec(
            name: name,
            description: node["description"]?.string,
            capitalAsset: node["capital"]?["asset"]?.string ?? "",
            capitalAmount: node["capital"]?["amount"]?.double ?? 0,
            layers: layers,
            rules: rules,
            flows: flows)
    }

    mutating func decodeLayer(_ node: JSONNode, path: ScenarioPath) -> LayerSpec? {
        guard let id = node["id"]?.string, let type = node["type"]?.string else { return nil }
        var input: LayerInput?
        if let i = node["input"], let from = i["from"]?.string {
            input = LayerInput(from: from, fraction: i["fraction"]?.double ?? 1)
        }
        guard let type = LayerRegistry.type(named: type) else { return nil }
        let fields = FieldReader(node: node, path: path, fields: type.fields)
        guard let kind = type.decode(fields, &self) else { return nil }
        return LayerSpec(id: id, input: input, kind: kind, path: path)
    }

    // MARK: Rules

    mutating func decodeRule(_ node: JSONNode, path: ScenarioPath) -> RuleSpec? {
        guard let when = node["when"], let then = node["then"] else { return nil }
        let condition = decodeCondition(when, path: path / "when")
        let action = decodeAction(then, path: path / "then")
        guard let condition, let action else { return nil }
        return RuleSpec(when: condition, then: action, once: node["once"]?.bool ?? false)
    }

    mutating func decodeCondition(_ node: JSONNode, path: ScenarioPath) -> RuleCondition? {
        guard node.members != nil else { return nil }
        let day = node["day"]
        let metricText = node["metric"]?.string
        if day != nil, node["metric"] != nil {
            sink.report(path, "a condition is either {\"day\": n} or {\"metric\": …}, not both")
            return nil
        }
        if let day {
            for k in ["below", "above", "layer", "asset"] where node[k] != nil {
                sink.report(path / k, "a day condition takes no '\(k)'")
            }
            return day.int.map { .day($0) }
        }
        guard node["metric"] != nil else {
            sink.report(path, "a condition needs 'day' or 'metric'")
            return nil
        }
        guard let metricText, let metric = RuleMetric(rawValue: metricText) else { return nil }
        let below = node["below"]?.double, above = node["above"]?.double
        let comparison: Comparison
        switch (below, above) {
        case let (b?, nil): comparison = .below(b)
        case let (nil, a?): comparison = .above(a)
        case (.some, .some):
            sink.report(path / "above", "give 'below' or 'above', not both; write two rules for a band")
            return nil
        case (nil, nil):
            if node["below"] == nil, node["above"] == nil { sink.report(path, "a metric condition needs 'below' or 'above'") }
            return nil
        }
        return .metric(metric, comparison, layer: node["layer"]?.string, asset: node["asset"]?.string)
    }

    mutating func decodeAction(_ node: JSONNode, path: ScenarioPath) -> ActionSpec? {
        guard let action = node["action"]?.string else { return nil }
        let cost = node["cost"]?.double ?? 0
        let slippage = node["slippage"]?.double ?? 0
        let layer = node["layer"]?.string
        let kind: ActionSpec.Kind
        switch action {
        case "exit":
            kind = .exit(to: node["to"]?.string)
        case "deleverage":
            guard let layer else { return nil }
            switch (node["target_ltv"]?.double, node["target_health_factor"]?.double) {
            case let (t?, nil): kind = .deleverageToLTV(layer: layer, target: t)
            case let (nil, h?): kind = .deleverageToHealthFactor(layer: layer, target: h)
            case (.some, .some):
                sink.report(path / "target_health_factor", "give 'target_ltv' or 'target_health_factor', not both")
                return nil
            case (nil, nil):
                if node["target_ltv"] == nil, node["target_health_factor"] == nil {
                    sink.report(path, "deleverage needs 'target_ltv' or 'target_health_factor'")
                }
                return nil
            }
        case "releverage":
            guard let layer, let t = node["target_ltv"]?.double else { return nil }
            kind = .releverage(layer: layer, target: t)
        case "unstake":
            guard let layer else { return nil }
            kind = .unstake(layer: layer, viaQueue: (node["via"]?.string ?? "queue") == "queue")
        case "withdraw":
            guard let layer, let f = node["fraction"]?.double else { return nil }
            kind = .withdraw(layer: layer, fraction: f)
        default:
            return nil
        }
        return ActionSpec(kind: kind, cost: cost, slippage: slippage)
    }
}
