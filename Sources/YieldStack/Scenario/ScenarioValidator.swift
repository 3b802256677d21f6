/// Cross-field checks that a per-value schema cannot express: references to
/// assets and layers, the asset each layer receives, lending parameters that
/// must agree, rules that fit the layer they name.
struct ScenarioValidator {
    /// Layer types the engine can run. A type outside this set is a
    /// validation error, never a silent skip.
    static var supportedLayerTypes: Set<String> { Set(LayerRegistry.names) }

    /// Upper bound on paths × days, which sizes the per-path equity matrix
    /// kept for daily quantiles (8 bytes per cell and strategy).
    static var maxPathDays: Int { SimulationLimits.maxPathDays }

    /// Upper bound on a rate × the run's length in years (see `checkLayer`).
    static let maxRateYears = 100.0

    let scenario: Scenario
    let root: JSONNode

    /// Asset names as written, including assets whose model had errors, so
    /// that a bad price model does not also make its asset "unknown".
    var declaredAssets: [String] {
        ScenarioDocument.node(at: ScenarioPath.root / "market" / "assets", in: root)?.members?.map(\.key) ?? []
    }

    func assetExists(_ name: String) -> Bool {
        scenario.market.asset(name) != nil || declaredAssets.contains(name)
    }

    /// Whether `days` decoded as written; if not, its error is the only one
    /// about it, and no day is reported as after the last day.
    var daysValid: Bool { scenario.days >= 1 && root["days"]?.int == scenario.days }

    /// Layer ids as written in every strategy, or nil if `strategies` is not
    /// an array (missing, misspelled): then a layer named elsewhere cannot be
    /// told unknown, and saying so would only repeat that error.
    var declaredLayerIDs: Set<String>? {
        guard let strategies = root["strategies"]?.elements else { return nil }
        return Set(strategies.flatMap { $0["layers"]?.elements ?? [] }.compactMap { $0["id"]?.string })
    }

    func check(into sink: inout DiagnosticSink) {
        checkRun(&sink)
        checkAssets(&sink)
        checkCorrelations(&sink)
        checkShocks(&sink)
        checkDepth(&sink)
        var names = Set<String>()
        for (si, strategy) in scenario.strategies.enumerated() {
            let path = ScenarioPath.root / "strategies" / si
            if !names.insert(strategy.name).inserted {
                sink.report(path / "name", "strategy name '\(strategy.name)' is used twice; names identify strategies in reports and `compare`")
            }
            checkStrategy(strategy, path: path, &sink)
        }
    }

    private func rawLayers(_ si: Int) -> [JSONNode] {
        ScenarioDocument.node(at: ScenarioPath.root / "strategies" / si / "layers", in: root)?.elements ?? []
    }

    func checkRun(_ sink: inout DiagnosticSink) {
        let (pathDays, overflow) = scenario.paths.multipliedReportingOverflow(by: scenario.days)
        if overflow || pathDays > Self.maxPathDays {
            sink.report(ScenarioPath.root / "paths", "paths × days = \(overflow ? "more than \(Int.max)" : "\(pathDays)") exceeds the limit of \(Self.maxPathDays)")
        }
    }

    func checkAssets(_ sink: inout DiagnosticSink) {
        let market = scenario.market
        for asset in market.assets {
            let path = ScenarioPath.root / "market" / "assets" / asset.name
            if case .peg(let to, _) = asset.pricing {
                if let node = ScenarioDocument.node(at: path, in: root), node["price"] != nil {
                    sink.report(path / "peg", "give 'price' or 'peg', not both")
                }
                if to == asset.name {
                    sink.report(path / "peg" / "to", "an asset cannot be pegged to itself")
                } else if market.asset(to) != nil {
                    // A chain of pegs (weETH → stETH → ETH) must end at an asset with its own price.
                    var seen: [String] = [asset.name]
                    var next: String? = to
                    while let name = next, let a = market.asset(name), !seen.contains(name) {
                        seen.append(name)
                        next = a.pegTarget
                    }
                    if let name = next, seen.contains(name) {
                        sink.report(path / "peg" / "to", "the pegs \((seen + [name]).joined(separator: " → ")) form a cycle; a chain of pegs must end at an asset with its own price")
                    }
                } else if !assetExists(to) {
                    sink.report(path / "peg" / "to", "unknown asset '\(to)'\(Suggest.hint(to, market.assets.map(\.name)))")
                }
            }
            if case .price(let m) = asset.pricing, let dep = m.dependency {
                checkDependency(asset.name, dep, at: path / "price" / dep.field, &sink)
            }
            if asset.name == scenario.currency {
                if case .price(let m) = asset.pricing, m.constantValue == 1 { continue }
                sink.report(path, "'\(asset.name)' is the scenario currency, so its price must be {\"model\": \"constant\", \"value\": 1}")
            }
        }
    }

    /// A derived price (`PathModel.dependency`, a principal token's
    /// underlying) needs another existing asset, and the chain of
    /// dependencies (pegs included) must end at an asset priced on its own.
    private func checkDependency(_ name: String, _ dep: PriceDependency, at path: ScenarioPath, _ sink: inout DiagnosticSink) {
        let market = scenario.market
        if dep.asset == name {
            sink.report(path, "'\(name)' cannot be priced from itself; name another asset")
            return
        }
        guard market.asset(dep.asset) != nil else {
            if !assetExists(dep.asset) {
                sink.report(path, "unknown asset '\(dep.asset)'\(Suggest.hint(dep.asset, market.assets.map(\.name)))")
            }
            return
        }
        var seen: [String] = [name]
        var next: String? = dep.asset
        while let n = next, let a = market.asset(n), !seen.contains(n) {
            seen.append(n)
            next = a.dependency
        }
        if let n = next, seen.contains(n) {
            sink.report(path, "the prices \((seen + [n]).joined(separator: " → ")) depend on each other in a cycle; the chain must end at an asset with a price of its own")
        }
    }

    func checkCorrelations(_ sink: inout DiagnosticSink) {
        let market = scenario.market
        var pairs = Set<[String]>()
        for (i, c) in market.correlations.enumerated() {
            let path = ScenarioPath.root / "market" / "correlations" / i
            var ok = true
            for (j, name) in [c.first, c.second].enumerated() {
                guard let asset = market.asset(name) else {
                    if assetExists(name) { ok = false; continue }
                    sink.report(path / "assets" / j, "unknown asset '\(name)'\(Suggest.hint(name, market.assets.map(\.name)))")
                    ok = false
                    continue
                }
                let model: any PathModel
                switch asset.pricing {
                case .price(let m): model = m
                case .peg(_, let m): model = m
                }
                if !model.isStochastic {
                    sink.report(path / "assets" / j, "'\(name)' has no random model (gbm or mean_reverting) to correlate")
                    ok = false
                }
            }
            if c.first == c.second {
                sink.report(path / "assets", "an asset's correlation with itself is 1; name two different assets")
                ok = false
            }
            if ok, !pairs.insert([c.first, c.second].sorted()).inserted {
                sink.report(path, "the correlation of \(c.first) and \(c.second) is given twice")
                ok = false
            }
        }
        if sink.isEmpty, !market.correlations.isEmpty, CorrelationModel(market: market) == nil {
            sink.report(ScenarioPath.root / "market" / "correlations", "the correlations are inconsistent: they do not form a positive semi-definite matrix (for example ρ(A,B) = ρ(B,C) = 0.9 with ρ(A,C) = −0.9)")
        }
    }

    /// All layers of all strategies with a given id, for shocks that name a layer.
    private func layers(withID id: String) -> [LayerSpec] {
        scenario.strategies.flatMap { $0.layers.filter { $0.id == id } }
    }

    func checkShocks(_ sink: inout DiagnosticSink) {
        let market = scenario.market
        let allLayerIDs = Array(Set(scenario.strategies.flatMap { $0.layers.map(\.id) })).sorted()
        // A layer a shock names is unknown only if no strategy declares it, even one with errors.
        func unknownLayer(_ id: String) -> Bool { declaredLayerIDs.map { !$0.contains(id) } ?? false }
        for (i, shock) in market.shocks.enumerated() {
            let path = ScenarioPath.root / "market" / "shocks" / i
            if daysValid, shock.day >= scenario.days {
                sink.report(path / "day", "day \(shock.day) is after the last day of the run (\(scenario.days - 1))")
            }
            switch shock.effect {
            case .priceChange(let asset, _):
                guard let a = market.asset(asset) else {
                    if !assetExists(asset) { sink.report(path / "asset", "unknown asset '\(asset)'\(Suggest.hint(asset, declaredAssets))") }
                    continue
                }
                if let to = a.pegTarget {
                    sink.report(path / "asset", "'\(asset)' is pegged to \(to); shock \(to)'s price, or '\(asset)''s 'ratio'")
                }
            case .ratio(let asset, _, _):
                guard let a = market.asset(asset) else {
                    if !assetExists(asset) { sink.report(path / "asset", "unknown asset '\(asset)'\(Suggest.hint(asset, declaredAssets))") }
                    continue
                }
                if a.pegTarget == nil {
                    sink.report(path / "asset", "'\(asset)' is not pegged; a 'ratio' shock needs a pegged asset (use 'price_change')")
                }
            case .rate(let layer, let kind, _, _):
                let targets = layers(withID: layer)
                guard !targets.isEmpty else {
                    if unknownLayer(layer) { sink.report(path / "layer", "no strategy has a layer '\(layer)'\(Suggest.hint(layer, allLayerIDs))") }
                    continue
                }
                for t in targets {
                    if !t.kind.overridableRates.contains(kind) {
                        sink.report(path / kind.rawValue, "layer '\(layer)' is \(t.typeName), which has no \(kind.rawValue) to override")
                        break
                    }
                }
            case .slash(let layer, _):
                let targets = layers(withID: layer)
                if targets.isEmpty {
                    if unknownLayer(layer) { sink.report(path / "layer", "no strategy has a layer '\(layer)'\(Suggest.hint(layer, allLayerIDs))") }
                } else if let t = targets.first(where: { !$0.capabilities.contains(.slashable) }) {
                    let slashable = LayerRegistry.types.filter { $0.capabilities.contains(.slashable) }.map { $0.typeName }
                    sink.report(path / "slash", "layer '\(layer)' is \(t.typeName); only \(slashable.joined(separator: " and ")) layers are slashed")
                }
            case .exploit(let layer, _):
                if layers(withID: layer).isEmpty, unknownLayer(layer) {
                    sink.report(path / "layer", "no strategy has a layer '\(layer)'\(Suggest.hint(layer, allLayerIDs))")
                }
            }
        }
    }

    // MARK: Strategies

    func checkStrategy(_ strategy: StrategySpec, path: ScenarioPath, _ sink: inout DiagnosticSink) {
        let market = scenario.market
        let assetNames = market.assets.map(\.name)
        func knownAsset(_ name: String, _ p: ScenarioPath) -> Bool {
            if assetExists(name) { return true }
            sink.report(p, "unknown asset '\(name)'\(Suggest.hint(name, assetNames))")
            return false
        }
        if !strategy.capitalAsset.isEmpty { _ = knownAsset(strategy.capitalAsset, path / "capital" / "asset") }

        // Layer ids come from the raw file so a layer with other problems
        // still counts as declared and does not cause "unknown layer" noise.
        let si = path.components.last.flatMap { if case .index(let i) = $0 { return i } else { return nil } } ?? 0
        let declared = rawLayers(si).compactMap { $0["id"]?.string }
        var seen = Set<String>()
        for (i, id) in declared.enumerated() where !seen.insert(id).inserted {
            sink.report(path / "layers" / i / "id", "layer id '\(id)' is used twice in this strategy")
        }

        // The asset each layer receives and produces; nil output = nothing (locked).
        var output: [String: String?] = [:]
        var taken: [String: Double] = [:]
        var broken: [String] = []
        for (i, layer) in strategy.layers.enumerated() {
            let lp = layer.path
            if !Self.supportedLayerTypes.contains(layer.typeName) {
                sink.report(lp / "type", "layer type '\(layer.typeName)' is not supported by this version of the engine")
            }
            let source: String?
            let inputAsset: String?
            if let input = layer.input {
                if i == 0 {
                    sink.report(lp / "input", "the first layer takes the strategy's capital; remove 'input'")
                    source = nil
                    inputAsset = strategy.capitalAsset
                } else if !strategy.layers[..<i].contains(where: { $0.id == input.from }) {
                    let later = strategy.layers[i...].contains { $0.id == input.from }
                    sink.report(lp / "input" / "from", later
                        ? "layer '\(input.from)' comes later; a layer can only take an earlier layer's output"
                        : "unknown layer '\(input.from)'\(Suggest.hint(input.from, declared))")
                    source = nil
                    inputAsset = nil
                } else {
                    source = input.from
                    inputAsset = output[input.from] ?? nil
                }
            } else if i == 0 {
                source = nil
                inputAsset = strategy.capitalAsset
            } else {
                source = strategy.layers[i - 1].id
                inputAsset = output[source!] ?? nil
            }
            // A fraction outside (0, 1] is already reported by the schema check.
            if let source, (layer.input?.fraction ?? 1) > 0, (layer.input?.fraction ?? 1) <= 1 {
                taken[source, default: 0] += layer.input?.fraction ?? 1
                if output[source] == .some(nil) {
                    let producer = strategy.layer(source)
                    let why = producer?.capabilities.contains(.locks) == true
                        ? "is \(producer?.typeName ?? "a lock") and produces nothing until maturity"
                        : "is \(producer?.typeName ?? "a position"), whose share no layer can take"
                    sink.report(layer.input == nil ? lp : lp / "input" / "from", "layer '\(source)' \(why); layer '\(layer.id)' cannot take its output")
                }
                if let total = taken[source], total > 1 + 1e-12 {
                    sink.report(layer.input == nil ? lp : lp / "input" / "fraction", "layers take \(Format.percent(total)) of layer '\(source)''s output; at most 100 % can be taken")
                }
            }
            // After a layer whose output is an unknown asset (its own error
            // says so), what later layers report about that layer or asset
            // is the same mistake again: keep only their other problems.
            if broken.isEmpty {
                output[layer.id] = checkLayer(layer, input: inputAsset, strategy: strategy, &sink)
            } else {
                var own = DiagnosticSink(file: sink.file, root: sink.root)
                output[layer.id] = checkLayer(layer, input: inputAsset, strategy: strategy, &own)
                for d in own.diagnostics {
                    // Whole words only: an unknown asset "S" must not hide every message with an S in it.
                    let words = Set(d.message.split { $0.isWhitespace || ",;:()?'\"".contains($0) }.map(String.init))
                    if words.isDisjoint(with: broken) { sink.append(d) }
                }
            }
            if let produced = output[layer.id] ?? nil, !produced.isEmpty, !assetExists(produced) {
                broken += [layer.id, produced]
            }
        }

        for (ri, rule) in strategy.rules.enumerated() {
            checkRule(rule, strategy: strategy, path: path / "rules" / ri, &sink)
        }

        for (fi, flow) in strategy.flows.enumerated() {
            let fp = path / "flows" / fi
            if daysValid, flow.day >= scenario.days {
                sink.report(fp / "day", "day \(flow.day) is after the last day of the run (\(scenario.days - 1))")
            }
            if flow.amount == 0 {
                sink.report(fp / "amount", "must not be 0")
            }
            if flow.day == 0, flow.hour > 0, flow.amount < 0 {
                // allowed: a withdrawal later on day 0 from the capital deposited at hour 0
            }
        }
    }

    /// Checks one layer's own fields against its input asset; returns its output asset.
    func checkLayer(_ layer: LayerSpec, input: String?, strategy: StrategySpec, _ sink: inout DiagnosticSink) -> String? {
        let context = LayerCheck(layer: layer, input: input, strategy: strategy, market: scenario.market, declaredAssets: declaredAssets)
        layer.kind.check(context, &sink)
        // Daily compounding of r for T years grows a balance by about e^(rT):
        // past e^100 no figure of the run would mean anything (and past e^709
        // it overflows), so rate × years is bounded.
        let years = Double(scenario.days) / 365
        for (field, rate) in layer.kind.rates where rate.upperBound * years > Self.maxRateYears {
            sink.report(layer.path / field, "a rate of up to \(Format.plain(rate.upperBound)) over \(scenario.days) days compounds past e^\(Format.plain(Self.maxRateYears)); rate × years must be at most \(Format.plain(Self.maxRateYears)) (is the rate a percentage typed for a decimal?)")
        }
        return layer.kind.outputAsset(input: input)
    }

    func checkRule(_ rule: RuleSpec, strategy: StrategySpec, path: ScenarioPath, _ sink: inout DiagnosticSink) {
        let market = scenario.market
        let ids = strategy.layers.map(\.id)
        func layerRef(_ id: String, _ p: ScenarioPath) -> LayerSpec? {
            if let l = strategy.layer(id) { return l }
            sink.report(p, "unknown layer '\(id)' in strategy '\(strategy.name)'\(Suggest.hint(id, ids))")
            return nil
        }
        if case .metric(let metric, _, let layer, let asset) = rule.when {
            let cp = path / "when"
            let needsLayer: [RuleMetric] = [.healthFactor, .ltv, .apr]
            let needsAsset: [RuleMetric] = [.price, .peg]
            if needsLayer.contains(metric) {
                if let layer {
                    if let l = layerRef(layer, cp / "layer") {
                        if metric == .apr, !l.capabilities.contains(.hasRate) {
                            sink.report(cp / "layer", "layer '\(layer)' is \(l.typeName), which has no rate")
                        } else if metric != .apr, !l.capabilities.contains(.borrows) {
                            sink.report(cp / "layer", "\(metric.rawValue) needs a layer that borrows (lending); '\(layer)' is \(l.typeName)")
                        }
                    }
                } else {
                    sink.report(cp / "layer", at: ScenarioDocument.location(of: cp, in: root), "metric '\(metric.rawValue)' needs 'layer'")
                }
                if asset != nil { sink.report(cp / "asset", "metric '\(metric.rawValue)' takes a layer, not an asset") }
            } else if needsAsset.contains(metric) {
                if let asset {
                    if let a = market.asset(asset) {
                        if metric == .peg, a.pegTarget == nil {
                            sink.report(cp / "asset", "'\(asset)' is not pegged; 'peg' watches a pegged asset's ratio")
                        }
                    } else if !assetExists(asset) {
                        sink.report(cp / "asset", "unknown asset '\(asset)'\(Suggest.hint(asset, market.assets.map(\.name)))")
                    }
                } else {
                    sink.report(cp / "asset", at: ScenarioDocument.location(of: cp, in: root), "metric '\(metric.rawValue)' needs 'asset'")
                }
                if layer != nil { sink.report(cp / "layer", "metric '\(metric.rawValue)' takes an asset, not a layer") }
            } else {
                if layer != nil { sink.report(cp / "layer", "metric '\(metric.rawValue)' is strategy-wide; remove 'layer'") }
                if asset != nil { sink.report(cp / "asset", "metric '\(metric.rawValue)' is strategy-wide; remove 'asset'") }
            }
        }
        if case .day(let d) = rule.when, daysValid, d >= scenario.days {
            sink.report(path / "when" / "day", "day \(d) is after the last day of the run (\(scenario.days - 1))")
        }
        let ap = path / "then"
        switch rule.then.kind {
        case .exit(let to):
            if let to, !assetExists(to) {
                sink.report(ap / "to", "unknown asset '\(to)'\(Suggest.hint(to, market.assets.map(\.name)))")
            }
        case .deleverageToLTV(let id, _), .deleverageToHealthFactor(let id, _), .releverage(let id, _):
            if let l = layerRef(id, ap / "layer"), !l.capabilities.contains(.borrows) {
                sink.report(ap / "layer", "\(rule.then.kind.name) needs a layer that borrows (lending); '\(id)' is \(l.typeName)")
            }
            if let l = strategy.layer(id), let (key, message) = l.kind.problem(with: rule.then.kind) {
                sink.report(ap / key, message)
            }
        case .unstake(let id, _):
            if let l = layerRef(id, ap / "layer"), !l.capabilities.contains(.issuesReceipt) {
                sink.report(ap / "layer", "unstake needs a layer that issues a receipt (liquid_staking, restaking); '\(id)' is \(l.typeName)")
            }
        case .withdraw(let id, _):
            _ = layerRef(id, ap / "layer")
        }
    }
}
