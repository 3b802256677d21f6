/// A strategy's rules (SPEC §2.5 step 5): evaluates each rule's condition on
/// every path, in file order, and performs its action where it holds.
///
/// Conditions are compiled once (layer and asset names resolved to indices),
/// so the loop over paths does no name look-up. An action asks the layers to
/// act and then does what is common to every action: for `exit` with `to`,
/// converts the spot wallet into the target asset, and charges the action's
/// fixed cost once per path on which something moved.
final class RuleEngine {
    /// A rule condition ready for the inner loop: its layer and asset
    /// resolved to indices once.
    struct CompiledCondition {
        var condition: RuleCondition
        /// Layer index for layer metrics (`health_factor`, `ltv`, `apr`).
        var layer: Int?
        /// Market asset index for `price` and `peg`.
        var asset: Int?

        /// Resolves a condition's names for `strategy` on `market`; an unknown
        /// name resolves to nil, and a condition on nil never holds.
        init(_ condition: RuleCondition, strategy: StrategySpec, market: MarketChunk) {
            self.condition = condition
            if case .metric(_, _, let layer, let asset) = condition {
                self.layer = layer.flatMap { strategy.layerIndex($0) }
                self.asset = asset.flatMap { market.index(of: $0) }
            }
        }
    }

    /// What a compiled condition reads, with every name resolved to an index
    /// and no payload that needs reference counting, so the loop over paths
    /// copies plain values only.
    enum Probe {
        case day(Int)
        case healthFactor(layer: Int)
        case ltv(layer: Int)
        case apr(layer: Int)
        case price(asset: Int)
        case peg(asset: Int)
        case equity
        case drawdown
        /// An unknown layer or asset: never holds.
        case never
    }

    /// A rule ready for the loop over paths: `value < threshold` (below) or
    /// `value > threshold` (above) on the probe's value, NaN where it has none.
    struct CompiledRule {
        var probe: Probe
        var below: Bool
        var threshold: Double
        var once: Bool
    }

    let rules: [RuleSpec]
    let conditions: [CompiledCondition]
    let compiled: [CompiledRule]
    /// fired[r][p] ≠ 0 once rule r has acted on path p (what `once` counts).
    let fired: [PathIntVector]
    /// Each path's value of the probe being checked.
    let values: PathVector
    /// Whether a condition reads equity or drawdown, so the runner must value
    /// the paths before the rules run.
    let needsProvisionalValuation: Bool
    let strategy: StrategySpec
    let layers: [LayerRuntime]
    let ledger: Ledger
    let ctx: StrategyContext
    let marketAssetCount: Int

    /// Compiles `strategy`'s rules for one run: names resolved against the
    /// run's layers and the context's market, a `once` flag column per rule.
    init(strategy: StrategySpec, layers: [LayerRuntime], ctx: StrategyContext) {
        self.strategy = strategy
        self.layers = layers
        self.ctx = ctx
        self.ledger = ctx.ledger
        marketAssetCount = ctx.scenario.market.assets.count
        rules = strategy.rules
        let market = ctx.market
        conditions = strategy.rules.map { CompiledCondition($0.when, strategy: strategy, market: market) }
        compiled = zip(strategy.rules, conditions).map { rule, c in Self.compile(c, once: rule.once) }
        let arena = ctx.ledger.arena
        fired = strategy.rules.map { _ in arena.intVector(0) }
        values = arena.vector()
        needsProvisionalValuation = strategy.rules.contains { rule in
            if case .metric(let m, _, _, _) = rule.when { return m == .drawdown || m == .equity }
            return false
        }
    }

    static func compile(_ c: CompiledCondition, once: Bool) -> CompiledRule {
        switch c.condition {
        case .day(let n):
            return CompiledRule(probe: .day(n), below: false, threshold: 0, once: once)
        case .metric(let metric, let comparison, _, _):
            let (below, x): (Bool, Double)
            switch comparison {
            case .below(let v): (below, x) = (true, v)
            case .above(let v): (below, x) = (false, v)
            }
            let probe: Probe
            switch metric {
            case .healthFactor: probe = c.layer.map { .healthFactor(layer: $0) } ?? .never
            case .ltv: probe = c.layer.map { .ltv(layer: $0) } ?? .never
            case .apr: probe = c.layer.map { .apr(layer: $0) } ?? .never
            case .price: probe = c.asset.map { .price(asset: $0) } ?? .never
            case .peg: probe = c.asset.map { .peg(asset: $0) } ?? .never
            case .equity: probe = .equity
            case .drawdown: probe = .drawdown
            }
            return CompiledRule(probe: probe, below: below, threshold: x, once: once)
        }
    }

    /// Step 5 on every path: each rule in file order; a `once` rule that has
    /// acted on a path is skipped there. `equity` is today's provisional
    /// valuation (read by `equity` and `drawdown` conditions). A rule's
    /// condition is read for every path in one pass (one call per layer, not
    /// per path), then acted on path by path: paths are independent, so an
    /// action on one cannot change another's value.
    func apply(day d: Int, equity: PathVector, performance: PerformanceIndex) {
        let n = ctx.count
        let values = self.values
        for r in compiled.indices {
            let rule = compiled[r]
            let fired = self.fired[r]
            switch rule.probe {
            case .never:
                continue
            case .day(let k):
                guard d == k else { continue }
                for p in 0..<n {
                    if rule.once, fired[p] != 0 { continue }
                    if perform(index: r, p) { fired[p] = 1 }
                }
                continue
            case .healthFactor(let i):
                layers[i].healthFactors(into: values, ctx: ctx)
            case .ltv(let i):
                let layer = layers[i]
                for p in 0..<n { values[p] = layer.ltv(p, ctx: ctx) ?? .nan }
            case .apr(let i):
                let layer = layers[i]
                for p in 0..<n { values[p] = layer.currentRate(p, ctx: ctx) ?? .nan }
            case .price(let a):
                for p in 0..<n { values[p] = ctx.price(a, p) }
            case .peg(let a):
                for p in 0..<n { values[p] = ctx.today.ratio(a, p) ?? .nan }
            case .equity:
                values.copy(from: equity)
            case .drawdown:
                for p in 0..<n { values[p] = performance.provisionalDrawdown(p, equity: equity[p], day: d) }
            }
            let x = rule.threshold
            for p in 0..<n {
                if rule.once, fired[p] != 0 { continue }
                let v = values[p]
                guard rule.below ? v < x : v > x else { continue }
                if perform(index: r, p) { fired[p] = 1 }
            }
        }
    }

    /// Whether a condition holds on path p today. `below x` holds for
    /// value < x, `above x` for value > x; a metric without a value (no
    /// debt, no such layer or asset) never holds. Drawdown is measured from
    /// the peak including today's provisional index.
    func conditionHolds(_ compiled: CompiledCondition, _ p: Int, day d: Int, equity: PathVector, performance: PerformanceIndex) -> Bool {
        switch compiled.condition {
        case .day(let n):
            return d == n
        case .metric(let metric, let comparison, _, _):
            let layer = compiled.layer.map { layers[$0] }
            let asset = compiled.asset
            let value: Double?
            switch metric {
            case .healthFactor: value = layer?.healthFactor(p, ctx: ctx)
            case .ltv: value = layer?.ltv(p, ctx: ctx)
            case .apr: value = layer?.currentRate(p, ctx: ctx)
            case .price: value = asset.map { ctx.price($0, p) }
            case .peg: value = asset.flatMap { ctx.today.ratio($0, p) }
            case .equity: value = equity[p]
            case .drawdown: value = performance.provisionalDrawdown(p, equity: equity[p], day: d)
            }
            guard let value else { return false }
            return comparison.holds(value)
        }
    }

    /// Carries out a rule's action on path p; returns whether the rule acted
    /// (done or refused), which is what `once` counts.
    private func perform(index r: Int, _ p: Int) -> Bool {
        let rule = rules[r]
        let action = rule.then
        var outcomes: [(LayerRuntime, ActionOutcome)] = []
        var convertTo: Int?
        switch action.kind {
        case .exit(let to):
            convertTo = to.flatMap { ctx.market.index(of: $0) }
            for layer in layers.reversed() {
                outcomes.append((layer, layer.exit(p, action: action, convertTo: convertTo, ctx: ctx)))
            }
        case .withdraw(let id, let fraction):
            if let i = strategy.layerIndex(id) {
                outcomes.append((layers[i], layers[i].withdraw(fraction: fraction, p, action: action, ctx: ctx)))
            }
        case .deleverageToLTV(let id, _), .deleverageToHealthFactor(let id, _):
            if let i = strategy.layerIndex(id) { outcomes.append((layers[i], layers[i].deleverage(p, action: action, ctx: ctx))) }
        case .releverage(let id, let target):
            if let i = strategy.layerIndex(id) { outcomes.append((layers[i], layers[i].releverage(p, target: target, action: action, ctx: ctx))) }
        case .unstake(let id, let viaQueue):
            if let i = strategy.layerIndex(id) { outcomes.append((layers[i], layers[i].unstake(p, viaQueue: viaQueue, action: action, ctx: ctx))) }
        }

        var acted = false
        var detail: [(String, JSONValue)] = [
            ("rule", .number(Double(r))),
            ("when", .string(rule.when.summary)),
            ("action", .string(action.kind.name)),
        ]
        var moved: [(String, JSONValue)] = []
        for (layer, outcome) in outcomes {
            switch outcome {
            case .done(let pairs):
                acted = true
                moved.append((layer.spec.id, JSONBuild.object(pairs)))
            case .refused(let reason):
                ctx.record(p, .refusedAction, layer: layer.spec.id, detail: [
                    ("rule", .number(Double(r))), ("action", .string(action.kind.name)), ("reason", .string(reason)),
                ])
                acted = true
            case .nothing:
                break
            }
        }
        if let to = convertTo {
            let received = convertSpot(to: to, slippage: action.slippage, p)
            if received > 0 {
                acted = true
                moved.append((Ledger.spotName, JSONBuild.object([("converted_to", .string(ctx.assetName(to))), ("received", .number(received))])))
            }
        }
        guard !moved.isEmpty else { return acted }
        ctx.chargeFixedCost(action.cost, owner: action.kind.layer.flatMap { strategy.layerIndex($0) } ?? ledger.spotOwner, p)
        detail.append(("layers", JSONBuild.object(moved)))
        if action.cost > 0 { detail.append(("cost", .number(action.cost))) }
        ctx.record(p, .rule, layer: action.kind.layer, detail: detail)
        return true
    }

    /// The exit's conversion: sells everything liquid in the spot wallet, in
    /// asset order, for `to` at today's prices less `slippage` (a cost of the
    /// spot wallet). Returns the amount of `to` received.
    private func convertSpot(to: Int, slippage: Double, _ p: Int) -> Double {
        var converted = 0.0
        for a in 0..<marketAssetCount where a != to {
            let amount = ledger.spot(a)[p]
            if amount > 0 { converted += ctx.convertSpot(amount, from: a, to: to, slippage: slippage, owner: ledger.spotOwner, p) }
        }
        return converted
    }
}

extension RuleCondition {
    /// A short text for events and reports: `drawdown above 0.2`, `day 45`.
    public var summary: String {
        switch self {
        case .day(let d): return "day \(d)"
        case .metric(let m, let c, let layer, let asset):
            let subject = layer.map { "\(m.rawValue)(\($0))" } ?? asset.map { "\(m.rawValue)(\($0))" } ?? m.rawValue
            switch c {
            case .below(let x): return "\(subject) below \(Format.plain(x))"
            case .above(let x): return "\(subject) above \(Format.plain(x))"
            }
        }
    }
}
