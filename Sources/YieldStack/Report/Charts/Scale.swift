import Foundation

/// Round axis ticks: steps of 1, 2, 2.5 or 5 times a power of ten, so a
/// reader can interpolate between labels at a glance. The axis is widened to
/// the enclosing ticks, so the data never touches an unlabelled edge.
public struct NiceTicks: Sendable, Equatable {
    /// First and last tick: the axis domain.
    public var lower: Double
    public var upper: Double
    public var step: Double
    public var values: [Double]
    /// Decimals that print every tick exactly (`0.25` needs 2).
    public var decimals: Int

    /// At most `maxTicks` (≥ 2) ticks covering `lo`…`hi`. A zero or
    /// non-finite range is widened first, so it never divides by zero.
    public init(lo rawLo: Double, hi rawHi: Double, maxTicks: Int = 6) {
        // Clamped so that hi − lo, and every tick index, stay finite.
        let limit = 1e300
        var lo = rawLo.isFinite ? min(max(rawLo, -limit), limit) : 0
        var hi = rawHi.isFinite ? min(max(rawHi, -limit), limit) : 1
        if lo > hi { swap(&lo, &hi) }
        if hi - lo <= max(abs(lo), abs(hi)) * 1e-12 {
            let pad = lo == 0 ? 1 : abs(lo) * 0.1
            lo -= pad
            hi += pad
        }
        let count = max(2, maxTicks)
        // A range of denormals (or one too small for log10) is widened to a unit range.
        if !((hi - lo) / Double(count - 1)).isNormal || hi - lo < 1e-250 {
            lo -= 0.5
            hi += 0.5
        }
        let raw = (hi - lo) / Double(count - 1)
        var exponent = Int(floor(log10(raw)))
        let mantissas: [Double] = [1, 2, 2.5, 5]
        var index = mantissas.lastIndex { $0 * pow(10, Double(exponent)) <= raw * (1 + 1e-12) } ?? 0
        // Walk up the 1–2–2.5–5 ladder until the ticks fit.
        while true {
            let m = mantissas[index]
            let step = Self.value(1, m, exponent)
            // A hair of tolerance so 0.3 / 0.1 = 2.9999… still starts at 3.
            let first = Int((lo / step + 1e-9).rounded(.down))
            let last = Int((hi / step - 1e-9).rounded(.up))
            let fitsRaw = step >= raw * (1 - 1e-12)
            if fitsRaw, last - first + 1 <= count {
                values = (first...last).map { Self.value($0, m, exponent) }
                self.step = step
                lower = values.first ?? lo
                upper = values.last ?? hi
                decimals = max(0, -exponent) + (m == 2.5 && exponent <= 0 ? 1 : 0)
                return
            }
            index += 1
            if index == mantissas.count { index = 0; exponent += 1 }
        }
    }

    /// k × m × 10^e computed so that decimal ticks come out exact (0.3, not
    /// 0.30000000000000004): divide by a power of ten rather than multiply by
    /// its inexact reciprocal.
    private static func value(_ k: Int, _ m: Double, _ e: Int) -> Double {
        let v = e < 0 ? Double(k) * m / pow(10, Double(-e)) : Double(k) * m * pow(10, Double(e))
        return v == 0 ? 0 : v
    }
}

/// Maps a data interval onto a pixel interval (either may be reversed, as
/// the y axis is). A zero-width domain maps everything to the middle.
public struct LinearScale: Sendable, Equatable {
    public var domain: (Double, Double)
    public var range: (Double, Double)

    public init(domain: (Double, Double), range: (Double, Double)) {
        self.domain = domain
        self.range = range
    }

    public func callAsFunction(_ v: Double) -> Double {
        let width = domain.1 - domain.0
        guard width != 0, width.isFinite else { return (range.0 + range.1) / 2 }
        return range.0 + (v - domain.0) / width * (range.1 - range.0)
    }

    public static func == (a: LinearScale, b: LinearScale) -> Bool {
        a.domain == b.domain && a.range == b.range
    }
}

/// Tick positions on a day axis, labelled with calendar dates. Steps are
/// whole days or weeks for short runs and calendar months or years for long
/// ones, so labels fall on dates a reader recognises (the 1st of a month).
public enum DateTicks {
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// At most `maxTicks` ticks for day offsets `firstDay`…`lastDay` from `start`.
    public static func ticks(start: CivilDate, firstDay: Int, lastDay: Int, maxTicks: Int = 8) -> [(day: Int, label: String)] {
        let lo = min(firstDay, lastDay), hi = max(firstDay, lastDay)
        let limit = max(2, maxTicks)
        func label(_ d: Int, months: Bool) -> String {
            let c = start.adding(days: d).components
            let name = monthNames[max(0, min(11, c.month - 1))]
            return months ? "\(name) \(c.year)" : "\(name) \(c.day)"
        }
        for step in [1, 2, 7, 14] {
            let days = Array(stride(from: lo, through: hi, by: step))
            if days.count <= limit {
                return days.map { ($0, label($0, months: false)) }
            }
        }
        for months in [1, 2, 3, 6, 12, 24, 60, 120] {
            let days = monthStarts(start: start, from: lo, through: hi, every: months)
            if days.count <= limit {
                return days.map { ($0, label($0, months: true)) }
            }
        }
        return [(lo, label(lo, months: true)), (hi, label(hi, months: true))]
    }

    /// Day offsets of the 1st of every `every`-th month (counted from January,
    /// so quarters start in Jan/Apr/Jul/Oct) within the interval.
    static func monthStarts(start: CivilDate, from lo: Int, through hi: Int, every: Int) -> [Int] {
        let first = start.adding(days: lo).components
        var year = first.year, month = first.month
        if first.day != 1 { month += 1; if month > 12 { month = 1; year += 1 } }
        var out: [Int] = []
        while true {
            guard let date = CivilDate(year: year, month: month, day: 1) else { break }
            let offset = date.dayNumber - start.dayNumber
            if offset > hi { break }
            if (month - 1 + year * 12) % every == 0 { out.append(offset) }
            month += 1
            if month > 12 { month = 1; year += 1 }
        }
        return out
    }
}
