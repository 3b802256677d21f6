/// One `--set KEYPATH=v1,v2,...` of `yieldstack sweep`.
public struct SweepAxis: Sendable, Equatable {
    public var path: ScenarioPath
    public var values: [JSONValue]

    /// Parses `strategies[0].layers[1].target_ltv=0.5,0.6`. Each value is read
    /// as JSON (`0.5`, `true`, `"x"`, `[0.9, 1.1]`); anything else is a string,
    /// so `oracle=market,underlying` works unquoted. Commas inside brackets,
    /// braces or quotes do not split values.
    public static func parse(_ text: String) -> Result<SweepAxis, SweepError> {
        guard let eq = text.firstIndex(of: "=") else {
            return .failure(SweepError(message: "--set '\(text)': expected KEYPATH=v1,v2,..."))
        }
        let keyText = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        guard let path = ScenarioPath(parsing: keyText) else {
            return .failure(SweepError(message: "--set '\(text)': '\(keyText)' is not a key path like strategies[0].layers[1].target_ltv"))
        }
        var values: [JSONValue] = []
        for token in splitTopLevel(String(text[text.index(after: eq)...])) {
            let trimmed = token.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else {
                return .failure(SweepError(message: "--set '\(text)': empty value"))
            }
            if let node = try? JSONParser.parse(trimmed) {
                values.append(node.value)
            } else {
                values.append(.string(trimmed))
            }
        }
        guard !values.isEmpty else { return .failure(SweepError(message: "--set '\(text)': no values")) }
        return .success(SweepAxis(path: path, values: values))
    }

    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var depth = 0
        var quoted = false
        var escaped = false
        for ch in s {
            if quoted {
                current.append(ch)
                if escaped { escaped = false } else if ch == "\\" { escaped = true } else if ch == "\"" { quoted = false }
                continue
            }
            switch ch {
            case "\"": quoted = true; current.append(ch)
            case "[", "{": depth += 1; current.append(ch)
            case "]", "}": depth -= 1; current.append(ch)
            case "," where depth == 0: parts.append(current); current = ""
            default: current.append(ch)
            }
        }
        parts.append(current)
        return parts
    }
}

public struct SweepError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One point of the grid: the values it sets and its checked scenario.
public struct SweepVariant: Sendable {
    public var index: Int
    public var assignments: [(path: ScenarioPath, value: JSONValue)]
    public var loaded: LoadedScenario

    public var label: String {
        assignments.map { "\($0.path)=\(JSONWriter.write($0.value))" }.joined(separator: ", ")
    }
}

/// Builds the full grid of a sweep (first axis slowest) and checks every
/// variant before anything runs.
public enum Sweep {
    public static let maxVariants = 1000

    public static func variants(of base: LoadedScenario, axes: [SweepAxis]) -> Result<[SweepVariant], SweepFailure> {
        var problems: [String] = []
        for axis in axes {
            var parent = axis.path
            parent.components.removeLast()
            guard let node = ScenarioDocument.node(at: parent, in: base.tree) else {
                problems.append("--set \(axis.path): \(parent) does not exist in \(base.file)")
                continue
            }
            if case .index = axis.path.components.last!, node.elements == nil {
                problems.append("--set \(axis.path): \(parent) is not an array")
            } else if case .key = axis.path.components.last!, node.members == nil {
                problems.append("--set \(axis.path): \(parent) is not an object")
            }
        }
        if !problems.isEmpty { return .failure(.usage(problems)) }
        let count = axes.reduce(1) { $0 * $1.values.count }
        guard count <= maxVariants else {
            return .failure(.usage(["the sweep has \(count) variants; at most \(maxVariants) are run at once"]))
        }
        var combos: [[(ScenarioPath, JSONValue)]] = [[]]
        for axis in axes {
            combos = combos.flatMap { combo in axis.values.map { combo + [(axis.path, $0)] } }
        }
        var out: [SweepVariant] = []
        var diagnostics: [Diagnostic] = []
        var unreadable = false
        for (i, combo) in combos.enumerated() {
            var tree = base.tree
            for (path, value) in combo {
                tree = ScenarioDocument.replacing(path, in: tree, with: value) ?? tree
            }
            let label = combo.map { "\($0.0)=\(JSONWriter.write($0.1))" }.joined(separator: ", ")
            // The variant's name says what it sets, so its stored run is recognisable.
            let name = (tree["name"]?.string ?? base.scenario.name) + " [" + label + "]"
            tree = ScenarioDocument.replacing(ScenarioPath.root / "name", in: tree, with: .string(name)) ?? tree
            let text = JSONWriter.write(tree.value, pretty: true) + "\n"
            do {
                let loaded = try ScenarioLoader.load(tree: tree, text: text, file: base.file, baseDirectory: base.baseDirectory)
                out.append(SweepVariant(index: i, assignments: combo.map { (path: $0.0, value: $0.1) }, loaded: loaded))
            } catch {
                switch error {
                case .invalid(let d): diagnostics += d.map { var x = $0; x.message = "[\(label)] " + x.message; return x }
                case .unreadableData(let d):
                    unreadable = true
                    diagnostics += d
                case .unreadable(let path, let reason):
                    unreadable = true
                    diagnostics.append(Diagnostic(file: path, location: .start, path: .root, message: reason))
                }
            }
        }
        if !diagnostics.isEmpty { return .failure(unreadable ? .unreadable(diagnostics) : .invalid(diagnostics)) }
        return .success(out)
    }
}

/// Why a sweep could not start: bad `--set` (usage, exit 64), an invalid
/// variant (65), or an unreadable data file (74).
public enum SweepFailure: Error, Sendable, CustomStringConvertible {
    case usage([String])
    case invalid([Diagnostic])
    case unreadable([Diagnostic])

    public var exitCode: Int32 {
        switch self {
        case .usage: return 64
        case .invalid: return 65
        case .unreadable: return 74
        }
    }

    public var description: String {
        switch self {
        case .usage(let lines): return lines.joined(separator: "\n")
        case .invalid(let d), .unreadable(let d): return d.map(\.description).joined(separator: "\n")
        }
    }
}
