import Foundation

/// Generates path models into `DailyGrid`s for a chunk of paths.
///
/// Day 0 is the model's `start`; days 1…N−1 each take one step, so a run of
/// N days sees N−1 market moves and N accruals (SPEC §2.5; a full year of
/// price risk is `"days": 366`).
public enum PathGenerator {
    /// Year fraction of one day.
    public static let dt = 1.0 / 365.0

    /// Independent standard normals for one component: `z[d * count + p]`
    /// for days 1…N−1 (day 0 is left 0), path p of the chunk drawing from
    /// stream (component, firstPath + p).
    public static func innovations(component: String, streams: RandomStreams, days: Int, firstPath: Int, count: Int) -> [Double] {
        var z = [Double](repeating: 0, count: days * count)
        z.withUnsafeMutableBufferPointer { buffer in
            for p in 0..<count {
                var g = streams.generator(for: component, path: firstPath + p)
                // Days 1, 2, … take the pair's values in turn.
                var d = 1
                while d < days {
                    let (a, b) = g.normalPair()
                    buffer[d * count + p] = a
                    if d + 1 < days { buffer[(d + 1) * count + p] = b }
                    d += 2
                }
            }
        }
        return z
    }

    /// The grid of a model. `normals` are the (possibly correlated)
    /// innovations of a stochastic model; ignored for constants and series.
    public static func generate(_ model: PathModel, component: String, streams: RandomStreams, days: Int,
                                firstPath: Int, count: Int, normals: [Double]?, floor: Double, ceiling: Double = .infinity) -> DailyGrid {
        switch model {
        case .constant(let v):
            return DailyGrid(constant: v, days: days, paths: count)
        case .series(let values):
            return DailyGrid(perDay: Array(values.prefix(days)), paths: count)
        case .gbm(let spec):
            let z = normals ?? innovations(component: component, streams: streams, days: days, firstPath: firstPath, count: count)
            return DailyGrid(perPath: gbm(spec, component: component, streams: streams, days: days, firstPath: firstPath, count: count, z: z),
                             days: days, paths: count)
        case .meanReverting(let spec):
            let z = normals ?? innovations(component: component, streams: streams, days: days, firstPath: firstPath, count: count)
            return DailyGrid(perPath: ornsteinUhlenbeck(spec, days: days, count: count, z: z, floor: floor, ceiling: ceiling),
                             days: days, paths: count)
        }
    }

    /// ln S(t+dt) = ln S(t) + (μ − σ²/2)dt + σ√dt·Z, plus with probability
    /// λ·dt a day a normal log-jump N(m, s²) (Merton). Jump draws come from
    /// their own stream so turning jumps on does not change the diffusion.
    static func gbm(_ spec: GBMSpec, component: String, streams: RandomStreams, days: Int, firstPath: Int, count: Int, z: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: days * count)
        let drift = (spec.drift - spec.volatility * spec.volatility / 2) * dt
        let diffusion = spec.volatility * dt.squareRoot()
        out.withUnsafeMutableBufferPointer { o in
            z.withUnsafeBufferPointer { zb in
                for p in 0..<count {
                    var jumpGen = streams.generator(for: "jumps:" + component, path: firstPath + p)
                    let jumpProbability = (spec.jumps?.perYear ?? 0) * dt
                    var logS = log(spec.start)
                    o[p] = spec.start
                    var i = count + p
                    for _ in 1..<max(days, 1) {
                        logS += drift + diffusion * zb[i]
                        if let j = spec.jumps, jumpGen.uniform() < jumpProbability {
                            logS += j.mean + j.stdev * jumpGen.normal()
                        }
                        o[i] = exp(logS)
                        i += count
                    }
                }
            }
        }
        return out
    }

    /// x += κ(θ − x)dt + σ√dt·Z (Euler step), kept within [floor, ceiling].
    static func ornsteinUhlenbeck(_ spec: MeanRevertingSpec, days: Int, count: Int, z: [Double], floor: Double, ceiling: Double) -> [Double] {
        var out = [Double](repeating: 0, count: days * count)
        let diffusion = spec.volatility * dt.squareRoot()
        out.withUnsafeMutableBufferPointer { o in
            z.withUnsafeBufferPointer { zb in
                for p in 0..<count {
                    var x = min(max(spec.start, floor), ceiling)
                    o[p] = x
                    var i = count + p
                    for _ in 1..<max(days, 1) {
                        x += spec.speed * (spec.mean - x) * dt + diffusion * zb[i]
                        x = min(max(x, floor), ceiling)
                        o[i] = x
                        i += count
                    }
                }
            }
        }
        return out
    }
}
