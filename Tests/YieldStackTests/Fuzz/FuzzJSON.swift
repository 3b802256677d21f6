import Foundation

/// A JSON tree for the fuzzer, independent of the code under test: it keeps
/// key order, allows duplicate keys, keeps numbers as their text, and can hold
/// raw text (invalid JSON, deep nesting) that is written out verbatim.
indirect enum FuzzJSON: Equatable {
    case object([(key: String, value: FuzzJSON)])
    case array([FuzzJSON])
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    /// Emitted as is: for invalid literals, bad escapes and very deep nesting.
    case raw(String)

    static func == (a: FuzzJSON, b: FuzzJSON) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)): return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): return x == y
        case (.string(let x), .string(let y)), (.number(let x), .number(let y)), (.raw(let x), .raw(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }

    subscript(key: String) -> FuzzJSON? {
        if case .object(let m) = self { return m.first { $0.key == key }?.value }
        return nil
    }

    var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    var elements: [FuzzJSON]? { if case .array(let a) = self { return a }; return nil }
    var members: [(key: String, value: FuzzJSON)]? { if case .object(let m) = self { return m }; return nil }

    /// Sets (or appends) a member of an object.
    mutating func set(_ key: String, _ value: FuzzJSON) {
        guard case .object(var m) = self else { return }
        if let i = m.firstIndex(where: { $0.key == key }) { m[i].value = value } else { m.append((key, value)) }
        self = .object(m)
    }

    // MARK: Writing

    /// Pretty-printed, two spaces per level, so that diagnostics have useful lines.
    func text(indent: Int = 0) -> String {
        var out = ""
        write(into: &out, indent: indent)
        return out
    }

    private func write(into out: inout String, indent: Int) {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch self {
        case .object(let m):
            if m.isEmpty { out += "{}"; return }
            out += "{\n"
            for (i, member) in m.enumerated() {
                out += pad + FuzzJSON.quote(member.key) + ": "
                member.value.write(into: &out, indent: indent + 1)
                out += i == m.count - 1 ? "\n" : ",\n"
            }
            out += end + "}"
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            let scalar = a.allSatisfy { if case .number = $0 { return true }; if case .string(let s) = $0 { return s.count < 40 }; return false }
            if scalar {
                out += "[" + a.map { $0.text() }.joined(separator: ", ") + "]"
                return
            }
            out += "[\n"
            for (i, e) in a.enumerated() {
                out += pad
                e.write(into: &out, indent: indent + 1)
                out += i == a.count - 1 ? "\n" : ",\n"
            }
            out += end + "]"
        case .string(let s): out += FuzzJSON.quote(s)
        case .number(let t), .raw(let t): out += t
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        }
    }

    /// A valid JSON string literal for `s` (control characters escaped).
    static func quote(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    // MARK: Reading (only the shipped scenarios, which are valid JSON)

    struct ParseError: Error { var offset: Int }

    static func parse(_ text: String) throws -> FuzzJSON {
        var p = Parser(bytes: Array(text.utf8))
        let v = try p.value()
        p.skip()
        guard p.i == p.bytes.count else { throw ParseError(offset: p.i) }
        return v
    }

    private struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skip() { while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 } }

        mutating func value() throws -> FuzzJSON {
            skip()
            guard i < bytes.count else { throw ParseError(offset: i) }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var m: [(key: String, value: FuzzJSON)] = []
                skip()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(m) }
                while true {
                    skip()
                    guard case .string(let k) = try value() else { throw ParseError(offset: i) }
                    skip()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw ParseError(offset: i) }
                    i += 1
                    m.append((k, try value()))
                    skip()
                    guard i < bytes.count else { throw ParseError(offset: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(m) }
                    throw ParseError(offset: i)
                }
            case UInt8(ascii: "["):
                i += 1
                var a: [FuzzJSON] = []
                skip()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                while true {
                    a.append(try value())
                    skip()
                    guard i < bytes.count else { throw ParseError(offset: i) }
                    if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
                    if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(a) }
                    throw ParseError(offset: i)
                }
            case UInt8(ascii: "\""):
                i += 1
                var s = [UInt8]()
                while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                    if bytes[i] == UInt8(ascii: "\\") {
                        i += 1
                        let c = bytes[i]
                        switch c {
                        case UInt8(ascii: "n"): s.append(0x0A)
                        case UInt8(ascii: "t"): s.append(0x09)
                        case UInt8(ascii: "r"): s.append(0x0D)
                        case UInt8(ascii: "u"):
                            let hex = String(decoding: bytes[(i + 1)...(i + 4)], as: UTF8.self)
                            let scalar = Unicode.Scalar(UInt32(hex, radix: 16) ?? 0x3F) ?? "?"
                            s.append(contentsOf: Array(String(scalar).utf8))
                            i += 4
                        default: s.append(c)
                        }
                        i += 1
                    } else {
                        s.append(bytes[i]); i += 1
                    }
                }
                i += 1
                return .string(String(decoding: s, as: UTF8.self))
            case UInt8(ascii: "t"): i += 4; return .bool(true)
            case UInt8(ascii: "f"): i += 5; return .bool(false)
            case UInt8(ascii: "n"): i += 4; return .null
            default:
                let start = i
                while i < bytes.count, "+-0123456789.eE".utf8.contains(bytes[i]) { i += 1 }
                guard i > start else { throw ParseError(offset: i) }
                return .number(String(decoding: bytes[start..<i], as: UTF8.self))
            }
        }
    }
}
