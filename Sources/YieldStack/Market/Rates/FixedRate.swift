/// A flat annual rate, written as a plain number (`"apr": 0.04`).
struct FixedRate: RateModel {
    static let name = "fixed"
    static let schema: ObjectSchema? = nil
    let value: Double

    var upperBound: Double { value }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> FixedRate? { f.node.double.map { FixedRate(value: $0) } }

    var fixedValue: Double? { value }

    func grid(_ market: MarketChunk, layerID: String, kind: ShockSpec.RateKind, utilization: DailyGrid?) -> DailyGrid { DailyGrid(constant: value, days: market.days, paths: market.count) }
}
