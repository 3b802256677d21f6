import Foundation

/// `fixed_yield`: the price of a Pendle-style principal token (PT) that
/// redeems 1:1 for `underlying` at `maturity` (SPEC §2.1, DOMAIN "Fixed
/// yield"). On day d, with τ_d = max(0, days from d to maturity),
///
///     price_d = price(underlying)_d × (1 + implied_apy_d)^(−τ_d/365),
///
/// so from maturity on the PT is worth the underlying. The model generates
/// the discount factor (1 + y_d)^(−τ_d/365) and declares the underlying as
/// its `dependency`; `MarketChunk` multiplies the factor by the underlying's
/// price once that is known, as it resolves pegs.
public struct FixedYieldModel: DecodablePathModel {
    public static let name = "fixed_yield"
    public static let kinds: Set<ModelValueKind> = [.price]
    /// The asset the PT redeems into.
    public var underlying: String
    public var maturity: CivilDate
    /// Days from the run's `start` to `maturity`; negative when the PT
    /// matured before the run (it is then at par throughout).
    public var maturityDay: Int
    /// The implied APY path: a constant, a `series` or a `mean_reverting`
    /// model, generated as a rate in [0, `MeanRevertingRate.ceiling`].
    public var impliedAPY: any PathModel

    public init(underlying: String, maturity: CivilDate, maturityDay: Int, impliedAPY: any PathModel) {
        self.underlying = underlying
        self.maturity = maturity
        self.maturityDay = maturityDay
        self.impliedAPY = impliedAPY
    }

    public static func schema(_ kind: ModelValueKind) -> ObjectSchema {
        ObjectSchema("a principal token: price = price(underlying) × (1 + implied_apy)^(−τ/365), τ = days to maturity (≥ 0); at par from maturity on", [
            Property("underlying", ScenarioSchema.name, required: true, "the asset the token redeems into 1:1 at maturity (another market asset)"),
            Property("maturity", .string(StringSchema(format: .date, "the maturity date, YYYY-MM-DD (before start: already at par)")), required: true),
            Property("implied_apy", .ref("rate"), required: true, "the market's implied APY: a number, a `series` or a `mean_reverting` model"),
        ])
    }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> FixedYieldModel? {
        guard let underlying = f.string("underlying"), let text = f.string("maturity"), let maturity = CivilDate(iso: text),
              let node = f.value("implied_apy") else { return nil }
        let path = f.path / "implied_apy"
        let implied: any PathModel
        if let v = node.double {
            implied = ConstantModel(value: v)
        } else if node["model"]?.string == SeriesModel.name {
            guard let values = d.decodeSeries(node, path: path, kind: .rate) else { return nil }
            implied = SeriesModel(values: values)
        } else if node["model"]?.string == MeanRevertingModel.name {
            guard let m = MeanRevertingModel.decode(FieldReader(node: node, path: path, fields: MeanRevertingModel.schema(.rate).properties), kind: .rate, &d) else { return nil }
            implied = m
        } else {
            if node["model"]?.string != nil { d.sink.report(path / "model", "an implied APY is a number, a `series` or a `mean_reverting` model") }
            return nil
        }
        return FixedYieldModel(underlying: underlying, maturity: maturity, maturityDay: maturity.dayNumber - d.start.dayNumber, impliedAPY: implied)
    }

    public var isStochastic: Bool { impliedAPY.isStochastic }
    public var dependency: PriceDependency? { PriceDependency(field: "underlying", asset: underlying) }

    /// Days to maturity on day d, at least 0.
    @inline(__always)
    public func daysToMaturity(_ d: Int) -> Int { max(0, maturityDay - d) }

    /// The implied APY on each day and path, drawn (for a random model) from
    /// the stream `<component>:implied_apy`, or from the correlated normals.
    public func impliedGrid(_ r: PathRequest) -> DailyGrid {
        var q = r
        q.component = r.component + ":implied_apy"
        q.floor = 0
        q.ceiling = MeanRevertingRate.ceiling
        return impliedAPY.generate(q)
    }

    /// The discount factor (1 + y_d)^(−τ_d/365); the price is this times the
    /// underlying's price (see `dependency`).
    public func generate(_ r: PathRequest) -> DailyGrid {
        let y = impliedGrid(r)
        let factor: (Int, Double) -> Double = { d, v in
            let tau = self.daysToMaturity(d)
            return tau == 0 ? 1 : min(max(pow(1 + v, -Double(tau) / 365), 1e-12), 1e15)
        }
        if !y.isPathDependent {
            let perDay = (0..<r.days).map { factor($0, y[$0, 0]) }
            return DailyGrid(perDay: perDay, paths: r.count)
        }
        var out = [Double](repeating: 0, count: r.days * r.count)
        for d in 0..<r.days {
            for p in 0..<r.count { out[d * r.count + p] = factor(d, y[d, p]) }
        }
        return DailyGrid(perPath: out, days: r.days, paths: r.count)
    }

    /// One day's accretion factor at the implied rate, inferred from the
    /// prices so that it agrees with the grid (shocks included):
    /// (1 + y_d)^(1/365) − 1 = (U_d / P_d)^(1/τ_d) − 1, 0 once τ_d = 0.
    /// Held from d to d+1 at an unchanged implied rate and underlying price,
    /// a PT worth P_d gains exactly P_d × this (τ falls by one day).
    public static func dailyAccretion(price: Double, underlying: Double, daysToMaturity tau: Int) -> Double {
        guard tau > 0, price > 0, underlying > 0 else { return 0 }
        return pow(underlying / price, 1 / Double(tau)) - 1
    }

    /// The implied APY that the prices show on a day: (U / P)^(365/τ) − 1,
    /// 0 once τ = 0 (the `apr` a rule sees).
    public static func impliedRate(price: Double, underlying: Double, daysToMaturity tau: Int) -> Double {
        guard tau > 0, price > 0, underlying > 0 else { return 0 }
        return pow(underlying / price, 365 / Double(tau)) - 1
    }
}
