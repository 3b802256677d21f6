import ArgumentParser
import Foundation
import YieldStack

/// `yieldstack bench --compare OLD NEW`: two builds' `yieldstack run` of
/// the same scenario, as whole processes, alternated A B A B so that a
/// drift of the machine's speed (another build, thermal throttling) falls on
/// both alike. Whole processes include what a phase table leaves out
/// (start-up, loading, freeing), and the old build needs no bench of its own.
struct BenchComparison {
    /// One of the two builds and what its runs measured.
    struct Binary {
        /// `A` (the old build) or `B` (the new one).
        var label: String
        var path: String
        var outcomes: [ChildProcess.Outcome] = []

        var bestWall: Double { outcomes.map(\.wallSeconds).min() ?? .nan }
        var bestCPU: Double { outcomes.map(\.cpuSeconds).min() ?? .nan }
        var medianCPU: Double { BenchFigures.median(outcomes.map(\.cpuSeconds)) }
        var peakResidentBytes: Int { outcomes.map(\.peakResidentBytes).max() ?? 0 }
    }

    /// What every child is asked to run; the database and report folder are its own.
    struct Workload {
        var file: String
        var paths: Int
        var threads: Int
        /// Passed on only if the user gave it, so that a build without the
        /// option (or with another default) can still be compared.
        var storePaths: Int?

        /// `run FILE --paths N --threads T [--store-paths S] --db DB --report-dir DIR --quiet`:
        /// options every build of `yieldstack run` has had.
        func arguments(database: String, reportDirectory: String) -> [String] {
            var a = ["run", file, "--paths", String(paths), "--threads", String(threads)]
            if let storePaths { a += ["--store-paths", String(storePaths)] }
            return a + ["--db", database, "--report-dir", reportDirectory, "--quiet"]
        }
    }

    var a: Binary
    var b: Binary
    var workload: Workload

    /// Runs A then B, `repetitions` times, each in a fresh folder under
    /// `directory` (removed after it), and keeps the outcomes. A run that
    /// fails stops everything: its command and standard error are printed
    /// and bench exits with its status (70 if it was killed by a signal).
    mutating func measure(repetitions: Int, directory: String) throws {
        for i in 0..<repetitions {
            for side in [\BenchComparison.a, \BenchComparison.b] {
                let binary = self[keyPath: side]
                let folder = directory + "/\(binary.label)-\(i + 1)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: folder) }
                let arguments = workload.arguments(database: folder + "/x.sqlite", reportDirectory: folder)
                let outcome: ChildProcess.Outcome
                do {
                    outcome = try ChildProcess.run(binary.path, arguments, standardErrorFile: folder + "/stderr.txt")
                } catch {
                    Terminal.error("bench --compare: \(error)")
                    throw ExitCode(74)
                }
                guard outcome.succeeded else {
                    Terminal.error(Self.failure(binary, arguments: arguments, repetition: i + 1, outcome: outcome))
                    if case .exited(let status) = outcome.termination { throw ExitCode(status) }
                    throw ExitCode(70)
                }
                self[keyPath: side].outcomes.append(outcome)
            }
        }
    }

    /// The message for a run that failed: which build, how it ended, the
    /// command to reproduce it, and what it wrote to standard error.
    static func failure(_ binary: Binary, arguments: [String], repetition: Int, outcome: ChildProcess.Outcome) -> String {
        let how: String
        switch outcome.termination {
        case .exited(let status): how = "exited with status \(status)"
        case .signalled(let signal): how = "was killed by signal \(signal)"
        }
        let stderr = outcome.standardError.hasSuffix("\n") ? String(outcome.standardError.dropLast()) : outcome.standardError
        return "bench --compare: \(binary.label) (\(binary.path)) \(how) on repetition \(repetition):\n"
            + "  " + ([binary.path] + arguments).map(shellQuoted).joined(separator: " ") + "\n"
            + (stderr.isEmpty ? "(nothing on standard error)" : "its standard error:\n" + stderr)
    }

    /// A word as a POSIX shell reads it back, so that a printed command can be pasted.
    static func shellQuoted(_ word: String) -> String {
        let plain = !word.isEmpty && word.unicodeScalars.allSatisfy {
            ($0.isASCII && CharacterSet.alphanumerics.contains($0)) || "/._-=+,:@%".unicodeScalars.contains($0)
        }
        return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The table: best wall and CPU seconds, median CPU seconds and peak RSS per build.
    func table() -> String {
        var rows = [["binary", "best wall s", "best CPU s", "median CPU s", "peak RSS MiB"]]
        for x in [a, b] {
            rows.append(["\(x.label)  \(x.path)", Format.fixed(x.bestWall, 3), Format.fixed(x.bestCPU, 3),
                         Format.fixed(x.medianCPU, 3), Format.grouped(ProcessMemory.mebibytes(x.peakResidentBytes), 1)])
        }
        return Terminal.table(rows)
    }

    /// B over A for wall time, CPU time (best, and the median of the A/B
    /// pairs' ratios, the figure least moved by drift) and peak memory.
    func ratios() -> String {
        let pairs = BenchFigures.medianPairRatio(new: b.outcomes.map(\.cpuSeconds), old: a.outcomes.map(\.cpuSeconds))
        let memory = BenchFigures.ratio(Double(b.peakResidentBytes), over: Double(a.peakResidentBytes))
        return "B/A: wall \(BenchFigures.times(BenchFigures.ratio(b.bestWall, over: a.bestWall))) (best), "
            + "CPU \(BenchFigures.times(BenchFigures.ratio(b.bestCPU, over: a.bestCPU))) (best), "
            + "\(BenchFigures.times(pairs)) (median of \(min(a.outcomes.count, b.outcomes.count)) A/B pair\(a.outcomes.count == 1 ? "" : "s")), "
            + "peak RSS \(BenchFigures.times(memory))"
    }
}
