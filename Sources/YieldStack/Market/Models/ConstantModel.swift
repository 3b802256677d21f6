/// `constant`: the same value every day on every path.
public struct ConstantModel: DecodablePathModel {
    public static let name = "constant"
    public static let kinds: Set<ModelValueKind> = [.price, .ratio, .utilization]
    public var value: Double

    public init(value: Double) { self.value = value }

    public static func schema(_ kind: ModelValueKind) -> ObjectSchema {
        let bound = kind == .utilization ? ScenarioSchema.fraction : ScenarioSchema.positivePrice
        return ObjectSchema("flat", [Property("value", .number(bound), required: true, "the value every day")])
    }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> ConstantModel? {
        f.double("value").map { ConstantModel(value: $0) }
    }

    public var isStochastic: Bool { false }
    public var constantValue: Double? { value }

    public func generate(_ r: PathRequest) -> DailyGrid { DailyGrid(constant: value, days: r.days, paths: r.count) }
}
