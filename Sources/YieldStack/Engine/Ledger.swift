/// Where a change in equity came from (SPEC §4 report, DOMAIN "Carry
/// attribution"). Each is a value in the scenario currency, positive for a
/// gain; together with net flows they add up to the change in equity.
public enum AttributionSource: String, CaseIterable, Sendable {
    case staking
    case restaking
    case fixedYield = "fixed_yield"
    case supplyInterest = "supply_interest"
    case borrowCost = "borrow_cost"
    case lpFees = "lp_fees"
    case incentives
    case impermanentLoss = "impermanent_loss"
    case price
    case priceImpact = "price_impact"
    case liquidation
    case costs
    case exploit

    public var title: String {
        switch self {
        case .staking: return "Staking"
        case .restaking: return "Restaking"
        case .fixedYield: return "Fixed yield"
        case .priceImpact: return "Price impact"
        case .supplyInterest: return "Supply interest"
        case .borrowCost: return "Borrow cost"
        case .lpFees: return "LP fees"
        case .incentives: return "Incentives"
        case .impermanentLoss: return "Impermanent loss"
        case .price: return "Price effect"
        case .liquidation: return "Liquidation losses"
        case .costs: return "Costs"
        case .exploit: return "Exploit losses"
        }
    }
}

/// A holding of one asset by one owner (a layer, or the strategy's spot
/// wallet). Debts are slots with negative amounts, so valuation and the
/// price effect treat assets and debts alike.
public struct Slot: Sendable {
    public let asset: Int
    public let owner: Int
    public let label: String
    public let amount: PathVector
    /// Whether a rebasing receipt held here grows with its staking rewards
    /// (false for debts and for positions that do not pass rebases on).
    public let rebases: Bool
}

/// The ledger of one strategy on one chunk of paths: every slot, the
/// attribution of value changes per owner and source, and token yields.
///
/// Invariant: every change to a slot is either a transfer at day-d prices
/// (value conserved) or is attributed to a source at its day-d value; the
/// price effect of day d is Σ amount·(P_d − P_{d−1}). Hence equity change =
/// Σ sources + net flows, exactly up to rounding.
public final class Ledger: @unchecked Sendable {
    /// The spot wallet's name as an attribution owner, in reports and metrics.
    public static let spotName = "spot"
    public let arena: PathArena
    public let count: Int
    /// Market assets, then the pseudo-asset `currency` (price 1) in which
    /// fixed costs are booked.
    public let assetCount: Int
    public var currencyAsset: Int { assetCount - 1 }
    /// Owners: layers 0…L−1, then `spotOwner`.
    public let ownerCount: Int
    public var spotOwner: Int { ownerCount - 1 }
    public private(set) var slots: [Slot] = []
    private var spotSlots: [Int]
    /// attribution[owner][source.index]
    public let attribution: [[PathVector]]
    /// Net external flows (deposits positive) valued at the day's price.
    public let flows: PathVector
    /// For receipts shown in wrapped units (`exchange_rate` mode): the
    /// divisor from internal (rebasing) units to displayed units.
    public var unitDivisors: [Int: PathVector] = [:]
    /// Receipts that wrap another receipt of the strategy (weETH issued for
    /// deposited stETH): receipt → the receipt inside. Balances of the outer
    /// receipt keep earning the inner receipt's rebases, credited to the
    /// inner receipt's issuer.
    public var wraps: [Int: Int] = [:]
    private var growthVectors: [Int: PathVector] = [:]

    /// The cumulative rebase factor of a receipt (starts at 1): every layer
    /// that rebases balances of `asset` multiplies it by its day's growth, so
    /// it is the wrapped-unit exchange rate of `exchange_rate` mode.
    public func growth(_ asset: Int) -> PathVector {
        if let g = growthVectors[asset] { return g }
        let g = arena.vector(1)
        growthVectors[asset] = g
        return g
    }

    /// Receipts whose balances contain `receipt`, directly or through
    /// several wrappers, in a fixed order.
    public func wrappers(of receipt: Int) -> [Int] {
        var found: [Int] = []
        var frontier = [receipt]
        while let inner = frontier.popLast() {
            for (outer, wrapped) in wraps.sorted(by: { $0.key < $1.key }) where wrapped == inner && !found.contains(outer) && outer != receipt {
                found.append(outer)
                frontier.append(outer)
            }
        }
        return found
    }

    public init(arena: PathArena, assetCount: Int, layerCount: Int) {
        self.arena = arena
        count = arena.count
        self.assetCount = assetCount + 1
        ownerCount = layerCount + 1
        attribution = (0..<(layerCount + 1)).map { _ in AttributionSource.allCases.map { _ in arena.vector() } }
        flows = arena.vector()
        spotSlots = []
        spotTouched = [Bool](repeating: false, count: assetCount + 1)
        for a in 0..<(assetCount + 1) {
            spotSlots.append(slots.count)
            slots.append(Slot(asset: a, owner: layerCount, label: Self.spotName, amount: arena.vector(), rebases: true))
        }
    }

    /// Adds a slot and returns its amounts.
    public func addSlot(asset: Int, owner: Int, label: String, rebases: Bool = true) -> PathVector {
        let amount = arena.vector()
        slots.append(Slot(asset: asset, owner: owner, label: label, amount: amount, rebases: rebases))
        return amount
    }

    /// Slots of one owner.
    public func slots(of owner: Int) -> [Slot] { slots.filter { $0.owner == owner } }

    /// Spot slots handed out so far: the others are zero on every path and
    /// the engine's valuation loops skip them.
    public private(set) var spotTouched: [Bool]

    /// The spot wallet's slot for an asset (marks it as possibly non-zero).
    public func spot(_ asset: Int) -> PathVector {
        spotTouched[asset] = true
        return slots[spotSlots[asset]].amount
    }

    /// Whether a slot may hold anything: false for spot slots never handed out.
    @inline(__always)
    public func mayHold(_ slot: Slot) -> Bool {
        slot.owner != spotOwner || spotTouched[slot.asset]
    }

    @inline(__always)
    public func attribute(_ owner: Int, _ source: AttributionSource, _ p: Int, _ value: Double) {
        attribution[owner][source.index][p] += value
    }

    public func attribution(_ owner: Int, _ source: AttributionSource) -> PathVector {
        attribution[owner][source.index]
    }
}

extension AttributionSource {
    /// Position in `allCases`: the ledger's and the results' storage order.
    public var index: Int {
        switch self {
        case .staking: return 0
        case .restaking: return 1
        case .fixedYield: return 2
        case .supplyInterest: return 3
        case .borrowCost: return 4
        case .lpFees: return 5
        case .incentives: return 6
        case .impermanentLoss: return 7
        case .price: return 8
        case .priceImpact: return 9
        case .liquidation: return 10
        case .costs: return 11
        case .exploit: return 12
        }
    }
}
