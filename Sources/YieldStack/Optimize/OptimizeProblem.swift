import Foundation

/// A bad `optimize` argument: the message says what and, for a misspelt
/// metric or strategy, what was probably meant. The CLI exits 64 with it.
public struct OptimizeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One `--vary KEYPATH=LO..HI`: a numeric key of the scenario searched over
/// the closed interval [lo, hi]. The tolerance of the search along it is
/// `Optimizer.relativeTolerance` × (hi − lo).
public struct OptimizeAxis: Sendable, Equatable {
    public var path: ScenarioPath
    public var lo: Double
    public var hi: Double

    /// An axis; `parse` checks lo < hi, this does not.
    public init(path: ScenarioPath, lo: Double, hi: Double) {
        self.path = path
        self.lo = lo
        self.hi = hi
    }

    /// hi − lo, the range whose 1e-3 is the search's tolerance.
    public var width: Double { hi - lo }

    /// Parses `strategies[0].layers[1].target_ltv=0.1..0.79`: a key path as
    /// written in error messages, then two finite numbers with lo < hi.
    public static func parse(_ text: String) -> Result<OptimizeAxis, OptimizeError> {
        guard let eq = text.lastIndex(of: "=") else {
            return .failure(OptimizeError("--vary '\(text)': expected KEYPATH=LO..HI"))
        }
        let keyText = String(text[..<eq]).trimmingCharacters(in: .whitespaces)
        guard let path = ScenarioPath(parsing: keyText), !path.components.isEmpty else {
            return .failure(OptimizeError("--vary '\(text)': '\(keyText)' is not a key path like strategies[0].layers[1].target_ltv"))
        }
        let range = String(text[text.index(after: eq)...])
        let parts = range.components(separatedBy: "..")
        guard parts.count == 2,
              let lo = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let hi = Double(parts[1].trimmingCharacters(in: .whitespaces)),
              lo.isFinite, hi.isFinite else {
            return .failure(OptimizeError("--vary '\(text)': expected a range LO..HI of two numbers, got '\(range)'"))
        }
        guard lo < hi else {
            return .failure(OptimizeError("--vary '\(text)': the range must have LO < HI, got \(Format.plain(lo))..\(Format.plain(hi))"))
        }
        return .success(OptimizeAxis(path: path, lo: lo, hi: hi))
    }
}

/// What is optimised: a catalogue metric of one strategy, maximised, or
/// minimised when written with a leading `-` (`-cvar_95`). The search always
/// maximises `score = sign × value`, sign = +1 or −1.
public struct OptimizeObjective: Sendable, Equatable, CustomStringConvertible {
    public var metric: Metric
    public var minimise: Bool

    /// `minimise` flips the sign of the score.
    public init(metric: Metric, minimise: Bool) {
        self.metric = metric
        self.minimise = minimise
    }

    /// sign × value (−∞ for a metric that is null, so it never wins).
    public func score(_ value: Double?) -> Double {
        guard let value, value.isFinite else { return -.infinity }
        return minimise ? -value : value
    }

    public var description: String { (minimise ? "-" : "") + metric.name }

    /// Parses `apy` or `-cvar_95`; an unknown name is an error with a "did you mean".
    public static func parse(_ text: String) -> Result<OptimizeObjective, OptimizeError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let minimise = trimmed.hasPrefix("-")
        let name = minimise ? String(trimmed.dropFirst()) : trimmed
        guard let metric = OptimizeLimit.metric(name, option: "--maximize") else {
            return .failure(OptimizeError(OptimizeLimit.unknownMetric(name, option: "--maximize")))
        }
        return .success(OptimizeObjective(metric: metric, minimise: minimise))
    }
}

/// One `--subject-to 'METRIC<=X'` (also `>=`, `<`, `>`): a limit on a
/// catalogue metric of the optimised strategy. A point is *feasible* when
/// every limit holds. `violation` measures by how much one fails, in the
/// metric's own unit: max(0, value − X) for `<=`/`<`, max(0, X − value) for
/// `>=`/`>` (a strict limit met with equality counts as violated by 0⁺, so
/// it is reported as failing with violation 0), +∞ for a null value.
public struct OptimizeLimit: Sendable, Equatable, CustomStringConvertible {
    /// The comparison, spelt as on the command line.
    public enum Relation: String, Sendable, CaseIterable {
        case atMost = "<="
        case atLeast = ">="
        case below = "<"
        case above = ">"
    }

    public var metric: Metric
    public var relation: Relation
    public var bound: Double

    /// The limit `metric relation bound`.
    public init(metric: Metric, relation: Relation, bound: Double) {
        self.metric = metric
        self.relation = relation
        self.bound = bound
    }

    public var description: String { "\(metric.name)\(relation.rawValue)\(Format.plain(bound))" }

    /// For reports: `liquidation_probability ≤ 0.01` (≤ ≥ < >), since a
    /// Markdown report escapes `<` and `>` out of code spans.
    public var display: String {
        let symbol: String
        switch relation {
        case .atMost: symbol = "≤"
        case .atLeast: symbol = "≥"
        case .below: symbol = "less than"
        case .above: symbol = "more than"
        }
        return "\(metric.name) \(symbol) \(Format.plain(bound))"
    }

    /// Whether `value` satisfies the limit (a null value never does).
    public func holds(_ value: Double?) -> Bool {
        guard let value, value.isFinite else { return false }
        switch relation {
        case .atMost: return value <= bound
        case .atLeast: return value >= bound
        case .below: return value < bound
        case .above: return value > bound
        }
    }

    /// How far `value` is from satisfying the limit (0 when it holds).
    public func violation(_ value: Double?) -> Double {
        guard let value, value.isFinite else { return .infinity }
        switch relation {
        case .atMost, .below: return max(0, value - bound)
        case .atLeast, .above: return max(0, bound - value)
        }
    }

    /// Parses `liquidation_probability<=0.01`; the two-character relations
    /// are tried first so `<=` is not read as `<` then `=0.01`.
    public static func parse(_ text: String) -> Result<OptimizeLimit, OptimizeError> {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for relation in [Relation.atMost, .atLeast, .below, .above] {
            guard let r = trimmed.range(of: relation.rawValue) else { continue }
            let name = String(trimmed[..<r.lowerBound]).trimmingCharacters(in: .whitespaces)
            let boundText = String(trimmed[r.upperBound...]).trimmingCharacters(in: .whitespaces)
            guard let metric = metric(name, option: "--subject-to") else {
                return .failure(OptimizeError(unknownMetric(name, option: "--subject-to '\(text)'")))
            }
            guard let bound = Double(boundText), bound.isFinite else {
                return .failure(OptimizeError("--subject-to '\(text)': the limit must be a number, got '\(boundText)'"))
            }
            return .success(OptimizeLimit(metric: metric, relation: relation, bound: bound))
        }
        return .failure(OptimizeError("--subject-to '\(text)': expected METRIC<=X, METRIC>=X, METRIC<X or METRIC>X"))
    }

    static func metric(_ name: String, option: String) -> Metric? {
        // worst_path is a path index, not a quantity to optimise or limit.
        guard let m = Metric.named(name), m != .worstPath else { return nil }
        return m
    }

    static func unknownMetric(_ name: String, option: String) -> String {
        let names = Metric.catalogue.filter { $0 != .worstPath }.map(\.name)
        return "\(option): unknown metric \(Echo.quoted(name))\(Suggest.hint(name, names)); one of \(names.joined(separator: ", "))"
    }
}

/// A whole `optimize` request, checked against the scenario it runs on:
/// 1–3 axes on distinct keys, an objective and limits on catalogue metrics,
/// and the strategy (by name; the first when not given) whose metrics they are.
public struct OptimizeProblem: Sendable {
    /// At most 3 keys: a 5-point grid is 5ᵈ runs and a refinement round 3ᵈ − 1.
    public static let maxAxes = 3

    public var axes: [OptimizeAxis]
    public var objective: OptimizeObjective
    public var limits: [OptimizeLimit]
    public var strategyIndex: Int
    public var strategyName: String

    /// A checked problem; `parse` builds one from command-line text.
    public init(axes: [OptimizeAxis], objective: OptimizeObjective, limits: [OptimizeLimit], strategyIndex: Int, strategyName: String) {
        self.axes = axes
        self.objective = objective
        self.limits = limits
        self.strategyIndex = strategyIndex
        self.strategyName = strategyName
    }

    /// Parses the command's arguments against `scenario`; the first problem
    /// found is the error (each names its option).
    public static func parse(vary: [String], maximize: String, subjectTo: [String], strategy: String?,
                             scenario: Scenario) -> Result<OptimizeProblem, OptimizeError> {
        if vary.isEmpty { return .failure(OptimizeError("give at least one --vary KEYPATH=LO..HI")) }
        if vary.count > maxAxes {
            return .failure(OptimizeError("at most \(maxAxes) --vary are searched at once, got \(vary.count)"))
        }
        var axes: [OptimizeAxis] = []
        for text in vary {
            switch OptimizeAxis.parse(text) {
            case .success(let a):
                if axes.contains(where: { $0.path == a.path }) {
                    return .failure(OptimizeError("--vary \(a.path) is given twice"))
                }
                axes.append(a)
            case .failure(let e): return .failure(e)
            }
        }
        let objective: OptimizeObjective
        switch OptimizeObjective.parse(maximize) {
        case .success(let o): objective = o
        case .failure(let e): return .failure(e)
        }
        var limits: [OptimizeLimit] = []
        for text in subjectTo {
            switch OptimizeLimit.parse(text) {
            case .success(let l): limits.append(l)
            case .failure(let e): return .failure(e)
            }
        }
        let names = scenario.strategies.map(\.name)
        let index: Int
        if let strategy {
            guard let i = names.firstIndex(of: strategy) else {
                return .failure(OptimizeError("--strategy: unknown strategy \(Echo.quoted(strategy))\(Suggest.hint(strategy, names)); the scenario has \(names.map { Echo.quoted($0) }.joined(separator: ", "))"))
            }
            index = i
        } else {
            index = 0
        }
        return .success(OptimizeProblem(axes: axes, objective: objective, limits: limits, strategyIndex: index, strategyName: names[index]))
    }
}
