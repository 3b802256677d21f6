/// Which paths get full daily rows in the database.
public struct RecordingPlan: Sendable {
    /// Paths 0 ..< storePaths get `daily` and `layer_daily` rows; path 0 always does.
    public var storePaths: Int

    public init(storePaths: Int) {
        self.storePaths = storePaths
    }

    @inline(__always)
    func stores(_ globalPath: Int) -> Bool { globalPath == 0 || globalPath < storePaths }
}

/// Runs one strategy over one chunk of market paths, day by day, in the
/// order of SPEC §2.5: (1) market and shocks, (2) flows, (3) accrual,
/// (4) liquidations, (5) rules, (6) valuation and recording. Every step
/// loops over all paths of the chunk.
///
/// The runner owns that order, the opening of the stack, flows, valuation,
/// recording and the attribution check; what each step does is delegated:
/// shocks to `ShockApplier`, rules to `RuleEngine`, return and drawdown
/// figures to `PerformanceIndex`, layer behaviour to the `LayerRuntime`s.
/// Every component of a day reads the same `MarketDay` (`ctx.today`).
final class StrategyRunner {
    let scenario: Scenario
    let strategy: StrategySpec
    let market: MarketChunk
    let recording: RecordingPlan
    let arena: PathArena
    let ledger: Ledger
    let ctx: StrategyContext
    let plan: StackPlan
    let layers: [LayerRuntime]
    let capitalAsset: Int
    let marketAssetCount: Int

    /// Equity of each path: provisional before the rules, final after step 6.
    let equity: PathVector
    /// Return, time-weighted index and drawdown trackers.
    let performance: PerformanceIndex
    /// Step 1's shocks, applied and recorded in one place.
    let shocks: ShockApplier
    /// Step 5: the strategy's rules, compiled once.
    let rules: RuleEngine
    /// Layers that can borrow (only these have a health factor).
    let borrowing: [LayerRuntime]
    /// Next cascade round of the market to record.
    private var cascadeCursor = 0
    /// Unwind costs through depth (SPEC §2.6); nil without depth.
    let unwind: UnwindTracker?
    /// Today's health factors of each borrowing layer, after valuation.
    let healthFactors: [PathVector]

    init(scenario: Scenario, strategyIndex: Int, market: MarketChunk, recording: RecordingPlan) {
        self.scenario = scenario
        self.strategy = scenario.strategies[strategyIndex]
        self.market = market
        self.recording = recording
        arena = PathArena(count: market.count)
        marketAssetCount = scenario.market.assets.count
        ledger = Ledger(arena: arena, assetCount: marketAssetCount, layerCount: strategy.layers.count)
        ctx = StrategyContext(scenario: scenario, strategyIndex: strategyIndex, market: market, ledger: ledger)
        plan = StackPlan(strategy: strategy, market: scenario.market)
        capitalAsset = scenario.market.index(of: strategy.capitalAsset) ?? 0
        let (plan, ledger) = (self.plan, self.ledger)
        // A receipt issued for another receipt of the strategy wraps it.
        let specs = scenario.strategies[strategyIndex].layers
        let issued = Set(specs.indices.filter { specs[$0].capabilities.contains(.issuesReceipt) }.compactMap { plan.entries[$0].outputAsset })
        for (i, spec) in specs.enumerated() where spec.capabilities.contains(.issuesReceipt) {
            let entry = plan.entries[i]
            if let out = entry.outputAsset, out != entry.inputAsset, issued.contains(entry.inputAsset) { ledger.wraps[out] = entry.inputAsset }
        }
        layers = strategy.layers.enumerated().map { (i, spec) in
            spec.kind.makeRuntime(LayerBuild(spec: spec, owner: i, input: plan.entries[i].inputAsset,
                                             output: plan.entries[i].outputAsset, ledger: ledger, market: market))
        }
        equity = arena.vector()
        performance = PerformanceIndex(arena: arena)
        shocks = ShockApplier(shocks: scenario.market.shocks, strategy: strategy, layers: layers, ctx: ctx)
        rules = RuleEngine(strategy: strategy, layers: layers, ctx: ctx)
        borrowing = layers.filter { $0.spec.capabilities.contains(.borrows) }
        unwind = UnwindTracker(ctx: ctx, layers: layers)
        let arena = self.arena
        healthFactors = borrowing.map { _ in arena.vector() }
    }

    /// Runs every day of the scenario on the chunk and collects the results
    /// (records in canonical path/day/layer order, whatever the chunking).
    /// Throws when equity stops being finite or the attribution does not add up.
    func run() throws(EngineFault) -> StrategyResult {
        let days = scenario.days
        let n = market.count
        var equityMatrix = [Double](repeating: 0, count: days * n)
        var daily: [DailyRecord] = []
        var layerDaily: [LayerDailyRecord] = []
        var layerRates: [LayerRateRecord] = []
        let stored = (0..<n).filter { recording.stores(market.firstPath + $0) }
        daily.reserveCapacity(stored.count * days)
        layerDaily.reserveCapacity(stored.count * days * layers.count)
        let flowsByDay = Dictionary(grouping: strategy.flows.enumerated().sorted { ($0.element.day, $0.element.hour, $0.offset) < ($1.element.day, $1.element.hour, $1.offset) }.map(\.element), by: \.day)
        let performance = self.performance

        for d in 0..<days {
            ctx.begin(MarketDay(market: market, day: d))
            performance.flowsToday.fill(0)

            // (1) Market: yesterday's holdings revalued at today's prices, then shocks.
            if d > 0 {
                bookPriceEffect(day: d)
                for layer in layers { layer.applyMarket(ctx: ctx) }
            }
            shocks.apply(day: d)
            recordCascades(day: d)

            // (2) Flows: the capital on day 0, then the day's deposits and withdrawals.
            if d == 0 { openStack() }
            for flow in flowsByDay[d] ?? [] { applyFlow(flow) }

            // (3) Accrual, (4) liquidations.
            for layer in layers { layer.accrue(ctx: ctx) }
            for layer in layers { layer.liquidate(ctx: ctx) }

            // (5) Rules.
            if !strategy.rules.isEmpty {
                if rules.needsProvisionalValuation { value(into: equity) }
                rules.apply(day: d, equity: equity, performance: performance)
            }

            // (6) Valuation and recording.
            value(into: equity)
            unwind?.observe(day: d, equity: equity, ctx: ctx)
            for p in 0..<n {
                let e = equity[p]
                guard e.isFinite else { throw fault(p, "equity is \(e)") }
                performance.record(p, equity: e, day: d)
                equityMatrix[d * n + p] = e
            }
            // Each borrowing layer's health factors once: observed, then recorded.
            for (i, layer) in borrowing.enumerated() {
                let hfs = healthFactors[i]
                layer.healthFactors(into: hfs, ctx: ctx)
                for p in 0..<n where !hfs[p].isNaN { ctx.observe(healthFactor: hfs[p], p) }
            }
            for p in stored {
                let path = market.firstPath + p
                var debt = 0.0
                var hf: Double?
                for (i, layer) in borrowing.enumerated() {
                    debt += layer.debtValue(p, ctx: ctx)
                    let h = healthFactors[i][p]
                    if !h.isNaN { hf = min(hf ?? .infinity, h) }
                }
                daily.append(DailyRecord(path: path, day: d, equity: equity[p], debt: debt, healthFactor: hf))
                for (l, layer) in layers.enumerated() {
                    layerDaily.append(LayerDailyRecord(path: path, day: d, layer: l, amount: layer.amount(p),
                                                       value: ownerValue(l, p), yieldToDate: layer.yieldTokens[p]))
                    if let rate = layer.currentRate(p, ctx: ctx) { layerRates.append(LayerRateRecord(path: path, day: d, layer: l, rate: rate)) }
                }
            }
        }
        try checkAttribution(equityMatrix)
        var figures = unwind?.figures() ?? []
        if !scenario.market.cascades.isEmpty {
            let t = market.cascadeTotals
            figures += [(Metric.cascadeProbability.name, t.days.map { $0 > 0 ? 1 : 0 }),
                        (Metric.cascadeDays.name, t.days.map(Double.init)),
                        (Metric.cascadeVolume.name, t.volume),
                        (Metric.cascadePriceImpact.name, t.maxImpact)]
        }
        // Canonical order (path, day, layer), whatever the chunking.
        daily.sort { ($0.path, $0.day) < ($1.path, $1.day) }
        layerDaily.sort { ($0.path, $0.day, $0.layer) < ($1.path, $1.day, $1.layer) }
        layerRates.sort { ($0.path, $0.day, $0.layer) < ($1.path, $1.day, $1.layer) }
        var result = finish(equityMatrix: equityMatrix, daily: daily, layerDaily: layerDaily)
        result.layerRates = layerRates
        result.figures = figures
        return result
    }

    // MARK: Steps

    /// Σ over slots of amount × (P_d − P_{d−1}), booked as each owner's price effect.
    private func bookPriceEffect(day d: Int) {
        let n = market.count
        for slot in ledger.slots where slot.asset < marketAssetCount && ledger.mayHold(slot) {
            let grid = market.prices[slot.asset]
            let effect = ledger.attribution(slot.owner, .price)
            let amount = slot.amount
            if let impact = ctx.impact, let now = impact.factor[slot.asset], let before = impact.previous[slot.asset] {
                // The strategy's own displacement of a depth pool moves its prices too.
                for p in 0..<n { effect[p] += amount[p] * (grid[d, p] * now[p] - grid[d - 1, p] * before[p]) }
            } else if !grid.isPathDependent {
                let change = grid[d, 0] - grid[d - 1, 0]
                if change == 0 { continue }
                for p in 0..<n { effect[p] += amount[p] * change }
            } else {
                for p in 0..<n { effect[p] += amount[p] * (grid[d, p] - grid[d - 1, p]) }
            }
        }
    }

    /// The market's cascade rounds of day d on the stored paths (SPEC §2.6),
    /// in every strategy's timeline: they moved the prices it sees.
    private func recordCascades(day d: Int) {
        while cascadeCursor < market.cascadeRounds.count, market.cascadeRounds[cascadeCursor].day <= d {
            let r = market.cascadeRounds[cascadeCursor]
            cascadeCursor += 1
            guard r.day == d else { continue }
            ctx.record(EngineEvent(path: r.path, day: d, kind: .cascade, layer: nil, asset: ctx.assetName(r.collateral),
                                   amount: r.volume, value: r.volume * r.price, detail: [
                                       ("round", .number(Double(r.round))),
                                       ("buckets_liquidated", .number(Double(r.buckets))),
                                       ("debt_repaid", .number(r.repaid)),
                                       ("quote_price", .number(r.quotePrice)),
                                       ("price", .number(r.price)),
                                   ]))
        }
    }

    /// Day 0: the capital enters the first layer and each layer's output is
    /// handed to the layers that take it; the rest stays with its producer.
    private func openStack() {
        let n = market.count
        let capital = arena.vector(strategy.capitalAmount)
        for p in 0..<n { performance.initialValue[p] = strategy.capitalAmount * ctx.price(capitalAsset, p) }
        var outputs: [PathVector?] = []
        for (i, layer) in layers.enumerated() {
            let entry = plan.entries[i]
            let input: PathVector
            if let s = entry.source, let out = outputs[s] {
                input = arena.vector()
                for p in 0..<n { input[p] = out[p] * entry.fraction }
            } else {
                input = capital
            }
            outputs.append(layer.open(input: input, keep: entry.keep, ctx: ctx))
        }
    }

    private func applyFlow(_ flow: FlowSpec) {
        guard let first = layers.first else { return }
        let applied = first.applyFlow(amount: flow.amount, hour: flow.hour, ctx: ctx)
        let weight = PerformanceIndex.flowWeight(day: flow.day, hour: flow.hour, days: scenario.days)
        var full = true
        for p in 0..<market.count {
            let value = applied[p] * ctx.price(capitalAsset, p)
            ledger.flows[p] += value
            performance.noteFlow(value, weight: weight, p)
            if applied[p] != flow.amount {
                full = false
                if flow.amount < 0, applied[p] != 0 || !first.spec.capabilities.contains(.locks) {
                    ctx.record(p, .refusedAction, layer: first.spec.id, asset: capitalAsset, amount: flow.amount - applied[p], detail: [
                        ("action", .string("flow")),
                        ("reason", .string("withdrawal of \(Format.plain(-flow.amount)) exceeds the balance; \(Format.plain(-applied[p])) withdrawn")),
                    ])
                }
            }
        }
        if full, market.firstPath == 0 {
            ctx.record(EngineEvent(path: nil, day: flow.day, kind: .flow, layer: first.spec.id, asset: strategy.capitalAsset,
                                   amount: flow.amount, detail: [("hour", .number(flow.hour))]))
        }
    }

    /// equity[p] = Σ slot amount × price (debts are negative slots).
    private func value(into out: PathVector) {
        let n = market.count
        let today = ctx.today
        out.fill(0)
        for slot in ledger.slots where ledger.mayHold(slot) {
            let amount = slot.amount
            if slot.asset >= marketAssetCount {
                for p in 0..<n { out[p] += amount[p] }
                continue
            }
            let grid = today.prices[slot.asset]
            let d = today.day
            if let f = ctx.impact?.factor[slot.asset] {
                for p in 0..<n { out[p] += amount[p] * grid[d, p] * f[p] }
            } else if !grid.isPathDependent {
                let price = grid[d, 0]
                for p in 0..<n { out[p] += amount[p] * price }
            } else {
                for p in 0..<n { out[p] += amount[p] * grid[d, p] }
            }
        }
    }

    /// Value of one owner's slots on path p.
    func ownerValue(_ owner: Int, _ p: Int) -> Double {
        var v = 0.0
        for slot in ledger.slots where slot.owner == owner {
            v += slot.amount[p] * ctx.price(slot.asset, p)
        }
        return v
    }

    // MARK: Results

    /// The ledger's invariant, checked on every path: the attribution sources
    /// plus net flows equal the change in equity. A violation is an engine
    /// bug; failing loudly beats reporting numbers that do not add up.
    private func checkAttribution(_ equityMatrix: [Double]) throws(EngineFault) {
        let n = market.count
        for p in 0..<n {
            var sources = 0.0
            var magnitude = 0.0
            for owner in ledger.attribution { for source in owner { sources += source[p]; magnitude = max(magnitude, abs(source[p])) } }
            // Rounding grows with the largest value summed along the way (a
            // one-day price spike books large effects that later cancel), so
            // the tolerance scales with the path's peak equity too.
            for d in 0..<scenario.days { magnitude = max(magnitude, abs(equityMatrix[d * n + p])) }
            let initialValue = performance.initialValue[p]
            let change = equity[p] - initialValue
            let scale = max(abs(initialValue), abs(equity[p]), abs(ledger.flows[p]), magnitude, 1)
            if abs(sources + ledger.flows[p] - change) > 1e-7 * scale {
                throw EngineFault(strategy: strategy.name, day: scenario.days - 1, path: market.firstPath + p, layer: nil,
                                  message: "attribution (\(sources)) plus net flows (\(ledger.flows[p])) does not equal the change in equity (\(change))")
            }
        }
    }

    private func fault(_ p: Int, _ message: String) -> EngineFault {
        var culprit: String?
        for (l, layer) in layers.enumerated() where !ownerValue(l, p).isFinite || !layer.amount(p).isFinite {
            culprit = layer.spec.id
            break
        }
        return EngineFault(strategy: strategy.name, day: ctx.day, path: market.firstPath + p, layer: culprit, message: message)
    }

    private func finish(equityMatrix: [Double], daily: [DailyRecord], layerDaily: [LayerDailyRecord]) -> StrategyResult {
        let n = market.count
        var outcomes: [PathOutcome] = []
        outcomes.reserveCapacity(n)
        for p in 0..<n {
            let initial = performance.initialValue[p]
            let flows = ledger.flows[p]
            let final = equity[p]
            outcomes.append(PathOutcome(
                initialValue: initial,
                finalEquity: final,
                netFlows: flows,
                totalReturn: performance.totalReturn(p, finalEquity: final, netFlows: flows),
                maxDrawdown: performance.maxDrawdown[p],
                liquidations: ctx.liquidations[p],
                firstLiquidationDay: ctx.firstLiquidationDay[p] >= 0 ? ctx.firstLiquidationDay[p] : nil,
                minHealthFactor: ctx.minHealthFactor[p].isFinite ? ctx.minHealthFactor[p] : nil,
                badDebt: ctx.badDebt[p],
                marketReturn: ctx.price(capitalAsset, day: 0, p) > 0
                    ? ctx.price(capitalAsset, day: scenario.days - 1, p) / ctx.price(capitalAsset, day: 0, p) - 1 : 0))
        }
        let incomeSources: [AttributionSource] = [.staking, .restaking, .fixedYield, .supplyInterest, .lpFees, .incentives]
        let finals = layers.enumerated().map { (l, layer) in
            LayerFinals(
                amount: (0..<n).map { layer.amount($0) },
                value: (0..<n).map { ownerValue(l, $0) },
                debt: (0..<n).map { layer.debt($0) },
                yieldTokens: layer.yieldTokens.values,
                yieldValue: (0..<n).map { p in incomeSources.reduce(0) { $0 + ledger.attribution(l, $1)[p] } },
                extras: Self.transpose((0..<n).map { layer.finalMetrics($0, days: scenario.days) }))
        }
        let attribution = (0..<ledger.ownerCount).map { o in
            AttributionSource.allCases.map { ledger.attribution(o, $0).values }
        }
        var events = ctx.events
        events.sort { a, b in
            let pa = a.path ?? -1, pb = b.path ?? -1
            if pa != pb { return pa < pb }
            if a.day != b.day { return a.day < b.day }
            return a.sequence < b.sequence
        }
        return StrategyResult(
            strategyIndex: ctx.strategyIndex, name: strategy.name, firstPath: market.firstPath, count: n, days: scenario.days,
            distribution: DailyEquityDistribution(block: EquityBlock(firstPath: market.firstPath, count: n, values: equityMatrix), days: scenario.days),
            daily: daily, layerDaily: layerDaily, events: events,
            paths: outcomes, layers: finals, attribution: attribution)
    }

    /// Per-path (name, value) lists as one column per name (names from path 0).
    static func transpose(_ rows: [[(String, Double?)]]) -> [(name: String, values: [Double?])] {
        guard let first = rows.first else { return [] }
        return first.enumerated().map { (k, entry) in (entry.0, rows.map { k < $0.count ? $0[k].1 : nil }) }
    }
}
