/// A validated scenario: the market and the strategies to run through it.
/// Every series here is already aligned to the run (one value a day from
/// `start`), so the engine never touches files or dates.
public struct Scenario: Sendable {
    public var name: String
    public var description: String?
    public var start: CivilDate
    public var days: Int
    public var currency: String
    public var seed: UInt64
    public var paths: Int
    public var market: MarketSpec
    public var strategies: [StrategySpec]

    /// The date of day `d`.
    public func date(ofDay d: Int) -> CivilDate { start.adding(days: d) }
    public var endDate: CivilDate { start.adding(days: days - 1) }
}

public struct AssetSpec: Sendable {
    public enum Pricing: Sendable {
        case price(any PathModel)
        case peg(to: String, ratio: any PathModel)
    }

    public var name: String
    public var pricing: Pricing
    /// The market's liquidity for the asset (SPEC §2.6); nil: trades at the quoted price.
    public var depth: DepthSpec? = nil

    public var pegTarget: String? {
        if case .peg(let to, _) = pricing { return to }
        return nil
    }

    /// The asset this one's price is computed from: its peg target, or a
    /// derived price model's dependency (a principal token's underlying).
    public var dependency: String? {
        switch pricing {
        case .peg(let to, _): return to
        case .price(let m): return m.dependency?.asset
        }
    }
}

public struct CorrelationSpec: Sendable, Equatable {
    public var first: String
    public var second: String
    public var rho: Double
}

/// A scheduled event, identical on every path (SPEC §2.2).
public struct ShockSpec: Sendable, Equatable {
    public enum RateKind: String, Sendable, Equatable {
        case borrow = "borrow_apr"
        case supply = "supply_apr"
        case apr = "apr"
        /// A queue length drawn from a model (no shock overrides it).
        case queueDays = "queue_days"
    }

    public enum Effect: Sendable, Equatable {
        case priceChange(asset: String, change: Double)
        case ratio(asset: String, value: Double, recoverDays: Int?)
        case rate(layer: String, kind: RateKind, value: Double, durationDays: Int?)
        case slash(layer: String, fraction: Double)
        case exploit(layer: String, fraction: Double)
    }

    public var day: Int
    public var effect: Effect
}

public struct MarketSpec: Sendable {
    public var assets: [AssetSpec]
    public var correlations: [CorrelationSpec]
    public var shocks: [ShockSpec]
    /// Other borrowers liquidated into the collateral's depth (SPEC §2.6).
    public var cascades: [CascadeSpec] = []

    public func asset(_ name: String) -> AssetSpec? { assets.first { $0.name == name } }
    public func index(of name: String) -> Int? { assets.firstIndex { $0.name == name } }
}

public struct StrategySpec: Sendable {
    public var name: String
    public var description: String?
    public var capitalAsset: String
    public var capitalAmount: Double
    public var layers: [LayerSpec]
    public var rules: [RuleSpec]
    public var flows: [FlowSpec]

    public func layer(_ id: String) -> LayerSpec? { layers.first { $0.id == id } }
    public func layerIndex(_ id: String) -> Int? { layers.firstIndex { $0.id == id } }
}

public struct FlowSpec: Sendable, Equatable {
    public var day: Int
    public var hour: Double
    public var amount: Double
}

/// Where a layer takes its input from; nil in `LayerSpec.input` means the
/// whole output of the layer before (or the capital, for the first layer).
public struct LayerInput: Sendable, Equatable {
    public var from: String
    public var fraction: Double
}

public struct LayerSpec: Sendable {
    public var id: String
    public var input: LayerInput?
    /// The layer type's own spec (see `LayerRegistry`).
    var kind: any LayerConfig
    /// Where the layer sits in the file, for runtime errors.
    public var path: ScenarioPath

    public var typeName: String { kind.typeName }
    public var capabilities: LayerCapabilities { kind.capabilities }
}

/// The metrics a rule condition can watch (SPEC §2.4).
public enum RuleMetric: String, Sendable, CaseIterable {
    case healthFactor = "health_factor"
    case ltv
    case price
    case peg
    case drawdown
    case equity
    case apr
}

public enum Comparison: Sendable, Equatable {
    case below(Double)
    case above(Double)

    public func holds(_ value: Double) -> Bool {
        switch self {
        case .below(let x): return value < x
        case .above(let x): return value > x
        }
    }
}

public enum RuleCondition: Sendable, Equatable {
    case day(Int)
    case metric(RuleMetric, Comparison, layer: String?, asset: String?)
}

public struct ActionSpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case exit(to: String?)
        case deleverageToLTV(layer: String, target: Double)
        case deleverageToHealthFactor(layer: String, target: Double)
        case releverage(layer: String, target: Double)
        case unstake(layer: String, viaQueue: Bool)
        case withdraw(layer: String, fraction: Double)

        public var name: String {
            switch self {
            case .exit: return "exit"
            case .deleverageToLTV, .deleverageToHealthFactor: return "deleverage"
            case .releverage: return "releverage"
            case .unstake: return "unstake"
            case .withdraw: return "withdraw"
            }
        }

        public var layer: String? {
            switch self {
            case .exit: return nil
            case .deleverageToLTV(let l, _), .deleverageToHealthFactor(let l, _), .releverage(let l, _), .unstake(let l, _), .withdraw(let l, _): return l
            }
        }
    }

    public var kind: Kind
    /// Fixed cost (gas) in the scenario currency.
    public var cost: Double
    /// Fraction of traded value lost.
    public var slippage: Double
}

public struct RuleSpec: Sendable, Equatable {
    public var when: RuleCondition
    public var then: ActionSpec
    public var once: Bool
}
