/// An annual rate over the run (SPEC §2.3 "a rate"): a number, a series, a
/// `mean_reverting` model, or for lending a `kinked` utilisation curve.
/// A rate model is one file with a type conforming to this protocol and one
/// line in `RateRegistry.models`.
protocol RateModel: Sendable {
    /// The `model` string of the scenario file (a plain number is `fixed`).
    static var name: String { get }
    /// Only a lending layer's `borrow_apr` takes it (the kinked curve).
    static var lendingOnly: Bool { get }
    /// Its fields, for the schema (nil: written as a plain number).
    static var schema: ObjectSchema? { get }
    /// `kind` is `.rate` (at least 0) or `.signedRate` (at least −1).
    static func decode(_ fields: FieldReader, kind: ModelValueKind, _ decoder: inout ScenarioDecoder) -> Self?
    /// The value of a flat rate.
    var fixedValue: Double? { get }
    /// Whether it differs across paths.
    var isStochastic: Bool { get }
    /// The highest rate it can produce, for the validator's bound on
    /// compounding (rate × years).
    var upperBound: Double { get }
    /// The rate on each day and path of a chunk, for layer `layerID`
    /// (random streams are named after it, so two strategies with the same
    /// layer id see the same rate path). `utilization` passes the path of
    /// `utilization(_:layerID:)` when the caller already has it.
    func grid(_ market: MarketChunk, layerID: String, kind: ShockSpec.RateKind, utilization: DailyGrid?) -> DailyGrid
    /// The utilisation path behind it (kinked), nil for other models.
    func utilization(_ market: MarketChunk, layerID: String) -> DailyGrid?
}

extension RateModel {
    static var lendingOnly: Bool { false }
    var fixedValue: Double? { nil }
    var isStochastic: Bool { false }
    func utilization(_ market: MarketChunk, layerID: String) -> DailyGrid? { nil }
}

/// A layer's rate as decoded: one `RateModel`.
public struct RateSpec: Sendable {
    let model: any RateModel

    /// A flat rate.
    public static func fixed(_ value: Double) -> RateSpec { RateSpec(model: FixedRate(value: value)) }
    public static let zero = RateSpec.fixed(0)

    /// The value of a flat rate, nil for other models.
    public var fixedValue: Double? { model.fixedValue }
    public var isStochastic: Bool { model.isStochastic }
    /// The highest rate the model can produce.
    public var upperBound: Double { model.upperBound }
}

/// The registry of rate models: one line per model.
enum RateRegistry {
    static let models: [any RateModel.Type] = [
        FixedRate.self,
        SeriesRate.self,
        MeanRevertingRate.self,
        KinkedRate.self,
    ]

    static func model(named name: String) -> (any RateModel.Type)? { models.first { $0.name == name } }

    /// The schema of a queue length in days: a whole number, or a `series`
    /// or `mean_reverting` model (rounded on the request day).
    static func dayCountSchema(_ description: String) -> Schema {
        let tagged = models.filter { $0.schema != nil && !$0.lendingOnly }.map { ($0.name, $0.schema!) }
        return .oneOfKinds([
            .integer(IntegerSchema(min: 0, max: 3650)),
            .tagged(TaggedSchema(key: "model", cases: tagged)),
        ], description: description)
    }

    /// The schema of a rate: a number, or one of the tagged models. A
    /// `signed` rate (staking-type yields) may be negative down to −1.
    static func schema(lending: Bool, signed: Bool = false, _ description: String) -> Schema {
        let tagged = models.filter { $0.schema != nil && (lending || !$0.lendingOnly) }.map { ($0.name, $0.schema!) }
        return .oneOfKinds([
            signed ? .number(NumberSchema(min: -1, max: 100, "annual rate: 0.05 = 5 %, -0.05 = -5 % (at least -1)"))
                   : .number(NumberSchema(min: 0, max: 100, "annual rate: 0.05 = 5 %")),
            .tagged(TaggedSchema(key: "model", cases: tagged)),
        ], description: description)
    }
}
