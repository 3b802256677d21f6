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

    /// Starts day `day.day`: from here on every component reads this view.
    func begin(_ day: MarketDay) { today = day }

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
        price(asset, day: today.day, p)
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
    /// Returns the amount of `to` received.
    @discardableResult
    public func convertSpot(_ amount: Double, from: Int, to: Int, slippage: Double, owner: Int, _ p: Int) -> Double {
        guard amount > 0, from != to else { return 0 }
        let value = amount * price(from, p)
        let target = price(to, p)
        guard target > 0 else { return 0 }
        let received = value * (1 - slippage) / target
        ledger.spot(from)[p] -= amount
        ledger.spot(to)[p] += received
        if slippage > 0 { ledger.attribute(owner, .costs, p, -value * slippage) }
        return received
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
