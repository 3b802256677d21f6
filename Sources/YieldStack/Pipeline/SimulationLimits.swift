import Foundation

/// The size of simulation any command may start, checked before anything
/// runs so that `run`, `sweep` and `compare` refuse the same things.
///
/// The engine keeps a per-path equity matrix for the daily quantiles
/// (8 bytes per cell and strategy), so paths × days is capped at
/// `maxPathDays`. A file that asks for more by itself is an invalid scenario
/// (`ScenarioValidator` reports it, exit 65); a file that fits until
/// `--paths` (or a sweep's `--set`) pushes it over is a usage error (exit 64):
/// the fix is the command line, not the file.
public enum SimulationLimits {
    public static let maxPathDays = 50_000_000

    /// A run over the limit, with what the user can change.
    public struct Exceeded: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var paths: Int
        public var days: Int
        /// True when `--paths` set the count (exit 64); false when it is the file's own (exit 65).
        public var fromOverride: Bool

        public var exitCode: Int32 { fromOverride ? 64 : 65 }

        /// The most paths this scenario may run.
        public var maxPaths: Int { max(1, SimulationLimits.maxPathDays / max(days, 1)) }

        public var description: String {
            "\(Echo.line(file, limit: 1_000)): \(paths) paths × \(days) days exceeds the limit of 50,000,000 path-days; "
                + "at most \(maxPaths) paths fit \(days) days"
        }
    }

    /// Nil when `scenario` may run with `options` (whose `paths`, if set,
    /// replaces the scenario's own).
    public static func check(scenario: Scenario, file: String, options: SimulationOptions) -> Exceeded? {
        let paths = options.paths ?? scenario.paths
        // Multiplied without overflow: both are far below 2^31 once validated, but not before.
        let (product, overflow) = paths.multipliedReportingOverflow(by: scenario.days)
        guard overflow || product > maxPathDays else { return nil }
        return Exceeded(file: file, paths: paths, days: scenario.days, fromOverride: options.paths != nil)
    }
}

/// Which strategies of a scenario a `--strategies a,b` list names.
public enum StrategySelection {
    /// The names picked, in the order given, or a sentence saying what is wrong:
    /// an empty list, or an unknown name (with the nearest known one).
    public static func resolve(_ list: String, names: [String], file: String) -> Result<[String], SelectionError> {
        let picked = list.split(separator: ",", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        if picked.isEmpty {
            return .failure(SelectionError(message: "--strategies: give at least one strategy name; \(file) has \(names.joined(separator: ", "))"))
        }
        let unknown = picked.filter { !names.contains($0) }
        if !unknown.isEmpty {
            let each = unknown.map { "'\(Echo.line($0, limit: 200))'\(Suggest.hint($0, names))" }.joined(separator: ", ")
            return .failure(SelectionError(message: "--strategies: unknown strategy \(each); \(file) has \(names.joined(separator: ", "))"))
        }
        return .success(picked)
    }

    public struct SelectionError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
