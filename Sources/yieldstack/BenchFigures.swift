import Foundation
import YieldStack

/// The arithmetic behind `yieldstack bench`'s tables, apart from the
/// measuring, so that each figure can be checked by hand.
enum BenchFigures {
    /// Nanoseconds per path-day: a phase's time per unit of work, which stays
    /// comparable when the path count or the horizon changes (seconds grow
    /// with both). Infinity for no path-days.
    static func nanosecondsPerPathDay(seconds: Double, paths: Int, days: Int) -> Double {
        let pathDays = Double(paths) * Double(days)
        return pathDays > 0 ? seconds * 1e9 / pathDays : .infinity
    }

    /// Peak memory per 1,000 paths in MiB: how the footprint scales, to size
    /// a larger run. It includes the fixed part (code, scenario), so it
    /// overstates the per-path cost of small runs.
    static func mebibytesPerThousandPaths(bytes: Int, paths: Int) -> Double {
        paths > 0 ? ProcessMemory.mebibytes(bytes) / (Double(paths) / 1000) : .infinity
    }

    /// The median: the middle value, or the mean of the two middle values.
    /// It is what a series of noisy timings says without its outliers.
    /// NaN for no values.
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// `new / old`: below 1 means the new build is faster (or smaller).
    /// NaN when `old` is not positive, which only a broken clock gives.
    static func ratio(_ new: Double, over old: Double) -> Double {
        old > 0 ? new / old : .nan
    }

    /// The median of the ratios of pairs run one after the other (`new[i] /
    /// old[i]`): a drift of the machine's speed over the benchmark (another
    /// build starting, the CPU warming) moves both runs of a pair alike and
    /// cancels out of their ratio.
    static func medianPairRatio(new: [Double], old: [Double]) -> Double {
        median(zip(new, old).map { ratio($0, over: $1) })
    }

    /// A ratio as printed: `1.02×`.
    static func times(_ r: Double) -> String {
        Format.fixed(r, 2) + "×"
    }
}
