import Foundation

/// `gbm`: geometric Brownian motion with optional Merton jumps (DOMAIN
/// "Market models"): ln S(t+dt) = ln S(t) + (μ − σ²/2)dt + σ√dt·Z, plus with
/// probability λ·dt a day a normal log-jump N(m, s²). `drift` μ is the
/// diffusion's drift: the jumps add their own mean, so
/// E[S_T] = S₀e^(μT)·(1 − p + p·e^(m + s²/2))^(T/dt) with p = λdt.
/// Generated prices are held within the request's floor and ceiling
/// (1e-12 … 1e15 for prices) so that no path can overflow.
public struct GBMModel: DecodablePathModel {
    public static let name = "gbm"
    public static let kinds: Set<ModelValueKind> = [.price, .ratio]
    public var start: Double
    public var drift: Double
    public var volatility: Double
    public var jumps: Jumps?

    /// Merton jumps: a Bernoulli(λ·dt) jump a day with a normal log size.
    public struct Jumps: Sendable, Equatable {
        public var perYear: Double
        public var mean: Double
        public var stdev: Double
    }

    public init(start: Double, drift: Double, volatility: Double, jumps: Jumps? = nil) {
        self.start = start
        self.drift = drift
        self.volatility = volatility
        self.jumps = jumps
    }

    public static func schema(_ kind: ModelValueKind) -> ObjectSchema {
        ObjectSchema("geometric Brownian motion: ln S += (drift − volatility²/2)·dt + volatility·√dt·Z, dt = 1/365; `drift` excludes the jumps' mean", [
            Property("start", .number(ScenarioSchema.positivePrice), required: true, "value on day 0"),
            Property("drift", .number(NumberSchema(min: -10, max: 10, "annualised drift μ of the diffusion, in [-10, 10]")), default: .number(0)),
            Property("volatility", .number(NumberSchema(min: 0, max: 10, "annualised volatility σ, in [0, 10]")), required: true),
            Property("jumps", .object(ObjectSchema("Merton jumps: with probability per_year/365 a day, add a normal log-jump", [
                Property("per_year", .number(NumberSchema(min: 0, max: 365, "expected jumps a year (λ), at most one a day")), required: true),
                Property("mean", .number(NumberSchema(min: -10, max: 10, "mean of the log-jump")), required: true),
                Property("stdev", .number(NumberSchema(min: 0, max: 10, "standard deviation of the log-jump")), required: true),
            ]))),
        ])
    }

    static func decode(_ f: FieldReader, kind: ModelValueKind, _ d: inout ScenarioDecoder) -> GBMModel? {
        guard let s = f.double("start"), let vol = f.double("volatility"), let drift = f.double("drift") else { return nil }
        var jumps: Jumps?
        if let j = f.value("jumps") {
            guard let l = j["per_year"]?.double, let m = j["mean"]?.double, let sd = j["stdev"]?.double else { return nil }
            jumps = Jumps(perYear: l, mean: m, stdev: sd)
        }
        return GBMModel(start: s, drift: drift, volatility: vol, jumps: jumps)
    }

    public var isStochastic: Bool { true }

    public func generate(_ r: PathRequest) -> DailyGrid {
        let z = r.innovations()
        let days = r.days, count = r.count, dt = PathGenerator.dt
        var out = [Double](repeating: 0, count: days * count)
        let drift = (self.drift - volatility * volatility / 2) * dt
        let diffusion = volatility * dt.squareRoot()
        out.withUnsafeMutableBufferPointer { o in
            z.withUnsafeBufferPointer { zb in
                for p in 0..<count {
                    var jumpGen = r.streams.generator(for: "jumps:" + r.component, path: r.firstPath + p)
                    let jumpProbability = (jumps?.perYear ?? 0) * dt
                    var logS = log(start)
                    o[p] = start
                    var i = count + p
                    for _ in 1..<max(days, 1) {
                        logS += drift + diffusion * zb[i]
                        if let j = jumps, jumpGen.uniform() < jumpProbability {
                            logS += j.mean + j.stdev * jumpGen.normal()
                        }
                        o[i] = min(max(exp(logS), r.floor), r.ceiling)
                        i += count
                    }
                }
            }
        }
        return DailyGrid(perPath: out, days: days, paths: count)
    }
}
