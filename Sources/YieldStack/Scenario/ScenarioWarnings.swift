import Foundation

/// Things in a valid scenario that are probably not what its author meant:
/// reported as `warning:` diagnostics, never as errors, so the run goes on.
///
/// The checks walk the raw JSON tree rather than the decoded layers, so they
/// need no knowledge of layer types: a new layer with an `apr` is covered.
public enum ScenarioWarnings {
    /// Keys whose numbers are annual rates written as decimals (0.05 = 5 %).
    static let rateKeys: Set<String> = ["apr", "apy", "supply_apr", "borrow_apr"]

    /// Path and rate models that draw random numbers: without one, every
    /// market path is the same.
    static let randomModels: Set<String> = ["gbm", "mean_reverting"]

    /// Every warning about the file as written: rates above 1 and, for
    /// `paths` > 1, identical paths.
    public static func check(_ scenario: Scenario, tree: JSONNode, file: String) -> [Diagnostic] {
        rates(tree: tree, file: file) + identicalPaths(scenario, paths: scenario.paths, tree: tree, file: file)
    }

    /// `warnings` (from `check`) for a run with `--paths` replacing the
    /// file's count: the identical-paths warning is about the count that runs.
    public static func replacingPaths(_ warnings: [Diagnostic], _ scenario: Scenario, paths: Int?, tree: JSONNode, file: String) -> [Diagnostic] {
        guard let paths else { return warnings }
        return warnings.filter { !$0.message.hasPrefix(identicalPrefix) }
            + identicalPaths(scenario, paths: paths, tree: tree, file: file, fromOption: true)
    }

    /// A number under a rate key above 1 (100 %), outside rate-model objects
    /// (whose `value`, `base`, … are checked by the schema). A rate of 3.2
    /// is far more often "3.2 %" than a 320 % yield.
    static func rates(tree: JSONNode, file: String) -> [Diagnostic] {
        var out: [Diagnostic] = []
        func walk(_ node: JSONNode, _ path: ScenarioPath) {
            switch node.value {
            case .object(let members):
                if node["model"] != nil { return }
                for m in members {
                    let p = path / m.key
                    if rateKeys.contains(m.key), let rate = m.node.double, rate > 1 {
                        out.append(Diagnostic(file: file, location: m.keyLocation, path: p, message: rateMessage(rate)))
                    } else {
                        walk(m.node, p)
                    }
                }
            case .array(let elements):
                for (i, e) in elements.enumerated() { walk(e, path / i) }
            default:
                break
            }
        }
        walk(tree, .root)
        return out
    }

    static func rateMessage(_ rate: Double) -> String {
        "warning: is \(short(rate)) (\(short(rate * 100)) %); rates are decimals, 0.05 = 5 %; did you mean \(short(rate / 100))?"
    }

    /// 12 significant digits, so that 3.2 × 100 reads 320, not 320.00000000000006.
    static func short(_ v: Double) -> String {
        Format.plain(Double(String(format: "%.12g", v)) ?? v)
    }

    static let identicalPrefix = "warning: all "

    /// Without a random model every path is the same market, so `paths` > 1
    /// repeats one result. All paths still run (the run stores the count
    /// asked for, and its statistics are those of that many paths); the
    /// warning says the time is spent for nothing.
    static func identicalPaths(_ scenario: Scenario, paths: Int, tree: JSONNode, file: String, fromOption: Bool = false) -> [Diagnostic] {
        guard paths > 1, !hasRandomModel(tree) else { return [] }
        let path = ScenarioPath.root / "paths"
        let location = fromOption ? ScenarioDocument.location(of: .root, in: tree) : ScenarioDocument.location(of: path, in: tree)
        let given = fromOption ? "--paths \(paths)" : "paths \(paths)"
        return [Diagnostic(file: file, location: location, path: path,
                           message: "\(identicalPrefix)\(paths) paths would be identical: no gbm or mean_reverting model; "
                               + "running all \(paths) as asked (\(given)), but 1 path gives the same figures")]
    }

    /// True if any price, peg or rate model anywhere in the file is random.
    static func hasRandomModel(_ node: JSONNode) -> Bool {
        switch node.value {
        case .object(let members):
            if let name = node["model"]?.string, randomModels.contains(name) { return true }
            return members.contains { hasRandomModel($0.node) }
        case .array(let elements):
            return elements.contains { hasRandomModel($0) }
        default:
            return false
        }
    }
}
