/// Aave-style interest rate curve (DOMAIN "Lending"): below the optimal
/// utilisation U*, rate = base + slope1·U/U*; above it,
/// rate = base + slope1 + slope2·(U − U*)/(1 − U*). The utilisation is a
/// number or a path model, clamped to [0, 0.9999].
struct KinkedRate: RateModel {
    static let name = "kinked"
    static let lendingOnly = true
    static var schema: ObjectSchema? {
        ObjectSchema("utilisation curve: below U*, base + slope1·U/U*; above, base + slope1 + slope2·(U − U*)/(1 − U*)", [
            Property("base", .number(NumberSchema(min: 0, max: 10, "annual rate at zero utilisation")), default: .number(0)),
            Property("slope1", .number(NumberSchema(min: 0, max: 10, "rate added from 0 to U*")), required: true),
            Property("slope2", .number(NumberSchema(min: 0, max: 100, "rate added from U* to 100 %")), required: true),
            Property("optimal_utilization", .number(NumberSchema(min: 0, exclusiveMin: true, max: 1, exclusiveMax: true, "U*, in (0, 1)")), required: true),
            Property("utilization", .ref("utilization"), required: true, "borrows / supply of the borrowed asset's market"),
        ])
    }
    let curve: KinkedRateModel
    let utilizationModel: any PathModel

    var upperBound: Double { curve.base + curve.slope1 + curve.slope2 }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> KinkedRate? {
        guard let s1 = f.double("slope1"), let s2 = f.double("slope2"), let opt = f.double("optimal_utilization"),
              let base = f.double("base"), let uNode = f.value("utilization"),
              let u = d.decodeModel(uNode, path: f.path / "utilization", kind: .utilization) else { return nil }
        return KinkedRate(curve: KinkedRateModel(base: base, slope1: s1, slope2: s2, optimal: opt), utilizationModel: u)
    }

    var isStochastic: Bool { utilizationModel.isStochastic }

    func utilization(_ market: MarketChunk, layerID: String) -> DailyGrid? {
        utilizationModel.generate(PathRequest(component: "utilization:" + layerID, streams: market.streams, days: market.days, firstPath: market.firstPath,
                                              count: market.count, normals: nil, floor: 0, ceiling: 0.9999))
    }

    func grid(_ market: MarketChunk, layerID: String, kind: ShockSpec.RateKind, utilization given: DailyGrid?) -> DailyGrid {
        let u = given ?? utilization(market, layerID: layerID) ?? DailyGrid(constant: 0, days: market.days, paths: market.count)
        return u.mapping(days: 0..<market.days) { _, x in curve.borrowRate(utilization: x) }
    }
}

/// The kinked curve itself, as a pure function.
public struct KinkedRateModel: Sendable {
    public var base: Double
    public var slope1: Double
    public var slope2: Double
    public var optimal: Double

    public init(base: Double, slope1: Double, slope2: Double, optimal: Double) {
        self.base = base
        self.slope1 = slope1
        self.slope2 = slope2
        self.optimal = optimal
    }

    public func borrowRate(utilization u: Double) -> Double {
        if u <= optimal {
            return base + slope1 * (optimal > 0 ? u / optimal : 0)
        }
        return base + slope1 + slope2 * (optimal < 1 ? (u - optimal) / (1 - optimal) : 0)
    }

    /// What suppliers of the borrowed asset earn: borrow rate × U × (1 − reserve factor).
    public func supplyRate(utilization u: Double, reserveFactor: Double) -> Double {
        borrowRate(utilization: u) * u * (1 - reserveFactor)
    }
}
