import Foundation

/// The size of simulation any command may start, checked before anything
/// runs so that `run`, `sweep` and `compare` refuse the same things.
///
/// Memory grows with the paths, not with paths × days (daily quantiles come
/// from exact sums and a sketch above 16M path-days), so the real limit is
/// the memory estimate (exit 65 naming it). `maxPathDays` only bounds typos
/// (a million paths of a thousand days): a file that asks for more by itself
/// is an invalid scenario (`ScenarioValidator`, exit 65); a file that fits
/// until `--paths` (or a sweep's `--set`) pushes it over is a usage error
/// (exit 64): the fix is the command line, not the file.
public enum SimulationLimits {
    public static let maxPathDays = 1_000_000_000

    /// A run over the limit, with what the user can change.
    public struct Exceeded: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var paths: Int
        public var days: Int
        /// True when `--paths` set the count (exit 64); false when it is the file's own (exit 65).
        public var fromOverride: Bool
        /// Set when the run fits the path-day limit but not in memory: the
        /// estimate and the budget, in bytes (exit 65).
        public var memory: MemoryEstimate?

        public var exitCode: Int32 { memory != nil ? 65 : fromOverride ? 64 : 65 }

        /// The most paths this scenario may run.
        public var maxPaths: Int { max(1, SimulationLimits.maxPathDays / max(days, 1)) }

        public var description: String {
            if let m = memory {
                return "\(Echo.line(file, limit: 1_000)): this run would need about \(MemoryEstimate.text(m.bytes)) of memory "
                    + "(\(m.breakdown)); this machine allows \(MemoryEstimate.text(m.budget)); store fewer paths (--store-paths) or run fewer paths"
            }
            return "\(Echo.line(file, limit: 1_000)): \(paths) paths × \(days) days exceeds the limit of \(Format.grouped(Double(SimulationLimits.maxPathDays), 0)) path-days; "
                + "at most \(maxPaths) paths fit \(days) days"
        }
    }

    /// Nil when `scenario` may run with `options` (whose `paths`, if set,
    /// replaces the scenario's own).
    public static func check(scenario: Scenario, file: String, options: SimulationOptions) -> Exceeded? {
        let paths = options.paths ?? scenario.paths
        // Multiplied without overflow: both are far below 2^31 once validated, but not before.
        let (product, overflow) = paths.multipliedReportingOverflow(by: scenario.days)
        guard overflow || product > maxPathDays else {
            let estimate = MemoryEstimate(scenario: scenario, paths: paths, storePaths: options.storePaths)
            guard estimate.bytes > estimate.budget else { return nil }
            return Exceeded(file: file, paths: paths, days: scenario.days, fromOverride: options.paths != nil, memory: estimate)
        }
        return Exceeded(file: file, paths: paths, days: scenario.days, fromOverride: options.paths != nil)
    }
}

/// What a run will hold in memory before it is stored, estimated before it
/// starts so that a run that cannot fit is refused with the estimate instead
/// of dying halfway (SIGABRT on exhaustion).
///
/// Per strategy: the per-path results (outcome, layer finals, attribution
/// by owner and source, about `perPathBytes`); the daily equity, either
/// every path-day (8 bytes each, exact mode) or a day's exact sums and
/// sketch (`sketchBytesPerDay`); the statistics' sorted copies of a few
/// per-path columns. For the stored paths, every daily row until the write:
/// `daily` (~48 bytes), `layer_daily` (~64 per layer), `layer_rates` (~40
/// per layer) and `market_daily` (~48 per asset). Calibrated against peak
/// RSS (README, Performance) and deliberately on the high side.
public struct MemoryEstimate: Sendable, Equatable {
    public var bytes: Int
    public var budget: Int
    /// Where the bytes go, for the message.
    public var breakdown: String

    /// Allowance per day and strategy for the sketch: eight binades of
    /// touched pages (64 pages of 128 four-byte counts each), more spread
    /// than a day's equity has in practice, and the day's exact sums.
    public static let sketchBytesPerDay = 8 * 64 * 512 + 67 * 8

    /// One path of one strategy with `layers` layers: the outcome (~120
    /// bytes), five finals per layer, 26 attribution sources for each layer
    /// and the strategy, and the statistics' copies.
    public static func perPathBytes(layers: Int) -> Int { 120 + 48 * layers + 8 * 26 * (layers + 1) + 64 }

    public init(scenario: Scenario, paths: Int, storePaths: Int) {
        let days = Double(scenario.days)
        let strategies = Double(scenario.strategies.count)
        let layers = Double(scenario.strategies.reduce(0) { $0 + $1.layers.count })
        let assets = Double(scenario.market.assets.count)
        let stored = Double(max(1, min(storePaths, paths)))
        let exact = DailyEquityDistribution.isExact(paths: paths, days: scenario.days)
        let equity = exact ? 8 * Double(paths) * days * strategies : Double(Self.sketchBytesPerDay) * days * strategies
        let rows = 2 * stored * days * (48 * strategies + 104 * layers + 48 * assets)
        let perPath = Double(paths) * scenario.strategies.reduce(0.0) { $0 + Double(Self.perPathBytes(layers: $1.layers.count)) }
        // The engine, the runtime and the chunks being simulated.
        let base = 64.0 * 1_048_576
        let total = equity + rows + perPath + base
        bytes = total >= Double(Int.max) ? Int.max : Int(total)
        budget = Self.budget
        breakdown = "\(Self.text(Int(min(perPath, 9e18)))) for the results of \(paths) paths, "
            + "\(Self.text(Int(min(equity, 9e18)))) for daily equity \(exact ? "kept exactly" : "in sketches"), "
            + "\(Self.text(Int(min(rows, 9e18)))) for the daily rows of \(Int(stored)) stored paths"
    }

    /// Three quarters of physical memory, at most 64 GiB, at least 1 GiB.
    public static var budget: Int {
        let gib = 1_073_741_824.0
        let physical = Double(ProcessInfo.processInfo.physicalMemory)
        let allowed: Double = min(max(physical * 0.75, gib), 64 * gib)
        return Int(allowed)
    }

    /// Bytes as a reader says them: `11.2 GiB`, `640 MiB`.
    public static func text(_ bytes: Int) -> String {
        let b = Double(bytes)
        let gib = 1_073_741_824.0, mib = 1_048_576.0
        if b >= gib { return Format.fixed(b / gib, 1) + " GiB" }
        return Format.fixed(b / mib, 0) + " MiB"
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
