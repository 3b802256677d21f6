/// A rate that wanders around a long-run level: an Ornstein–Uhlenbeck path
/// (`MeanRevertingModel`), floored at 0 (−1 for a signed, staking-type
/// rate), drawn from the layer's own stream.
struct MeanRevertingRate: RateModel {
    static let name = "mean_reverting"
    static var schema: ObjectSchema? { MeanRevertingModel.schema(.rate) }
    let model: MeanRevertingModel
    /// 0, or −1 for a signed rate.
    var floor: Double = 0
    /// `ceiling`, or 3650 for a queue length in days.
    var top: Double = Self.ceiling

    /// Its paths are clamped to [`floor`, `top`].
    var upperBound: Double { top }
    /// The highest rate a path may reach (1000 %).
    static let ceiling = 10.0

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> MeanRevertingRate? {
        MeanRevertingModel.decode(f, kind: kind, &d).map { MeanRevertingRate(model: $0, floor: kind == .signedRate ? -1 : 0, top: kind == .dayCount ? 3650 : Self.ceiling) }
    }

    var isStochastic: Bool { true }

    func grid(_ market: MarketChunk, layerID: String, kind: ShockSpec.RateKind, utilization: DailyGrid?) -> DailyGrid {
        model.generate(PathRequest(component: "rate:\(kind.rawValue):" + layerID, streams: market.streams, days: market.days, firstPath: market.firstPath,
                                   count: market.count, normals: nil, floor: floor, ceiling: top))
    }
}
