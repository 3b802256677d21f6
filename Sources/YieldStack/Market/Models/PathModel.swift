/// What a path model models: it sets the bounds of its values and which
/// models apply (a utilisation is not a GBM).
public enum ModelValueKind: Sendable, Hashable {
    /// `rate` is a non-negative annual rate (lending); `signedRate` one that
    /// may go negative down to −1 (−100 %), as a funding-based staking yield.
    /// `dayCount` is a queue length in days, in [0, 3650] (rounded where used).
    case price, ratio, utilization, rate, signedRate, amount, dayCount

    /// Why a value is out of bounds, or nil.
    func check(_ v: Double) -> String? {
        switch self {
        case .price, .ratio:
            if !(v > 0) { return "must be > 0, got \(Format.plain(v))" }
            if v < 1e-12 || v > 1e12 { return "must be in [1e-12, 1e12], got \(Format.plain(v)) (prices and ratios are bounded so that values in the currency stay finite)" }
            return nil
        case .utilization: return (0...1).contains(v) ? nil : "must be in [0, 1], got \(Format.plain(v))"
        case .rate: return v >= 0 && v <= 100 ? nil : "must be in [0, 100], got \(Format.plain(v))"
        case .signedRate: return v >= -1 && v <= 100 ? nil : "must be in [-1, 100], got \(Format.plain(v)) (a negative rate shrinks balances, at most by -100 % a year)"
        case .amount: return v >= 0 && v <= 1e15 ? nil : "must be in [0, 1e15], got \(Format.plain(v))"
        case .dayCount: return v >= 0 && v <= 3650 ? nil : "must be in [0, 3650] days, got \(Format.plain(v))"
        }
    }
}

/// What a model needs to generate one chunk's grid.
public struct PathRequest {
    /// The random stream's name (`price:ETH`, `ratio:stETH`, …).
    public var component: String
    public var streams: RandomStreams
    public var days: Int
    public var firstPath: Int
    public var count: Int
    /// Correlated innovations, when the asset is correlated; else drawn from `component`.
    public var normals: [Double]?
    public var floor: Double
    public var ceiling: Double

    /// The model's standard normals: the correlated ones, or its own stream's.
    func innovations() -> [Double] {
        normals ?? PathGenerator.innovations(component: component, streams: streams, days: days, firstPath: firstPath, count: count)
    }
}

/// A daily path of values — a price, a peg ratio, a utilisation (Lean's one
/// model per concern). A model is one file with a type conforming to this
/// protocol and one line in `PathModelRegistry.models`: the schema, the
/// decoder and the market generator all go through the registry.
public protocol PathModel: Sendable {
    /// The `model` string of the scenario file.
    static var name: String { get }
    /// The kinds of value this model may describe.
    static var kinds: Set<ModelValueKind> { get }
    /// Its fields, for the schema and the defaults.
    static func schema(_ kind: ModelValueKind) -> ObjectSchema
    /// Whether it draws random numbers (and so differs across paths).
    var isStochastic: Bool { get }
    /// Its value when it is flat (the scenario currency must be flat at 1).
    var constantValue: Double? { get }
    /// For a price derived from another asset's (a principal token from its
    /// underlying): that asset. The model's generated grid is then a factor
    /// and the asset's price is factor × price(dependency), resolved after
    /// the dependency as pegs are (`MarketChunk`); nil for a price of its own.
    var dependency: PriceDependency? { get }
    func generate(_ request: PathRequest) -> DailyGrid
}

extension PathModel {
    public var constantValue: Double? { nil }
    public var dependency: PriceDependency? { nil }
}

/// The asset a derived price multiplies (`PathModel.dependency`), and the
/// model field that names it (for validation messages).
public struct PriceDependency: Sendable, Equatable {
    public var field: String
    public var asset: String
}

/// Decoding is internal to the library (it reads the scenario decoder's state).
protocol DecodablePathModel: PathModel {
    static func decode(_ fields: FieldReader, kind: ModelValueKind, _ decoder: inout ScenarioDecoder) -> Self?
}

/// The registry of path models: one line per model.
enum PathModelRegistry {
    static let models: [any DecodablePathModel.Type] = [
        ConstantModel.self,
        SeriesModel.self,
        GBMModel.self,
        MeanRevertingModel.self,
        FixedYieldModel.self,
    ]

    static func model(named name: String) -> (any DecodablePathModel.Type)? { models.first { $0.name == name } }

    /// The `model`-tagged schema of the models that apply to `kind`.
    static func schema(_ kind: ModelValueKind, _ description: String) -> Schema {
        .tagged(TaggedSchema(key: "model", description, cases: models.filter { $0.kinds.contains(kind) }.map { ($0.name, $0.schema(kind)) }))
    }
}
