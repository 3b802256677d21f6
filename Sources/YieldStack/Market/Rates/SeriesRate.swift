/// A rate read day by day from a CSV file or inline values (an explorer's
/// or Aave's daily APR history).
struct SeriesRate: RateModel {
    static let name = "series"
    static var schema: ObjectSchema? { ScenarioSchema.seriesCase("annual rate") }
    let values: [Double]

    var upperBound: Double { values.max() ?? 0 }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> SeriesRate? {
        d.decodeSeries(f.node, path: f.path, kind: kind).map { SeriesRate(values: $0) }
    }

    func grid(_ market: MarketChunk, layerID: String, kind: ShockSpec.RateKind, utilization: DailyGrid?) -> DailyGrid {
        DailyGrid(perDay: Array(values.prefix(market.days)), paths: market.count)
    }
}
