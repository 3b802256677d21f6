import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the built `yieldstack` on one file with a timeout, and judges the outcome
/// against SPEC §3: exit 0, 64, 65 or 74 only (70 is "this is a bug"), no signal,
/// no hang, and on 65 every stderr line starts with the file name.
enum FuzzRunner {
    static let timeout: TimeInterval = 10
    static let allowedStatuses: Set<Int32> = [0, 64, 65, 74]

    struct Outcome {
        var command: [String]
        var status: Int32
        var signaled: Bool
        var timedOut: Bool
        var stderr: String
        var seconds: Double

        var statusText: String { timedOut ? "hang (killed after \(Int(FuzzRunner.timeout)) s)" : signaled ? "signal \(status)" : "exit \(status)" }
    }

    static func run(_ arguments: [String], in directory: String) -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CLITests.binary)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        // Files, not pipes: a chatty child can never block on a full pipe.
        let outPath = directory + "/stdout.txt", errPath = directory + "/stderr.txt"
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let out = FileHandle(forWritingAtPath: outPath)!, err = FileHandle(forWritingAtPath: errPath)!
        defer { try? out.close(); try? err.close() }
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let start = Date()
        do { try process.run() } catch {
            return Outcome(command: arguments, status: -1, signaled: false, timedOut: false, stderr: "could not start \(CLITests.binary): \(error)", seconds: 0)
        }
        var timedOut = false
        while process.isRunning {
            if Date().timeIntervalSince(start) > timeout {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(2_000)
        }
        process.waitUntilExit()
        let stderrData = (try? Data(contentsOf: URL(fileURLWithPath: errPath))) ?? Data()
        return Outcome(command: arguments, status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                       timedOut: timedOut, stderr: String(decoding: stderrData.prefix(64 * 1024), as: UTF8.self),
                       seconds: Date().timeIntervalSince(start))
    }

    /// Why an outcome breaks the contract, or nil.
    /// `dataFiles`: other paths a line may start with (the data files the scenario names, reported at their own line).
    static func violation(_ o: Outcome, file: String, dataFiles: [String] = []) -> String? {
        if o.timedOut { return "hang" }
        if o.signaled { return "signal \(o.status)" }
        if !allowedStatuses.contains(o.status) { return "exit \(o.status)" }
        for marker in ["Fatal error", "Backtrace", "Stack dump", "Program crashed", "Illegal instruction", "Segmentation fault"] where o.stderr.contains(marker) {
            return "stderr contains \"\(marker)\""
        }
        if o.status == 65 {
            // A stderr longer than what was captured ends in a cut line: judge whole lines only.
            var lines = o.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            if !o.stderr.hasSuffix("\n"), !lines.isEmpty { lines.removeLast() }
            let forged = lines.first { line in
                !line.hasPrefix(file + ":") && !dataFiles.contains { line.hasPrefix($0) }
            }
            if let forged { return "forged stderr line (does not start with the file name): \(String(forged.prefix(120)).debugDescription)" }
        }
        return nil
    }

    // MARK: Hostile series files

    /// Creates the hostile file in `directory` and returns the path the scenario should name.
    /// `original` is the shipped data file the scenario named (its CRLF, UTF-16 or NUL copy is made of it).
    static func materialize(_ kind: FuzzSeriesFile, original name: String, in directory: String, dataDirectory: String) -> String {
        let fm = FileManager.default
        let path = directory + "/series-" + (name.isEmpty ? "x.csv" : name)
        let originalPath = dataDirectory + "/" + (name.isEmpty ? "eth-usd-daily.csv" : name)
        let original = (try? String(contentsOfFile: originalPath, encoding: .utf8))
            ?? (try? String(contentsOfFile: dataDirectory + "/eth-usd-daily.csv", encoding: .utf8)) ?? "date,value\n2022-05-03,2800\n"
        func days(_ value: String) -> String {
            var lines = ["date,value"]
            var d = DateComponents(calendar: Calendar(identifier: .gregorian), timeZone: TimeZone(identifier: "UTC"), year: 2020, month: 1, day: 1).date!
            for _ in 0..<(365 * 8) {
                let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: d)
                lines.append(String(format: "%04d-%02d-%02d,%@", c.year!, c.month!, c.day!, value))
                d = d.addingTimeInterval(86_400)
            }
            return lines.joined(separator: "\n") + "\n"
        }
        switch kind {
        case .crlf: _ = fm.createFile(atPath: path, contents: Data(original.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        case .utf16: _ = fm.createFile(atPath: path, contents: original.data(using: .utf16))
        case .binary:
            var rng = FuzzRNG(seed: 0xB1_7A57)
            _ = fm.createFile(atPath: path, contents: Data((0..<8192).map { _ in UInt8(truncatingIfNeeded: rng.next()) }))
        case .empty: _ = fm.createFile(atPath: path, contents: Data())
        case .devZero: return "/dev/zero"
        case .devNull: return "/dev/null"
        case .fifo: _ = mkfifo(path, 0o600)
        case .symlinkLoop:
            try? fm.createSymbolicLink(atPath: path, withDestinationPath: path + ".b")
            try? fm.createSymbolicLink(atPath: path + ".b", withDestinationPath: path)
        case .directory: return directory
        case .missing: return directory + "/no-such-file.csv"
        case .hugeValue: _ = fm.createFile(atPath: path, contents: Data(days("1e308").utf8))
        case .denormalValue: _ = fm.createFile(atPath: path, contents: Data(days("1e-320").utf8))
        case .nulInCSV:
            var text = original
            if let i = text.firstIndex(of: ",") { text.insert("\u{0}", at: i) }
            _ = fm.createFile(atPath: path, contents: Data(text.utf8))
        }
        return path
    }
}
