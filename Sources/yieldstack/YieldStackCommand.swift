import ArgumentParser
import Foundation
import YieldStack

@main
struct YieldStackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yieldstack",
        abstract: "Backtest multi-layer crypto yield strategies: staking, lending, liquidity pools, loops.",
        discussion: """
        Exit status: 0 success, 64 usage error, 65 invalid scenario, 74 input/output error \
        (unreadable file, database locked or read-only), 70 internal error.
        """,
        version: YieldStackVersion.current,
        subcommands: [Run.self, Validate.self, Compare.self, Sweep.self, Optimize.self, Report.self, Import.self, Schema.self, Bench.self, Merge.self])
}

/// Shared output helpers: errors to standard error, exit codes per sysexits.
enum Terminal {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func fail(_ failure: RunFailure) -> ExitCode {
        error(failure.description)
        return ExitCode(failure.exitCode)
    }

    static func fail(_ e: ScenarioError) -> ExitCode {
        fail(.scenario(e))
    }

    static var stderrIsTerminal: Bool { isatty(2) != 0 }

    /// ISO 8601 UTC timestamp for the `runs` table.
    static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// Left-aligned first column, right-aligned others.
    static func table(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in
                let pad = String(repeating: " ", count: widths[i] - c.count)
                return i == 0 ? c + pad : pad + c
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
