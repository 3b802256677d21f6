/// What a layer sees and acts through while a strategy runs on a chunk:
/// the day's market as a read-only `MarketDay` (`today`), the ledger and the
/// event log. Layers change the ledger only through the helpers here or
/// through their own slots, so the attribution invariant of `Ledger` holds.
/// Only the runner moves the day (`begin(_:)`).
public final class StrategyContext: @unchecked Sendable {
    public let scenario: Scenario
    public let strategy: StrategySpec
    public let strategyIndex: Int
    public let market: MarketChunk
    public let ledger: Ledger
    /// The day every component of the current step reads.
    public private(set) var today: MarketDay
    /// Today's day index (`today.day`).
    public var day: Int { today.day }
    /// Events recorded so far, in the order they happened (`sequence`).
    public private(set) var events: [EngineEvent] = []
    private var sequence = 0

    // Risk trackers that layers update (lending) and the runner reports.
    /// Lowest health factor seen, including just before each liquidation.
    public let minHealthFactor: PathVector
    /// Liquidations of the strategy's positions, per path.
    public let liquidations: PathIntVector
    /// Day of the first liquidation, −1 for none.
    public let firstLiquidationDay: PathIntVector
    /// Debt written off after collateral ran out, in the currency.
    public let badDebt: PathVector
    /// The strategy's own displacement of the depth pools; nil without depth.
    let impact: PriceImpactBook?

    init(scenario: Scenario, strategyIndex: Int, market: MarketChunk, ledger: Ledger) {
        self.scenario = scenario
        self.strategy = scenario.strategies[strategyIndex]
        self.strategyIndex = strategyIndex
        self.market = market
        self.ledger = ledger
        today = MarketDay(market: market, day: 0)
        minHealthFactor = ledger.arena.vector(.infinity)
        liquidations = ledger.arena.intVector(0)
        firstLiquidationDay = ledger.arena.intVector(-1)
        badDebt = ledger.arena.vector()
        impact = PriceImpactBook(market: market, spec: scenario.market, arena: ledger.arena, currency: ledger.currencyAsset)
    }

    /// Notes a health factor observation (daily, and before each liquidation).
    @inline(__always)
    public func observe(healthFactor hf: Double, _ p: Int) {
        if hf < minHealthFactor[p] { minHealthFactor[p] = hf }
    }

    /// Counts a liquidation on path p today.
    public func noteLiquidation(_ p: Int) {
        liquidations[p] += 1
        if firstLiquidationDay[p] < 0 { firstLiquidationDay[p] = day }
    }

    /// Starts day `day.day`: from here on every component reads this view,
    /// and the strategy's own displacement of depth pools decays a day.
    func begin(_ day: MarketDay) {
        today = day
        impact?.begin(day: day.day, count: market.count)
    }

    /// Paths in the chunk.
    public var count: Int { market.count }

    /// Global path number of chunk path p.
    @inline(__always)
    public func globalPath(_ p: Int) -> Int { market.firstPath + p }

    /// Price of an asset (or the currency pseudo-asset) on the current day,
    /// the same as `today.price(asset, p)`. Reads only `today.day`, not a
    /// copy of the view: layers call it in their loops over paths.
    @inline(__always)
    public func price(_ asset: Int, _ p: Int) -> Double {
        price(asset, day: today.day, p) * factor(asset, p)
    }

    /// The strategy's own price factor for an asset today (1 without depth):
    /// what its trades through depth did to the price it sees (SPEC §2.6).
    @inline(__always)
    public func factor(_ asset: Int, _ p: Int) -> Double {
        guard let impact, asset < impact.factor.count, let f = impact.factor[asset] else { return 1 }
        return f[p]
    }

    /// Yesterday's own price factor (for the price effect of day d).
    @inline(__always)
    func previousFactor(_ asset: Int, _ p: Int) -> Double {
        guard let impact, asset < impact.previous.count, let f = impact.previous[asset] else { return 1 }
        return f[p]
    }

    /// Price of an asset on any day (day-0 and last-day figures of a run).
    public func price(_ asset: Int, day: Int, _ p: Int) -> Double {
        asset < market.prices.count ? market.prices[asset][day, p] : 1
    }

    /// Name of an asset index for events; the currency pseudo-asset is the
    /// scenario currency.
    public func assetName(_ asset: Int) -> String {
        asset < market.assetNames.count ? market.assetNames[asset] : scenario.currency
    }

    /// Records an event, numbering it so that events of one path and day
    /// keep the order in which they happened when chunks are merged.
    public func record(_ event: EngineEvent) {
        var e = event
        e.sequence = sequence
        sequence += 1
        events.append(e)
    }

    /// Records an event for chunk path p.
    public func record(_ p: Int, _ kind: EventKind, layer: String?, asset: Int? = nil, amount: Double? = nil,
                       value: Double? = nil, detail: [(String, JSONValue)] = []) {
        record(EngineEvent(path: globalPath(p), day: day, kind: kind, layer: layer, asset: asset.map(assetName),
                           amount: amount, value: value, detail: detail))
    }

    // MARK: Ledger helpers

    /// Moves `amount` of a slot's asset to the spot wallet: a transfer, no
    /// value created or lost.
    public func moveToSpot(from slot: PathVector, asset: Int, amount: Double, _ p: Int) {
        slot[p] -= amount
        ledger.spot(asset)[p] += amount
    }

    /// Sells `amount` of `from` held in spot for `to` at market prices, losing
    /// `slippage` of the traded value (booked as a cost of `owner`).
    /// Returns the amount of `to` received. With `depth` on `from` the sale
    /// goes through its pool, and with depth on `to` the purchase does
    /// (SPEC §2.6): the shortfall against the quoted price is `owner`'s
    /// price impact, and the slippage applies to what the pool returned.
    @discardableResult
    public func convertSpot(_ amount: Double, from: Int, to: Int, slippage: Double, owner: Int, _ p: Int) -> Double {
        guard amount > 0, from != to else { return 0 }
        if impact != nil, hasDepth(from) || hasDepth(to) {
            return convertThroughDepth(amount, from: from, to: to, slippage: slippage, owner: owner, p)
        }
        let value = amount * price(from, p)
        let target = price(to, p)
        guard target > 0 else { return 0 }
        let received = value * (1 - slippage) / target
        ledger.spot(from)[p] -= amount
        ledger.spot(to)[p] += received
        if slippage > 0 { ledger.attribute(owner, .costs, p, -value * slippage) }
        return received
    }

    // MARK: Depth (SPEC §2.6)

    /// Whether trades of `asset` go through a depth pool.
    public func hasDepth(_ asset: Int) -> Bool {
        guard let impact, asset < impact.poolOf.count else { return false }
        return impact.poolOf[asset] != nil
    }

    private func convertThroughDepth(_ amount: Double, from: Int, to: Int, slippage: Double, owner: Int, _ p: Int) -> Double {
        var value = amount * price(from, p)
        if let sale = depthSale(from, amount, p) {
            value = sale.value
            ledger.spot(from)[p] -= amount
            commit(sale, owner: owner, p)
        } else {
            ledger.spot(from)[p] -= amount
        }
        if slippage > 0 { ledger.attribute(owner, .costs, p, -value * slippage) }
        let spend = value * (1 - slippage)
        let received: Double
        if let purchase = depthPurchase(to, value: spend, p) {
            received = purchase.units
            ledger.spot(to)[p] += received
            commit(purchase, owner: owner, p)
        } else {
            let target = price(to, p)
            received = target > 0 ? spend / target : 0
            if target > 0 { ledger.spot(to)[p] += received } else { ledger.attribute(owner, .priceImpact, p, -spend) }
        }
        return received
    }

    /// The pool's state for `asset` on path p today: its model quote price
    /// (the market's quote price without the market's displacement), the
    /// market's displacement Δ_m and the strategy's own.
    private func poolState(_ k: Int, _ p: Int) -> (model: Double, market: Double, own: Double) {
        let pool = impact!.pools[k]
        let d = today.day
        let a = pool.asset
        let marketDelta = market.displacement[a]?[d, p] ?? 1
        let quote = market.ratios[a]?[d, p] ?? market.prices[a][d, p]
        return (marketDelta > 0 ? quote / marketDelta : quote, marketDelta, pool.own[p])
    }

    /// A sale of `units` of `asset` through its pool today, not yet applied:
    /// value = quote units out × the quote's price; nil without depth.
    func depthSale(_ asset: Int, _ units: Double, _ p: Int) -> DepthTrade? {
        guard let impact, asset < impact.poolOf.count, let k = impact.poolOf[asset], units > 0 else { return nil }
        let pool = impact.pools[k]
        let s = poolState(k, p)
        let trade = pool.curve.sell(units * s.model, displacement: s.market * s.own)
        return DepthTrade(pool: k, value: trade.out * price(pool.quote, p), units: units, quoted: units * price(asset, p),
                          own: s.market > 0 ? trade.displacement / s.market : 1)
    }

    /// A purchase of `asset` for `value` (currency) through its pool today, not yet applied.
    func depthPurchase(_ asset: Int, value: Double, _ p: Int) -> DepthTrade? {
        guard let impact, asset < impact.poolOf.count, let k = impact.poolOf[asset], value > 0 else { return nil }
        let pool = impact.pools[k]
        let quotePrice = price(pool.quote, p)
        guard quotePrice > 0 else { return nil }
        let s = poolState(k, p)
        let trade = pool.curve.buy(value / quotePrice, displacement: s.market * s.own)
        let units = s.model > 0 ? trade.out / s.model : 0
        return DepthTrade(pool: k, value: units * price(asset, p), units: units, quoted: value,
                          own: s.market > 0 ? trade.displacement / s.market : 1)
    }

    /// Applies a trade: books its shortfall (quoted − value) as `owner`'s
    /// price impact, moves the strategy's own displacement, and books the
    /// revaluation of every holding whose price moved as its owner's price
    /// effect, so the ledger's invariant holds. The caller has already moved
    /// the traded amounts. `owner` nil: a liquidator's sale (no proceeds,
    /// no shortfall of the strategy's).
    func commit(_ trade: DepthTrade, owner: Int?, _ p: Int) {
        guard let impact else { return }
        if let owner { ledger.attribute(owner, .priceImpact, p, -(trade.quoted - trade.value)) }
        let pool = impact.pools[trade.pool]
        pool.own[p] = trade.own
        pool.atTrade[p] = trade.own
        pool.since[p] = today.day
        for a in impact.affected[trade.pool] {
            let before = factor(a, p)
            impact.refresh(a, p, count: count)
            let change = (factor(a, p) - before) * price(a, day: today.day, p)
            guard change != 0 else { continue }
            for slot in ledger.slots where slot.asset == a && ledger.mayHold(slot) {
                ledger.attribute(slot.owner, .price, p, slot.amount[p] * change)
            }
        }
    }

    /// The liquidator's sale of `units` of collateral seized from the
    /// strategy: the pool moves for the strategy, which gets nothing from it.
    func liquidatorSale(_ asset: Int, _ units: Double, _ p: Int) {
        guard let trade = depthSale(asset, units, p) else { return }
        commit(trade, owner: nil, p)
    }

    /// Staking mints a receipt 1:1 at par, but the receipt is valued at its
    /// market ratio: book the difference, amount × (P_receipt − P_underlying),
    /// as `owner`'s price effect so the attribution still adds up.
    public func bookMintAtPar(_ amount: Double, underlying: Int, receipt: Int, owner: Int, _ p: Int) {
        guard amount != 0 else { return }
        ledger.attribute(owner, .price, p, amount * (price(receipt, p) - price(underlying, p)))
    }

    /// Books a fixed cost (gas) in the scenario currency against `owner`.
    public func chargeFixedCost(_ cost: Double, owner: Int, _ p: Int) {
        guard cost > 0 else { return }
        ledger.spot(ledger.currencyAsset)[p] -= cost
        ledger.attribute(owner, .costs, p, -cost)
    }

    /// Loses `fraction` of a quantity held in `slot` as a cost of `owner`
    /// (slippage on a move, an exit penalty): returns what is left to move.
    public func lose(_ fraction: Double, of amount: Double, asset: Int, slot: PathVector, owner: Int, source: AttributionSource = .costs, _ p: Int) -> Double {
        guard fraction > 0, amount > 0 else { return amount }
        let lost = amount * fraction
        slot[p] -= lost
        ledger.attribute(owner, source, p, -lost * price(asset, p))
        return amount - lost
    }
}
