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
}
