import Foundation

/// What a run is doing, as the progress line names it.
enum RunPhase: String, Sendable {
    case simulating, storing, rendering
}

/// The progress line, as a pure function of the counts and the time spent,
/// so that its wording and arithmetic are tested without a terminal.
enum ProgressLine {
    /// `steth-loop.json simulating [#########...] 45 % 9/20 chunks, 0:12 left`
    /// while simulating; `steth-loop.json storing…` after. The time left
    /// assumes the remaining units take as long as the done ones on
    /// average: elapsed × (total − completed) / completed.
    static func format(label: String, phase: RunPhase, completed: Int, total: Int, elapsed: Double,
                       unit: String = "chunks", width: Int = 24) -> String {
        guard phase == .simulating else { return "\(label) \(phase.rawValue)…" }
        let total = max(total, 0)
        let done = min(max(completed, 0), total)
        let filled = total > 0 ? width * done / total : width
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let percent = total > 0 ? 100 * done / total : 100
        let left: String
        if done == 0 || !elapsed.isFinite || elapsed < 0 {
            left = "estimating time left"
        } else {
            left = "\(duration(elapsed * Double(total - done) / Double(done))) left"
        }
        return "\(label) simulating [\(bar)] \(percent) % \(done)/\(total) \(unit), \(left)"
    }

    /// `0:07`, `12:30`, `1:02:03` (seconds rounded up, so "0:00 left" means done).
    static func duration(_ seconds: Double) -> String {
        let s = Int(min(seconds.rounded(.up), 359_999))
        let (h, m, r) = (s / 3600, s / 60 % 60, s % 60)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return h > 0 ? "\(h):\(two(m)):\(two(r))" : "\(m):\(two(r))"
    }
}

/// A progress line on standard error, shown only when asked for (a
/// terminal, neither --quiet nor --json) and only once a run has taken more
/// than a second, so quick runs print nothing.
final class ProgressBar: @unchecked Sendable {
    private let label: String
    private let unit: String
    private let enabled: Bool
    private let afterLast: RunPhase?
    private let start = Date()
    private var shown = false
    private let lock = NSLock()

    /// `afterLast`: the phase shown once the last unit is done (a run's
    /// simulation is followed by storing; a sweep's last variant by nothing).
    init(label: String, unit: String = "chunks", afterLast: RunPhase? = .storing, enabled: Bool) {
        self.label = label
        self.unit = unit
        self.afterLast = afterLast
        self.enabled = enabled
    }

    /// Whether a command with these output options shows progress.
    static func wanted(_ output: OutputArguments) -> Bool {
        !output.quiet && !output.json && Terminal.stderrIsTerminal
    }

    /// Simulation progress: `done` of `total` units. The pipeline reports
    /// no phases of its own, so the last unit moves the line on to `afterLast`.
    func update(_ done: Int, _ total: Int) {
        if done >= total, let next = afterLast { draw(next, 0, 0) } else { draw(.simulating, done, total) }
    }

    func phase(_ phase: RunPhase) {
        draw(phase, 0, 0)
    }

    private func draw(_ phase: RunPhase, _ done: Int, _ total: Int) {
        guard enabled else { return }
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        guard shown || elapsed > 1 else { return }
        shown = true
        let line = ProgressLine.format(label: label, phase: phase, completed: done, total: total, elapsed: elapsed, unit: unit)
        FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        shown = false
    }
}
