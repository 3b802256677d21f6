/// Makes text that came from a user's file safe to print in a diagnostic.
///
/// Diagnostics are one line each, `FILE:LINE:COLUMN: key.path: message`, and
/// editors and CI annotators parse them line by line. A value echoed verbatim
/// could carry a line break and forge a second, fake diagnostic, move the
/// cursor with an escape sequence, reverse the rest of the line with U+202E,
/// or simply be a quarter of a megabyte long. Every echo of user text goes
/// through `quoted` (or `excerpt`), and `Diagnostic` passes its whole line
/// through `line` as a final safety net.
public enum Echo {
    /// How many characters of a user's string a message quotes by default.
    public static let defaultLimit = 40

    /// `'text'` with JSON-style escapes (`\n`, `\t`, `\u0000`, `\\`, and `\'`
    /// for the delimiter), cut after `limit` Unicode scalars of the original
    /// with `…` inside the quotes. Single quotes are the delimiter the
    /// messages already use (`unknown key 'snapshot_per_day'`), so a plain
    /// value reads exactly as before.
    public static func quoted(_ s: String, limit: Int = defaultLimit) -> String {
        "'" + excerpt(s, limit: limit, quote: "'") + "'"
    }

    /// The first `limit` scalars of `s`, escaped as in `quoted` but without
    /// the delimiters, followed by `…` if anything was cut. `quote`, if
    /// given, is escaped too.
    public static func excerpt(_ s: String, limit: Int, quote: Unicode.Scalar? = nil) -> String {
        var out = ""
        var count = 0
        for scalar in s.unicodeScalars {
            if count == max(0, limit) {
                out += "…"
                return out
            }
            count += 1
            if scalar == "\\" || scalar == quote {
                out += "\\"
                out.unicodeScalars.append(scalar)
            } else {
                append(scalar, to: &out)
            }
        }
        return out
    }

    /// `s` with every non-printing character escaped (see `isPrintable`) and
    /// everything else kept as is, so a message that is already clean is
    /// unchanged; cut after `limit` scalars with `…` if a limit is given.
    public static func line(_ s: String, limit: Int? = nil) -> String {
        // The common case, a clean message of reasonable length, costs one scan.
        if s.unicodeScalars.allSatisfy(isPrintable), limit.map({ s.unicodeScalars.count <= $0 }) ?? true { return s }
        var out = ""
        var count = 0
        for scalar in s.unicodeScalars {
            if let limit, count == limit {
                out += "…"
                break
            }
            count += 1
            append(scalar, to: &out)
        }
        return out
    }

    /// Whether a scalar shows as itself on a terminal line: false for control
    /// characters (C0, DEL, C1), format characters (bidirectional overrides,
    /// zero-width characters, the BOM), line and paragraph separators,
    /// surrogates, private-use and unassigned code points.
    public static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return false
        default:
            return true
        }
    }

    /// Appends `scalar`, escaped JSON-style if it does not print.
    private static func append(_ scalar: Unicode.Scalar, to out: inout String) {
        if isPrintable(scalar) {
            out.unicodeScalars.append(scalar)
            return
        }
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        default:
            if scalar.value > 0xFFFF {
                // JSON has no escape above U+FFFF: write the UTF-16 surrogate pair.
                let v = scalar.value - 0x10000
                out += hex4(0xD800 + (v >> 10)) + hex4(0xDC00 + (v & 0x3FF))
            } else {
                out += hex4(scalar.value)
            }
        }
    }

    private static func hex4(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "\\u" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `U+202E`: how a message names one code point.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
