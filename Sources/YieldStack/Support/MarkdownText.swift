/// Escaping for every place a report puts text it did not write itself:
/// scenario, strategy and layer names, asset names, the currency, file paths
/// and JSON values. All of it comes from the scenario file, which anyone can
/// write, so a name must never become markup (raw HTML, a link, emphasis, a
/// heading), break a table row, or end a Mermaid string. Each function is for
/// one context; the renderers call them at every insertion point and never
/// splice a raw name into Markdown.
///
/// Plain names (letters, digits, spaces, `.`, `-`, `,`, `(`, `)`, `:`, `/`,
/// `+`, `=`, `%`) come out unchanged, so ordinary reports read as before.
enum MarkdownText {
    /// Inline Markdown: headings, list items, bold text, sentences and table
    /// cells. Line breaks and other control characters become spaces (a
    /// newline would end a table row or a heading). `<`, `>`, `&`, `[` and `]`
    /// become character references: CommonMark never reads a reference as
    /// structure, so no raw HTML, entity, link or image can form, and the
    /// output contains no `<script` or `](javascript:` to trip a converter
    /// that is less careful than CommonMark. Backslash, backtick, `*`, `~`,
    /// `#` and `|` are backslash-escaped: no code span, emphasis,
    /// strikethrough, heading closing sequence or table cell boundary. `_`
    /// between two letters or digits cannot open or close emphasis, so
    /// `soft_staking` stays as it is; any other `_` is escaped.
    static func text(_ s: String) -> String {
        // Scalar by scalar, not by Character: `|` followed by a combining mark
        // is one Character in Swift but still a pipe to a Markdown parser.
        let scalars = Array(singleLine(s).unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, c) in scalars.enumerated() {
            switch c {
            case "_":
                let word = { (j: Int) in scalars.indices.contains(j) && (scalars[j].properties.isAlphabetic || scalars[j].properties.numericType != nil) }
                if !(word(i - 1) && word(i + 1)) { out.append("\\") }
                out.append(c)
            case "<": out.append(contentsOf: "&lt;".unicodeScalars)
            case ">": out.append(contentsOf: "&gt;".unicodeScalars)
            case "&": out.append(contentsOf: "&amp;".unicodeScalars)
            case "[": out.append(contentsOf: "&#91;".unicodeScalars)
            case "]": out.append(contentsOf: "&#93;".unicodeScalars)
            case "\\", "`", "*", "~", "#", "|": out.append("\\"); out.append(c)
            default: out.append(c)
            }
        }
        return String(out)
    }

    /// A Markdown table cell. The same as `text`, which already escapes `|`;
    /// named separately so that every cell says it is one.
    static func cell(_ s: String) -> String { text(s) }

    /// A code span whose content is shown verbatim (file paths, JSON values,
    /// commands). The fence is one backtick longer than the longest backtick
    /// run in the content, so no content can close it; a space pads content
    /// that starts or ends with a backtick or a space (CommonMark strips one
    /// space from each side). Inside a table, `|` is escaped as GFM requires
    /// even within code. Line breaks become spaces.
    ///
    /// Content with `<`, `>` or `](` is given as escaped text instead: a code
    /// span shows `<script>` harmlessly, but the Markdown file would still
    /// carry it to tools that do not parse code spans (mail, chat previews,
    /// naive HTML converters).
    static func code(_ s: String, inTable: Bool = false) -> String {
        if s.contains("<") || s.contains(">") || s.contains("](") { return text(s) }
        var content = singleLine(s)
        if inTable { content = content.replacingOccurrences(of: "|", with: "\\|") }
        if content.isEmpty { return "` `" }
        var longest = 0, run = 0
        for c in content.unicodeScalars {
            if c == "`" { run += 1; longest = max(longest, run) } else { run = 0 }
        }
        let fence = String(repeating: "`", count: longest + 1)
        let edges = [content.unicodeScalars.first, content.unicodeScalars.last]
        let pad = edges.contains("`") || edges.contains(" ") ? " " : ""
        return fence + pad + content + pad + fence
    }

    /// JSON text shown inline (a sweep axis's values): as it is when Markdown
    /// would read nothing in it (numbers, `true`, most strings), else in a
    /// code span, which shows it verbatim whatever quotes, brackets or
    /// backticks it holds.
    static func json(_ s: String, inTable: Bool = true) -> String {
        text(s) == s ? s : code(s, inTable: inTable)
    }

    /// An identifier (a layer id) in code font when it consists of characters
    /// that are inert everywhere, else as escaped text: an id is a name, and a
    /// name with quotes, pipes or backticks reads better as text than as a
    /// code span with a long fence.
    static func identifier(_ s: String, inTable: Bool = true) -> String {
        let inert = !s.isEmpty && s.unicodeScalars.allSatisfy { c in
            (c.value < 128 && (c.properties.isAlphabetic || ("0"..."9").contains(c))) || "._-:/+=%".unicodeScalars.contains(c)
        }
        return inert ? "`\(s)`" : (inTable ? cell(s) : text(s))
    }

    /// The content of a double-quoted Mermaid string (a chart title, an axis
    /// title, a category label). Mermaid strings cannot escape `"`, so it
    /// becomes `'`; line breaks and control characters become spaces (the
    /// title must stay on its line). `<`, `>`, `&` could be read as HTML and
    /// `#…;` as a Mermaid entity code, `;` ends a statement, a backtick is
    /// Markdown-string syntax in newer Mermaid and `[…](…)` is link syntax to
    /// anything that scans the file as Markdown, so each is replaced with a
    /// look-alike. Long labels are cut at `maxLength` characters with "…":
    /// Mermaid neither wraps nor shrinks a title that does not fit.
    static func mermaidString(_ s: String, maxLength: Int = 80) -> String {
        var scalars = String.UnicodeScalarView()
        for c in singleLine(s).unicodeScalars {
            switch c {
            case "\"", "`": scalars.append("'")
            case "<": scalars.append("‹")
            case ">": scalars.append("›")
            case "&": scalars.append("＆")
            case "#": scalars.append("＃")
            case "[": scalars.append("［")
            case "]": scalars.append("］")
            case ";": scalars.append(",")
            default: scalars.append(c)
            }
        }
        let out = String(scalars)
        return out.count > maxLength ? String(out.prefix(maxLength - 1)) + "…" : out
    }

    /// Replaces line breaks (including U+2028/U+2029 and NEL) and other
    /// control characters with a space, so the text stays on one line.
    static func singleLine(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isBreaking) else { return s }
        var scalars = String.UnicodeScalarView()
        for c in s.unicodeScalars { scalars.append(isBreaking(c) ? " " : c) }
        return String(scalars)
    }

    private static func isBreaking(_ c: Unicode.Scalar) -> Bool {
        c.properties.generalCategory == .control || c == "\u{2028}" || c == "\u{2029}"
    }
}
