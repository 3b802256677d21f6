import Foundation

/// `mean_reverting`: an Ornstein–Uhlenbeck process for peg ratios,
/// utilisation and rates, stepped by its exact one-day transition (an AR(1)):
/// x ← θ + (x − θ)·e^(−κ·dt) + σ·√((1 − e^(−2κ·dt))/(2κ))·Z, dt = 1/365,
/// with the κ → 0 limit σ·√dt·Z. Unlike an Euler step it is stable for any
/// speed: the stationary law is N(θ, σ²/(2κ)) whatever κ·dt is. Values are
/// kept within the kind's floor and ceiling.
public struct MeanRevertingModel: DecodablePathModel {
    public static let name = "mean_reverting"
    public static let kinds: Set<ModelValueKind> = [.price, .ratio, .utilization, .rate, .signedRate, .dayCount]
    public var start: Double
    public var mean: Double
    public var speed: Double
    public var volatility: Double

    public init(start: Double, mean: Double, speed: Double, volatility: Double) {
        self.start = start
        self.mean = mean
        self.speed = speed
        self.volatility = volatility
    }

    public static func schema(_ kind: ModelValueKind) -> ObjectSchema {
        let d: String
        switch kind {
        case .price: d = "price"
        case .ratio: d = "ratio"
        case .utilization: d = "utilisation"
        case .rate, .signedRate, .amount: d = "annual rate"
        case .dayCount: d = "days"
        }
        return ObjectSchema("Ornstein–Uhlenbeck, stepped exactly: x ← mean + (x − mean)·e^(−speed·dt) + volatility·√((1 − e^(−2·speed·dt))/(2·speed))·Z, dt = 1/365 (stationary sd volatility/√(2·speed)); stable for any speed", [
            Property("start", .number(NumberSchema(min: -1e12, max: 1e12, d)), required: true, "value on day 0"),
            Property("mean", .number(NumberSchema(min: -1e12, max: 1e12, d)), required: true, "long-run level θ"),
            Property("speed", .number(NumberSchema(min: 0, max: 1e6, "mean-reversion speed κ, per year, in [0, 1e6] (half-life ln 2/κ years)")), required: true),
            Property("volatility", .number(NumberSchema(min: 0, max: 1e6, "annualised volatility σ")), required: true),
        ])
    }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> MeanRevertingModel? {
        guard let s = f.double("start"), let mean = f.double("mean"), let speed = f.double("speed"), let vol = f.double("volatility") else { return nil }
        if let problem = kind.check(s) { d.sink.report(f.path / "start", problem) }
        if let problem = kind.check(mean) { d.sink.report(f.path / "mean", problem) }
        return MeanRevertingModel(start: s, mean: mean, speed: speed, volatility: vol)
    }

    public var isStochastic: Bool { true }

    /// The exact step's coefficients over `dt`: x ← θ + (x − θ)·decay + diffusion·Z
    /// with decay = e^(−κ·dt) and diffusion = σ·√((1 − e^(−2κ·dt))/(2κ)),
    /// which tends to σ·√dt as κ → 0 (used below κ·dt = 1e-8, where the
    /// ratio loses digits to cancellation; −expm1 keeps them above).
    public static func transition(speed: Double, volatility: Double, dt: Double) -> (decay: Double, diffusion: Double) {
        let k = speed * dt
        let decay = exp(-k)
        guard k > 1e-8 else { return (decay, volatility * dt.squareRoot()) }
        return (decay, volatility * (-expm1(-2 * k) / (2 * speed)).squareRoot())
    }

    public func generate(_ r: PathRequest) -> DailyGrid {
        let z = r.innovations()
        let days = r.days, count = r.count, dt = PathGenerator.dt
        var out = [Double](repeating: 0, count: days * count)
        let (decay, diffusion) = Self.transition(speed: speed, volatility: volatility, dt: dt)
        out.withUnsafeMutableBufferPointer { o in
            z.withUnsafeBufferPointer { zb in
                for p in 0..<count {
                    var x = min(max(start, r.floor), r.ceiling)
                    o[p] = x
                    var i = count + p
                    for _ in 1..<max(days, 1) {
                        x = mean + (x - mean) * decay + diffusion * zb[i]
                        x = min(max(x, r.floor), r.ceiling)
                        o[i] = x
                        i += count
                    }
                }
            }
        }
        return DailyGrid(perPath: out, days: days, paths: count)
    }
}
