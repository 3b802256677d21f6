/// Applies the shocks of a day in one place (SPEC §2.5 step 1, after the
/// market of the day): records every shock as an event, takes what a shock
/// takes from the ledger, and asks the layer a shock names to follow through
/// `LayerRuntime.applyShock`.
///
/// - `price_change`, `ratio`, `rate`: already in the chunk's market and rate
///   grids; here they are only recorded (once, on the chunk holding path 0,
///   as a market-wide event with no path).
/// - `slash`: the layer burns its receipts itself (`applyShock`).
/// - `exploit`: generic for every layer type — the layer loses `fraction` of
///   every slot it holds, booked as `exploit` attribution (debts stay); then
///   the layer follows (an AMM position shrinks its liquidity).
///
/// Shocks run in file order, so their events keep the order of the scenario.
struct ShockApplier {
    /// The scenario's shocks, in file order.
    let shocks: [ShockSpec]
    let strategy: StrategySpec
    let layers: [LayerRuntime]
    let ledger: Ledger
    let ctx: StrategyContext

    /// The applier of `shocks` for one strategy run; `layers` are the run's
    /// runtimes in layer order (a shock's layer id resolves to one of them).
    init(shocks: [ShockSpec], strategy: StrategySpec, layers: [LayerRuntime], ctx: StrategyContext) {
        self.shocks = shocks
        self.strategy = strategy
        self.layers = layers
        self.ledger = ctx.ledger
        self.ctx = ctx
    }

    /// Applies every shock of day `d` (the context's current day).
    func apply(day d: Int) {
        let market = ctx.market
        for shock in shocks where shock.day == d {
            switch shock.effect {
            case .priceChange(let asset, let change):
                if market.firstPath == 0 {
                    ctx.record(EngineEvent(path: nil, day: d, kind: .shock, asset: asset, detail: [("price_change", .number(change))]))
                }
            case .ratio(let asset, let value, let recover):
                if market.firstPath == 0 {
                    var detail: [(String, JSONValue)] = [("ratio", .number(value))]
                    if let recover { detail.append(("recover_days", .number(Double(recover)))) }
                    ctx.record(EngineEvent(path: nil, day: d, kind: .shock, asset: asset, detail: detail))
                }
            case .rate(let layer, let kind, let value, let duration):
                if market.firstPath == 0, strategy.layer(layer) != nil {
                    var detail: [(String, JSONValue)] = [(kind.rawValue, .number(value))]
                    if let duration { detail.append(("duration_days", .number(Double(duration)))) }
                    ctx.record(EngineEvent(path: nil, day: d, kind: .shock, layer: layer, detail: detail))
                }
            case .slash(let layer, _):
                if let i = strategy.layerIndex(layer) { layers[i].applyShock(shock.effect, ctx: ctx) }
            case .exploit(let layer, let fraction):
                guard let i = strategy.layerIndex(layer) else { continue }
                takeExploit(fraction, owner: i, layer: layer)
                layers[i].applyShock(shock.effect, ctx: ctx)
            }
        }
    }

    /// The exploited layer loses `fraction` of everything it holds at
    /// today's prices: lost = Σ_slots amount · fraction · P, booked as
    /// −lost `exploit` attribution of the layer; one event per path that lost.
    private func takeExploit(_ fraction: Double, owner i: Int, layer: String) {
        let owned = ledger.slots(of: i)
        let today = ctx.today
        for p in 0..<today.count {
            var lost = 0.0
            for slot in owned where slot.amount[p] > 0 {
                let amount = slot.amount[p] * fraction
                lost += amount * ctx.price(slot.asset, p)
                slot.amount[p] -= amount
            }
            ledger.attribute(i, .exploit, p, -lost)
            if lost > 0 {
                ctx.record(p, .shock, layer: layer, value: lost, detail: [("exploit", .number(fraction)), ("lost_value", .number(lost))])
            }
        }
    }
}
