import Foundation

/// Number formatting for messages and reports. Reports must be byte-identical
/// for the same inputs, so formatting is locale-free and never prints "-0".
public enum Format {
    /// The shortest text that reads back as the same number: `0.95`, `1.3`, `120`.
    public static func plain(_ v: Double) -> String {
        JSONWriter.numberText(v)
    }

    /// Fixed decimals, no grouping: `fixed(1.23456, 2)` = `1.23`.
    public static func fixed(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return v.isNaN ? "NaN" : (v > 0 ? "∞" : "−∞") }
        let s = String(format: "%.\(decimals)f", v)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }

    /// Fixed decimals with thousands separators: `1,234,567.89`.
    public static func grouped(_ v: Double, _ decimals: Int = 2) -> String {
        let s = fixed(v, decimals)
        guard v.isFinite else { return s }
        var sign = ""
        var body = Substring(s)
        if body.hasPrefix("-") { sign = "-"; body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var integer = String(parts[0])
        var groups: [String] = []
        while integer.count > 3 {
            groups.insert(String(integer.suffix(3)), at: 0)
            integer = String(integer.dropLast(3))
        }
        groups.insert(integer, at: 0)
        return sign + groups.joined(separator: ",") + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// A fraction as a percentage: `percent(0.1234)` = `12.34 %`.
    public static func percent(_ v: Double, _ decimals: Int = 2) -> String {
        guard v.isFinite else { return fixed(v, decimals) }
        return fixed(v * 100, decimals) + " %"
    }

    /// The sign of `v` as it prints with `decimals` decimals: 0 when it
    /// prints as zero. Sign-aware sentences choose their verb with it, so a
    /// loss of 0.004 never reads "lost more than 0.00".
    public static func sign(_ v: Double, _ decimals: Int = 2) -> Int {
        guard v.isFinite else { return v.isNaN ? 0 : (v > 0 ? 1 : -1) }
        let scaled = (abs(v) * pow(10, Double(decimals))).rounded()
        return scaled == 0 ? 0 : (v > 0 ? 1 : -1)
    }

    /// A value that may be absent (no debt, no liquidation): `—` when nil.
    public static func optional(_ v: Double?, _ decimals: Int = 2) -> String {
        guard let v else { return "—" }
        return grouped(v, decimals)
    }
}
