/// A key path into a scenario document, written as in error messages:
/// `strategies[0].layers[1].target_ltv`. The same syntax addresses values
/// for `sweep --set`, so what an error names can be swept.
public struct ScenarioPath: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public static let root = ScenarioPath()

    public func appending(_ key: String) -> ScenarioPath { ScenarioPath(components + [.key(key)]) }
    public func appending(_ index: Int) -> ScenarioPath { ScenarioPath(components + [.index(index)]) }
    public static func / (path: ScenarioPath, key: String) -> ScenarioPath { path.appending(key) }
    public static func / (path: ScenarioPath, index: Int) -> ScenarioPath { path.appending(index) }

    public var description: String {
        var out = ""
        for c in components {
            switch c {
            case .key(let k):
                if ScenarioPath.isPlain(k) {
                    if !out.isEmpty { out += "." }
                    out += k
                } else {
                    var quoted = ""
                    JSONWriter.writeString(k, into: &quoted)
                    out += "[\(quoted)]"
                }
            case .index(let i): out += "[\(i)]"
            }
        }
        return out.isEmpty ? "(document)" : out
    }

    static func isPlain(_ key: String) -> Bool {
        guard !key.isEmpty else { return false }
        return key.unicodeScalars.allSatisfy { s in
            (s >= "a" && s <= "z") || (s >= "A" && s <= "Z") || (s >= "0" && s <= "9") || s == "_" || s == "-"
        }
    }

    /// Parses `a.b[2].c` and `a["odd key"]`; nil on malformed text.
    public init?(parsing text: String) {
        var comps: [Component] = []
        let chars = Array(text.unicodeScalars)
        var i = 0
        var expectKey = true
        while i < chars.count {
            let c = chars[i]
            if c == "." {
                guard !comps.isEmpty, !expectKey else { return nil }
                i += 1
                expectKey = true
                continue
            }
            if c == "[" {
                i += 1
                guard i < chars.count else { return nil }
                if chars[i] == "\"" {
                    i += 1
                    var key = String.UnicodeScalarView()
                    while i < chars.count, chars[i] != "\"" {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        key.append(chars[i])
                        i += 1
                    }
                    guard i + 1 < chars.count, chars[i] == "\"", chars[i + 1] == "]" else { return nil }
                    i += 2
                    comps.append(.key(String(key)))
                } else {
                    var digits = ""
                    while i < chars.count, chars[i] >= "0", chars[i] <= "9" {
                        digits.unicodeScalars.append(chars[i])
                        i += 1
                    }
                    guard i < chars.count, chars[i] == "]", let n = Int(digits) else { return nil }
                    i += 1
                    comps.append(.index(n))
                }
                expectKey = false
                continue
            }
            guard expectKey else { return nil }
            var key = String.UnicodeScalarView()
            while i < chars.count, chars[i] != ".", chars[i] != "[" {
                key.append(chars[i])
                i += 1
            }
            guard !key.isEmpty else { return nil }
            comps.append(.key(String(key)))
            expectKey = false
        }
        guard !comps.isEmpty, !text.hasSuffix(".") else { return nil }
        self.components = comps
    }

    public init(stringLiteral value: String) {
        self = ScenarioPath(parsing: value) ?? ScenarioPath([.key(value)])
    }
}
