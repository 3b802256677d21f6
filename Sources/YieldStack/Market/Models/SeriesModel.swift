/// `series`: a historical or hand-made path, one value a day from `start`
/// (from a CSV file or inline `values`), the same on every path.
public struct SeriesModel: DecodablePathModel {
    public static let name = "series"
    public static let kinds: Set<ModelValueKind> = [.price, .ratio, .utilization]
    /// Aligned to the run: `days` values.
    public var values: [Double]

    public init(values: [Double]) { self.values = values }

    public static func schema(_ kind: ModelValueKind) -> ObjectSchema {
        ScenarioSchema.seriesCase(kind == .utilization ? "utilisation" : kind == .ratio ? "ratio" : "price")
    }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> SeriesModel? {
        d.decodeSeries(f.node, path: f.path, kind: kind).map { SeriesModel(values: $0) }
    }

    public var isStochastic: Bool { false }

    public func generate(_ r: PathRequest) -> DailyGrid { DailyGrid(perDay: Array(values.prefix(r.days)), paths: r.count) }
}
