import Foundation

/// Escaping for the three contexts a name can land in: HTML text, HTML or
/// SVG attribute values, and SVG text. Strategy, layer, asset and scenario
/// names come from the user's JSON, so every one of them goes through here;
/// nothing user-supplied is ever put in an `href`, a `style` or a script.
public enum Markup {
    /// Text content of an HTML or SVG element: `&`, `<`, `>` and `"` escaped
    /// (the quote so text is safe even if later moved into an attribute), and
    /// characters XML forbids (C0 controls other than tab, LF, CR) replaced,
    /// so an inline SVG stays well-formed XML as well as valid HTML.
    public static func text(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.unicodeScalars.append(allowed(scalar) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    /// A quoted attribute value (always written between double quotes): also
    /// escapes both quote characters, and turns line breaks into character
    /// references so they survive attribute-value normalisation.
    public static func attribute(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default: out.unicodeScalars.append(allowed(scalar) ? scalar : "\u{FFFD}")
            }
        }
        return out
    }

    private static func allowed(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        if v < 0x20 { return v == 0x09 || v == 0x0A || v == 0x0D }
        return v != 0xFFFE && v != 0xFFFF
    }

    /// A safe fragment for an `id` or a class: letters, digits and `-` only,
    /// so a user's name can never break out of the attribute or collide
    /// with CSS syntax. Distinct names may map to the same slug; callers add
    /// a position index where uniqueness matters.
    public static func slug(_ s: String) -> String {
        var out = ""
        for c in s.lowercased().unicodeScalars {
            if (c >= "a" && c <= "z") || (c >= "0" && c <= "9") { out.unicodeScalars.append(c) } else if !out.hasSuffix("-") { out += "-" }
        }
        while out.hasSuffix("-") { out.removeLast() }
        while out.hasPrefix("-") { out.removeFirst() }
        return out.isEmpty ? "x" : out
    }
}

/// Coordinates in the SVG: one decimal is finer than a screen pixel and keeps
/// the file small; fixed formatting keeps it byte-identical.
enum SVGNumber {
    static func text(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let s = Format.fixed(v, 1)
        return s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    }
}

/// A minimal SVG writer: elements with escaped attributes, appended in
/// order. It knows nothing about charts; `ChartRenderer` draws with it.
struct SVGWriter {
    private(set) var lines: [String] = []

    /// Attribute values are escaped here; names are our own constants.
    static func attributes(_ attrs: [(String, String)]) -> String {
        attrs.map { " \($0.0)=\"\(Markup.attribute($0.1))\"" }.joined()
    }

    mutating func open(_ name: String, _ attrs: [(String, String)] = []) {
        lines.append("<\(name)\(Self.attributes(attrs))>")
    }

    mutating func close(_ name: String) { lines.append("</\(name)>") }

    mutating func empty(_ name: String, _ attrs: [(String, String)]) {
        lines.append("<\(name)\(Self.attributes(attrs))/>")
    }

    /// An element whose content is text (escaped here).
    mutating func text(_ name: String, _ attrs: [(String, String)], _ content: String) {
        lines.append("<\(name)\(Self.attributes(attrs))>\(Markup.text(content))</\(name)>")
    }

    /// Already-built markup, for `<defs>` fragments written by the renderer.
    mutating func raw(_ markup: String) { lines.append(markup) }

    var markup: String { lines.joined(separator: "\n") }
}

/// An SVG path `d` attribute for a polyline; non-finite values break the line
/// into separate runs instead of drawing to the origin.
func svgPathData(_ points: [(Double, Double)]) -> String {
    var parts: [String] = []
    var penDown = false
    for (x, y) in points {
        guard x.isFinite, y.isFinite else { penDown = false; continue }
        parts.append((penDown ? "L" : "M") + SVGNumber.text(x) + " " + SVGNumber.text(y))
        penDown = true
    }
    return parts.joined(separator: " ")
}
