/// One problem found in a scenario, positioned for the user's editor:
/// `FILE:LINE:COLUMN: key.path: message`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var location: TextLocation
    public var path: ScenarioPath
    public var message: String

    public init(file: String, location: TextLocation, path: ScenarioPath, message: String) {
        self.file = file
        self.location = location
        self.path = path
        self.message = message
    }

    /// The diagnostic as one line. File, key path and message are passed
    /// through `Echo.line`, which escapes every control or invisible
    /// character, so whatever a message quotes it can never print a second
    /// (forged) diagnostic, move the cursor or reverse the text; an
    /// oversized key path or message is cut with `…`.
    public var description: String {
        "\(Echo.line(file, limit: 1_000)):\(location.line):\(location.column): \(Echo.line(path.description, limit: 300)): \(Echo.line(message, limit: 2_000))"
    }
}

/// Why a scenario could not be loaded. The CLI maps `invalid` to exit 65 and
/// `unreadable` to exit 74 (sysexits' EX_DATAERR and EX_IOERR).
public enum ScenarioError: Error, Sendable, CustomStringConvertible {
    /// The file parsed (or not) and has one or more problems; all are listed.
    case invalid([Diagnostic])
    /// The scenario file could not be read.
    case unreadable(path: String, reason: String)
    /// A data file the scenario names could not be read; the diagnostics
    /// say which, with any other problems found.
    case unreadableData([Diagnostic])

    public var description: String {
        switch self {
        case .invalid(let diagnostics), .unreadableData(let diagnostics):
            return diagnostics.map(\.description).joined(separator: "\n")
        case .unreadable(let path, let reason):
            return "\(Echo.line(path, limit: 1_000)): cannot read file: \(Echo.line(reason, limit: 2_000))"
        }
    }
}

/// Collects diagnostics while a scenario is checked, so that every problem
/// is reported in one pass rather than the first one only.
public struct DiagnosticSink: Sendable {
    public let file: String
    public private(set) var diagnostics: [Diagnostic] = []
    let root: JSONNode

    public init(file: String, root: JSONNode) {
        self.file = file
        self.root = root
    }

    public var isEmpty: Bool { diagnostics.isEmpty }

    /// Records a problem at `path`, positioned at the key that names it (or
    /// the nearest enclosing value that exists, for a missing key).
    public mutating func report(_ path: ScenarioPath, _ message: String) {
        diagnostics.append(Diagnostic(file: file, location: ScenarioDocument.location(of: path, in: root), path: path, message: message))
    }

    public mutating func report(_ path: ScenarioPath, at location: TextLocation, _ message: String) {
        diagnostics.append(Diagnostic(file: file, location: location, path: path, message: message))
    }

    public mutating func append(_ d: Diagnostic) {
        diagnostics.append(d)
    }

    /// Diagnostics in file order (then path, then message), without repeats.
    public var sorted: [Diagnostic] {
        var seen = Set<Diagnostic>()
        return diagnostics
            .filter { seen.insert($0).inserted }
            .enumerated()
            .sorted { a, b in
                if a.element.file != b.element.file { return a.offset < b.offset }
                if a.element.location != b.element.location { return a.element.location < b.element.location }
                return a.offset < b.offset
            }
            .map(\.element)
    }
}

/// Navigation in a located JSON tree by scenario path.
public enum ScenarioDocument {
    /// The node at `path`, or nil if it does not exist.
    public static func node(at path: ScenarioPath, in root: JSONNode) -> JSONNode? {
        var node = root
        for c in path.components {
            switch c {
            case .key(let k):
                guard let next = node[k] else { return nil }
                node = next
            case .index(let i):
                guard let e = node.elements, i >= 0, i < e.count else { return nil }
                node = e[i]
            }
        }
        return node
    }

    /// Where an error about `path` should point: the key for an object member,
    /// the element for an array index, or the deepest existing ancestor.
    public static func location(of path: ScenarioPath, in root: JSONNode) -> TextLocation {
        var node = root
        var location = root.location
        for c in path.components {
            switch c {
            case .key(let k):
                guard let m = node.member(k) else { return location }
                location = m.keyLocation
                node = m.node
            case .index(let i):
                guard let e = node.elements, i >= 0, i < e.count else { return location }
                node = e[i]
                location = node.location
            }
        }
        return location
    }

    /// A copy of `root` with the value at `path` replaced; the path's parent
    /// must exist. Used by `sweep --set`.
    public static func replacing(_ path: ScenarioPath, in root: JSONNode, with value: JSONValue) -> JSONNode? {
        guard let first = path.components.first else { return JSONNode(value, at: root.location) }
        let rest = ScenarioPath(Array(path.components.dropFirst()))
        switch first {
        case .key(let k):
            guard var members = root.members else { return nil }
            if let i = members.firstIndex(where: { $0.key == k }) {
                guard let replaced = replacing(rest, in: members[i].node, with: value) else { return nil }
                members[i].node = replaced
            } else {
                guard rest.components.isEmpty else { return nil }
                members.append(JSONMember(key: k, keyLocation: root.location, node: JSONNode(value, at: root.location)))
            }
            return JSONNode(.object(members), at: root.location)
        case .index(let i):
            guard var elements = root.elements, i >= 0, i < elements.count else { return nil }
            guard let replaced = replacing(rest, in: elements[i], with: value) else { return nil }
            elements[i] = replaced
            return JSONNode(.array(elements), at: root.location)
        }
    }
}
