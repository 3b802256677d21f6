import Crypto
import Foundation

/// A scenario ready to run, with what the store keeps of its source.
public struct LoadedScenario: Sendable {
    public var scenario: Scenario
    /// The file path as the user gave it.
    public var file: String
    /// The scenario JSON as stored with the run: the file's text, or for a
    /// sweep variant the rewritten document.
    public var text: String
    public var sha256: String
    /// The located tree, for `sweep --set` to rewrite.
    public var tree: JSONNode
    /// Non-fatal notes, such as dates filled by `"fill": "previous"`.
    public var warnings: [Diagnostic]
    /// Directory that relative `file` paths are resolved against.
    public var baseDirectory: String
}

/// Reads, checks and decodes scenario files: syntax, then the schema, then
/// cross-field rules, collecting every problem before failing.
public enum ScenarioLoader {
    /// Reads and loads the scenario file at `path`. Only a regular file is
    /// read (a FIFO, device or socket is refused without blocking on it, see
    /// `InputFile.read`), and at most `maxFileSize` bytes of it: a missing,
    /// unreadable or non-regular file is `.unreadable` (exit 74), an
    /// oversized or non-UTF-8 one `.invalid` (exit 65).
    public static func load(path: String) throws(ScenarioError) -> LoadedScenario {
        let bytes: [UInt8]
        switch InputFile.read(path, limit: maxFileSize) {
        case .success(let b):
            bytes = b
        case .failure(let e):
            if case .tooLarge(let size, _) = e.kind {
                throw tooLarge(size, file: path)
            }
            throw .unreadable(path: path, reason: e.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalid([Diagnostic(file: path, location: .start, path: .root, message: "the file is not UTF-8 text")])
        }
        let base = (path as NSString).deletingLastPathComponent
        return try load(text: text, file: path, baseDirectory: base.isEmpty ? "." : base)
    }

    /// The largest scenario file accepted. Real scenarios are a few
    /// kilobytes; the cap keeps a wrong path (a log, a dump) from being read
    /// and parsed into memory at all.
    public static let maxFileSize = 8 * 1024 * 1024

    /// The error for a scenario of `size` bytes (nil: it grew past the
    /// limit while being read) over `maxFileSize`.
    static func tooLarge(_ size: Int?, file: String) -> ScenarioError {
        let what = size.map { "the file is \($0) bytes" } ?? "the file is over 8 MiB"
        return .invalid([Diagnostic(file: file, location: .start, path: .root,
                                    message: "\(what); a scenario file may be at most 8 MiB (\(maxFileSize) bytes)")])
    }

    public static func load(text: String, file: String, baseDirectory: String) throws(ScenarioError) -> LoadedScenario {
        if text.utf8.count > maxFileSize { throw tooLarge(text.utf8.count, file: file) }
        let tree: JSONNode
        do {
            tree = try JSONParser.parse(text)
        } catch {
            throw .invalid([Diagnostic(file: file, location: error.location, path: .root, message: "invalid JSON: \(error.message)")])
        }
        return try load(tree: tree, text: text, file: file, baseDirectory: baseDirectory)
    }

    /// Checks and decodes an already-parsed document (sweep variants).
    public static func load(tree: JSONNode, text: String, file: String, baseDirectory: String) throws(ScenarioError) -> LoadedScenario {
        var sink = DiagnosticSink(file: file, root: tree)
        ScenarioSchema.validator.validate(tree, ScenarioSchema.root, path: .root, into: &sink)
        var decoder = ScenarioDecoder(file: file, root: tree, baseDirectory: baseDirectory)
        decoder.sink = sink
        let scenario = decoder.decode(tree)
        sink = decoder.sink
        if let scenario {
            ScenarioValidator(scenario: scenario, root: tree).check(into: &sink)
        }
        if !sink.isEmpty {
            if decoder.unreadable != nil {
                throw .unreadableData(sink.sorted)
            }
            throw .invalid(sink.sorted)
        }
        guard let scenario else {
            throw .invalid([Diagnostic(file: file, location: .start, path: .root, message: "the scenario could not be read")])
        }
        let digest = SHA256.hash(data: Array(text.utf8)).map { byte in
            let h = String(byte, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined()
        return LoadedScenario(scenario: scenario, file: file, text: text, sha256: digest, tree: tree,
                              warnings: decoder.warnings + ScenarioWarnings.check(scenario, tree: tree, file: file),
                              baseDirectory: baseDirectory)
    }
}
