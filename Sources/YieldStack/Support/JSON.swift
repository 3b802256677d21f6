/// A position in a source file, 1-based, counted in Unicode scalars, so that
/// an error message can send the user's editor to the exact character.
public struct TextLocation: Hashable, Sendable, Comparable {
    public var line: Int
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    public static let start = TextLocation(line: 1, column: 1)

    public static func < (a: TextLocation, b: TextLocation) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// A JSON value that remembers where it was written.
///
/// Scenario files are read into this tree rather than straight into Codable
/// types because the user-facing contract needs three things Foundation's
/// decoder cannot give: every error at once, the line and column of each,
/// and the order of object keys (asset order reaches results, and results
/// must not depend on hash order).
public struct JSONNode: Sendable, Equatable {
    public var value: JSONValue
    public var location: TextLocation

    public init(_ value: JSONValue, at location: TextLocation = .start) {
        self.value = value
        self.location = location
    }

    public static func == (a: JSONNode, b: JSONNode) -> Bool { a.value == b.value }
}

/// One member of a JSON object, with the position of its key.
public struct JSONMember: Sendable, Equatable {
    public var key: String
    public var keyLocation: TextLocation
    public var node: JSONNode

    public init(key: String, keyLocation: TextLocation = .start, node: JSONNode) {
        self.key = key
        self.keyLocation = keyLocation
        self.node = node
    }

    public static func == (a: JSONMember, b: JSONMember) -> Bool { a.key == b.key && a.node == b.node }
}

/// The JSON data model. Numbers keep their source text so that a value
/// written back out (sweep variants, stored scenarios) is the user's own.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double, text: String)
    case string(String)
    case array([JSONNode])
    case object([JSONMember])

    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.number(x, _), .number(y, _)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)): return x == y
        default: return false
        }
    }

    /// A number from a Double, written in Swift's shortest round-trip form.
    public static func number(_ value: Double) -> JSONValue {
        .number(value, text: JSONWriter.numberText(value))
    }

    /// The JSON type's name as used in error messages ("a number", "an object").
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

extension JSONNode {
    public var members: [JSONMember]? {
        if case .object(let m) = value { return m }
        return nil
    }

    public var elements: [JSONNode]? {
        if case .array(let e) = value { return e }
        return nil
    }

    public var double: Double? {
        if case .number(let d, _) = value { return d }
        return nil
    }

    /// The value as an exact integer, or nil for fractions and out-of-range numbers.
    public var int: Int? {
        guard case .number(let d, let text) = value else { return nil }
        if let i = Int(text) { return i }
        guard d.rounded() == d, abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    public var string: String? {
        if case .string(let s) = value { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = value { return b }
        return nil
    }

    /// The member named `key`, if this is an object that has one.
    public subscript(key: String) -> JSONNode? {
        members?.first(where: { $0.key == key })?.node
    }

    public func member(_ key: String) -> JSONMember? {
        members?.first(where: { $0.key == key })
    }
}

/// A syntax error in a JSON text, with its position.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    public var location: TextLocation
    public var message: String
}

/// A strict RFC 8259 parser that records the position of every value and key.
/// Duplicate keys are rejected: in a scenario a repeated key is a mistake whose
/// silent resolution (first or last wins) would hide a typo.
public struct JSONParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var column = 1

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: Array(text.utf8))
        return try parser.parseDocument()
    }

    public static func parse(bytes: [UInt8]) throws(JSONSyntaxError) -> JSONNode {
        var parser = JSONParser(bytes: bytes)
        return try parser.parseDocument()
    }

    public mutating func parseDocument() throws(JSONSyntaxError) -> JSONNode {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
        skipWhitespace()
        guard index < bytes.count else { throw error("the file is empty; expected a JSON object") }
        let node = try parseValue(depth: 0)
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected text after the end of the JSON document")
        }
        return node
    }

    private var here: TextLocation { TextLocation(line: line, column: column) }

    private func error(_ message: String, at location: TextLocation? = nil) -> JSONSyntaxError {
        JSONSyntaxError(location: location ?? here, message: message)
    }

    private mutating func advance() {
        let b = bytes[index]
        index += 1
        if b == UInt8(ascii: "\n") {
            line += 1
            column = 1
        } else if b & 0xC0 != 0x80 {
            // Count a column per Unicode scalar: continuation bytes add nothing.
            column += 1
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: advance()
            default: return
            }
        }
    }

    private func describe(_ b: UInt8) -> String {
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "byte 0x\(String(b, radix: 16))"
    }

    /// How deeply arrays and objects may nest. A scenario needs about ten
    /// levels; the cap turns a hostile `[[[[…` into a located error instead of
    /// a stack overflow here or in the recursive walks over the tree that
    /// follow (validation, equality, writing).
    public static let maxDepth = 200

    private mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        guard depth < Self.maxDepth else { throw error("arrays and objects nest more than \(Self.maxDepth) levels deep") }
        guard index < bytes.count else { throw error("unexpected end of input; expected a value") }
        let start = here
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return JSONNode(.string(try parseString()), at: start)
        case UInt8(ascii: "t"): try literal("true"); return JSONNode(.bool(true), at: start)
        case UInt8(ascii: "f"): try literal("false"); return JSONNode(.bool(false), at: start)
        case UInt8(ascii: "n"): try literal("null"); return JSONNode(.null, at: start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected \(describe(bytes[index])); expected a value")
        }
    }

    private mutating func literal(_ word: String) throws(JSONSyntaxError) {
        let start = here
        for expected in word.utf8 {
            guard index < bytes.count, bytes[index] == expected else {
                throw error("invalid literal; expected '\(word)'", at: start)
            }
            advance()
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        let start = here
        advance() // {
        var members: [JSONMember] = []
        var seen = Set<String>()
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            advance()
            return JSONNode(.object([]), at: start)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object opened at \(start.line):\(start.column)") }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw error("unexpected \(describe(bytes[index])); expected a key in double quotes")
            }
            let keyLocation = here
            let key = try parseString()
            if !seen.insert(key).inserted {
                throw error("duplicate key \(Echo.quoted(key))", at: keyLocation)
            }
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input; expected ':' after key \(Echo.quoted(key))") }
            guard bytes[index] == UInt8(ascii: ":") else {
                throw error("unexpected \(describe(bytes[index])); expected ':' after key \(Echo.quoted(key))")
            }
            advance()
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members.append(JSONMember(key: key, keyLocation: keyLocation, node: value))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an object opened at \(start.line):\(start.column)") }
            if bytes[index] == UInt8(ascii: ",") {
                advance()
                continue
            }
            if bytes[index] == UInt8(ascii: "}") {
                advance()
                return JSONNode(.object(members), at: start)
            }
            throw error("unexpected \(describe(bytes[index])); expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONNode {
        let start = here
        advance() // [
        var elements: [JSONNode] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            advance()
            return JSONNode(.array([]), at: start)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw error("unexpected end of input inside an array opened at \(start.line):\(start.column)") }
            if bytes[index] == UInt8(ascii: ",") {
                advance()
                continue
            }
            if bytes[index] == UInt8(ascii: "]") {
                advance()
                return JSONNode(.array(elements), at: start)
            }
            throw error("unexpected \(describe(bytes[index])); expected ',' or ']'")
        }
    }

    /// Reads a string in one pass: raw bytes and decoded escapes go into a
    /// single byte buffer that is validated as UTF-8 once, at the closing
    /// quote. (Appending to a `String.UnicodeScalarView` per escape made a
    /// string of many escapes quadratic: 42 s for 400,000 of them.)
    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = here
        advance() // opening quote
        var buffer: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unterminated string starting at \(start.line):\(start.column)") }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                advance()
                guard let s = String(validating: buffer, as: UTF8.self) else {
                    throw JSONSyntaxError(location: start, message: "string is not valid UTF-8")
                }
                return s
            }
            if b < 0x20 {
                throw error(b == 0x0A ? "unterminated string (line break inside a string)" : "control character in a string must be escaped")
            }
            guard b == UInt8(ascii: "\\") else {
                buffer.append(b)
                advance()
                continue
            }
            advance()
            guard index < bytes.count else { throw error("unterminated escape sequence") }
            let e = bytes[index]
            advance()
            switch e {
            case UInt8(ascii: "\""): buffer.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): buffer.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): buffer.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): buffer.append(0x08)
            case UInt8(ascii: "f"): buffer.append(0x0C)
            case UInt8(ascii: "n"): buffer.append(0x0A)
            case UInt8(ascii: "r"): buffer.append(0x0D)
            case UInt8(ascii: "t"): buffer.append(0x09)
            case UInt8(ascii: "u"):
                let unit = try hex4()
                let value: UInt32
                if (0xD800..<0xDC00).contains(unit) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired UTF-16 surrogate in \\u escape")
                    }
                    advance(); advance()
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("invalid UTF-16 surrogate pair in \\u escape") }
                    value = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(unit) {
                    throw error("unpaired UTF-16 surrogate in \\u escape")
                } else {
                    value = unit
                }
                guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
                UTF8.encode(scalar) { buffer.append($0) }
            default:
                throw error("invalid escape sequence '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count else { throw error("unterminated \\u escape") }
            let b = bytes[index]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value * 16 + digit
            advance()
        }
        return value
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNode {
        let start = here
        let first = index
        func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        if bytes[index] == UInt8(ascii: "-") { advance() }
        guard isDigit(index) else { throw error("invalid number: expected a digit") }
        if bytes[index] == UInt8(ascii: "0") {
            advance()
            if isDigit(index) { throw error("invalid number: leading zeros are not allowed", at: start) }
        } else {
            while isDigit(index) { advance() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            advance()
            guard isDigit(index) else { throw error("invalid number: expected a digit after '.'") }
            while isDigit(index) { advance() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            advance()
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { advance() }
            guard isDigit(index) else { throw error("invalid number: expected a digit in the exponent") }
            while isDigit(index) { advance() }
        }
        let text = String(decoding: bytes[first..<index], as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error("number \(text) is out of range", at: start)
        }
        return JSONNode(.number(value, text: text), at: start)
    }
}

/// Writes JSON deterministically: keys in the order given, numbers in their
/// source text or Swift's shortest round-trip form, so that equal inputs give
/// byte-identical output.
public enum JSONWriter {
    public static func numberText(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    public static func write(_ value: JSONValue, pretty: Bool = false) -> String {
        var out = ""
        write(value, into: &out, pretty: pretty, indent: 0)
        return out
    }

    private static func write(_ value: JSONValue, into out: inout String, pretty: Bool, indent: Int) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d, let text): out += d.isFinite ? text : "null"
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty { out += "[]"; return }
            out += "["
            for (i, e) in elements.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                write(e.value, into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{"
            for (i, m) in members.enumerated() {
                if i > 0 { out += "," }
                if pretty { out += "\n" + String(repeating: "  ", count: indent + 1) }
                writeString(m.key, into: &out)
                out += pretty ? ": " : ":"
                write(m.node.value, into: &out, pretty: pretty, indent: indent + 1)
            }
            if pretty { out += "\n" + String(repeating: "  ", count: indent) }
            out += "}"
        }
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// Small builders for output documents (`--json`, the JSON Schema), where
/// key order is part of the contract.
public enum JSONBuild {
    public static func object(_ pairs: [(String, JSONValue)]) -> JSONValue {
        .object(pairs.map { JSONMember(key: $0.0, node: JSONNode($0.1)) })
    }

    public static func array(_ values: [JSONValue]) -> JSONValue {
        .array(values.map { JSONNode($0) })
    }

    public static func number(_ d: Double?) -> JSONValue {
        guard let d, d.isFinite else { return .null }
        return .number(d)
    }

    public static func string(_ s: String?) -> JSONValue {
        guard let s else { return .null }
        return .string(s)
    }
}
