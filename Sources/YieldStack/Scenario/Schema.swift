/// A description of a JSON document's shape: the single source for structural
/// validation (unknown keys, types, ranges, enumerations) and for the JSON
/// Schema that `yieldstack schema` prints. Keeping one description means the
/// published schema and the checks users hit can never disagree.
public indirect enum Schema: Sendable {
    case object(ObjectSchema)
    /// An object whose keys are free names (assets), each value of one schema.
    case map(values: Schema, minCount: Int, description: String)
    case array(items: Schema, minCount: Int, maxCount: Int?, description: String)
    case number(NumberSchema)
    case integer(IntegerSchema)
    case string(StringSchema)
    case boolean(description: String)
    /// Alternatives told apart by JSON type (a rate is a number or a model object).
    case oneOfKinds([Schema], description: String)
    /// Objects told apart by the string in one key (`type`, `model`, `action`).
    case tagged(TaggedSchema)
    /// A named definition, emitted once under `$defs`.
    case ref(String)
}

public struct Property: Sendable {
    public var name: String
    public var schema: Schema
    public var required: Bool
    public var description: String
    public var defaultValue: JSONValue?

    public init(_ name: String, _ schema: Schema, required: Bool = false, default defaultValue: JSONValue? = nil, _ description: String = "") {
        self.name = name
        self.schema = schema
        self.required = required
        self.description = description
        self.defaultValue = defaultValue
    }

    /// The schema values of this property are checked against. A property
    /// named `description` whose schema is a plain default string is prose
    /// and is checked as `StringSchema.freeText`: shipped scenarios have
    /// descriptions of 300-500 characters, which the name limit of 200
    /// would refuse. Once a schema says `.freeText` (or any explicit limit)
    /// itself, this is a no-op.
    public var effectiveSchema: Schema {
        if name == "description", case .string(let s) = schema, s.isPlainDefault {
            return .string(.freeText(s.description))
        }
        return schema
    }
}

public struct ObjectSchema: Sendable {
    public var properties: [Property]
    public var description: String

    public init(_ description: String = "", _ properties: [Property]) {
        self.properties = properties
        self.description = description
    }

    public func property(_ name: String) -> Property? { properties.first { $0.name == name } }
}

public struct NumberSchema: Sendable {
    public var minimum: Double?
    public var minimumExclusive = false
    public var maximum: Double?
    public var maximumExclusive = false
    public var description: String

    public init(min: Double? = nil, exclusiveMin: Bool = false, max: Double? = nil, exclusiveMax: Bool = false, _ description: String = "") {
        self.minimum = min
        self.minimumExclusive = exclusiveMin
        self.maximum = max
        self.maximumExclusive = exclusiveMax
        self.description = description
    }

    /// The range in interval notation, e.g. `(0, 1]`, or a one-sided bound.
    var rangeText: String? {
        switch (minimum, maximum) {
        case let (lo?, hi?):
            return "in \(minimumExclusive ? "(" : "[")\(Format.plain(lo)), \(Format.plain(hi))\(maximumExclusive ? ")" : "]")"
        case let (lo?, nil):
            return "\(minimumExclusive ? ">" : ">=") \(Format.plain(lo))"
        case let (nil, hi?):
            return "\(maximumExclusive ? "<" : "<=") \(Format.plain(hi))"
        case (nil, nil):
            return nil
        }
    }

    func accepts(_ v: Double) -> Bool {
        if let lo = minimum, minimumExclusive ? !(v > lo) : !(v >= lo) { return false }
        if let hi = maximum, maximumExclusive ? !(v < hi) : !(v <= hi) { return false }
        return true
    }
}

public struct IntegerSchema: Sendable {
    public var minimum: Int?
    public var maximum: Int?
    public var description: String

    public init(min: Int? = nil, max: Int? = nil, _ description: String = "") {
        self.minimum = min
        self.maximum = max
        self.description = description
    }
}

/// A string value. A free string (no `allowed` list, no `format`) is also
/// held to a length and a character rule: names and ids end up in reports,
/// databases and terminal lines, where a 250,000-character name, a NUL or a
/// right-to-left override (U+202E, which makes `lido` display as `odil`) is a
/// mistake or an attack, never a need. The default suits names; free-text
/// fields use `freeText`.
public struct StringSchema: Sendable {
    public enum Format: String, Sendable { case date }

    /// Which characters a free string may hold.
    public enum Characters: Sendable {
        /// Printing characters only (see `Echo.isPrintable`): no control,
        /// format, separator, private-use or unassigned code points.
        case printable
        /// Printing characters plus line feed and tab, for prose.
        case text
    }

    /// The length limit of a default (name-like) string, in Unicode scalars.
    public static let defaultMaxLength = 200
    /// The length limit of a `freeText` string, in Unicode scalars.
    public static let freeTextMaxLength = 10_000

    public var allowed: [String]?
    public var format: Format?
    /// The most Unicode scalars a free string may have.
    public var maxLength: Int
    public var characters: Characters
    public var description: String

    public init(allowed: [String]? = nil, format: Format? = nil, maxLength: Int = StringSchema.defaultMaxLength,
                characters: Characters = .printable, _ description: String = "") {
        self.allowed = allowed
        self.format = format
        self.maxLength = maxLength
        self.characters = characters
        self.description = description
    }

    /// Prose such as a `description`: line breaks and tabs allowed, up to
    /// `maxLength` (default 10,000) scalars.
    public static func freeText(_ description: String = "", maxLength: Int = StringSchema.freeTextMaxLength) -> StringSchema {
        StringSchema(maxLength: maxLength, characters: .text, description)
    }

    /// The problems of a free string `v` under these rules, as messages
    /// (`must be at most 200 characters, got 250000`); empty if it is fine.
    /// Only the code point and position of a bad character are named, never
    /// the character itself.
    /// A free string with the default (name) rules, as `StringSchema("…")` makes.
    var isPlainDefault: Bool {
        allowed == nil && format == nil && maxLength == StringSchema.defaultMaxLength && characters == .printable
    }

    public func problems(_ v: String) -> [String] {
        var out: [String] = []
        var count = 0
        var bad: (Unicode.Scalar, Int)?
        for scalar in v.unicodeScalars {
            count += 1
            if bad == nil, !Echo.isPrintable(scalar), !(characters == .text && (scalar == "\n" || scalar == "\t")) {
                bad = (scalar, count)
            }
        }
        if count > maxLength {
            out.append("must be at most \(maxLength) characters, got \(count)")
        }
        if let (scalar, position) = bad {
            let kind: String
            switch scalar.properties.generalCategory {
            case .control: kind = characters == .text ? "control characters other than line breaks and tabs" : "control characters"
            case .format: kind = "invisible formatting characters"
            case .lineSeparator, .paragraphSeparator: kind = "line or paragraph separators"
            case .privateUse: kind = "private-use characters"
            default: kind = "unassigned characters"
            }
            out.append("must not contain \(kind) (\(Echo.codePoint(scalar)) at character \(position))")
        }
        return out
    }
}

public struct TaggedSchema: Sendable {
    public var key: String
    public var cases: [(tag: String, schema: ObjectSchema)]
    public var description: String

    public init(key: String, _ description: String = "", cases: [(tag: String, schema: ObjectSchema)]) {
        self.key = key
        self.cases = cases
        self.description = description
    }
}

extension Schema {
    /// The JSON kind a value must have to be checked against this schema.
    fileprivate func kind(_ defs: [String: Schema]) -> String {
        switch self {
        case .object, .map, .tagged: return "an object"
        case .array: return "an array"
        case .number, .integer: return "a number"
        case .string: return "a string"
        case .boolean: return "a boolean"
        case .oneOfKinds(let alts, _): return alts.map { $0.kind(defs) }.joined(separator: " or ")
        case .ref(let name): return defs[name]?.kind(defs) ?? "a value"
        }
    }

    fileprivate func matchesKind(_ value: JSONValue, _ defs: [String: Schema]) -> Bool {
        switch (self, value) {
        case (.object, .object), (.map, .object), (.tagged, .object): return true
        case (.array, .array): return true
        case (.number, .number), (.integer, .number): return true
        case (.string, .string): return true
        case (.boolean, .bool): return true
        case (.oneOfKinds(let alts, _), _): return alts.contains { $0.matchesKind(value, defs) }
        case (.ref(let name), _): return defs[name]?.matchesKind(value, defs) ?? false
        default: return false
        }
    }
}

/// Checks a located JSON tree against a `Schema`, reporting every mismatch.
public struct SchemaValidator: Sendable {
    public let definitions: [String: Schema]

    public init(definitions: [String: Schema]) {
        self.definitions = definitions
    }

    public func validate(_ node: JSONNode, _ schema: Schema, path: ScenarioPath, into sink: inout DiagnosticSink) {
        switch schema {
        case .ref(let name):
            guard let target = definitions[name] else {
                preconditionFailure("schema definition '\(name)' is missing")
            }
            validate(node, target, path: path, into: &sink)

        case .object(let object):
            guard let members = node.members else { return typeError(node, schema, path, &sink) }
            validateObject(node, members, object, path: path, skipping: nil, into: &sink)

        case .map(let values, let minCount, _):
            guard let members = node.members else { return typeError(node, schema, path, &sink) }
            if members.count < minCount {
                sink.report(path, "must have at least \(minCount) entr\(minCount == 1 ? "y" : "ies")")
            }
            for m in members {
                if m.key.isEmpty { sink.report(path / m.key, "a name must not be empty") }
                // The keys of a map are names too (assets): the same rules as a default string.
                for problem in StringSchema().problems(m.key) { sink.report(path / m.key, at: m.keyLocation, "a name \(problem)") }
                validate(m.node, values, path: path / m.key, into: &sink)
            }

        case .array(let items, let minCount, let maxCount, _):
            guard let elements = node.elements else { return typeError(node, schema, path, &sink) }
            if elements.count < minCount {
                sink.report(path, minCount == maxCount
                    ? "must have exactly \(minCount) element\(minCount == 1 ? "" : "s"), got \(elements.count)"
                    : "must have at least \(minCount) element\(minCount == 1 ? "" : "s"), got \(elements.count)")
            } else if let maxCount, elements.count > maxCount {
                sink.report(path, minCount == maxCount
                    ? "must have exactly \(maxCount) element\(maxCount == 1 ? "" : "s"), got \(elements.count)"
                    : "must have at most \(maxCount) element\(maxCount == 1 ? "" : "s"), got \(elements.count)")
            }
            for (i, e) in elements.enumerated() {
                validate(e, items, path: path / i, into: &sink)
            }

        case .number(let n):
            guard let v = node.double else { return typeError(node, schema, path, &sink) }
            if !n.accepts(v), let range = n.rangeText {
                sink.report(path, "must be \(range), got \(Format.plain(v))")
            }

        case .integer(let n):
            guard let v = node.double else { return typeError(node, schema, path, &sink) }
            guard let i = node.int else {
                sink.report(path, "must be a whole number, got \(Format.plain(v))")
                return
            }
            if let lo = n.minimum, i < lo {
                sink.report(path, n.maximum.map { "must be in [\(lo), \($0)], got \(i)" } ?? "must be >= \(lo), got \(i)")
            } else if let hi = n.maximum, i > hi {
                sink.report(path, n.minimum.map { "must be in [\($0), \(hi)], got \(i)" } ?? "must be <= \(hi), got \(i)")
            }

        case .string(let s):
            guard let v = node.string else { return typeError(node, schema, path, &sink) }
            if let allowed = s.allowed, !allowed.contains(v) {
                sink.report(path, "unknown value \(Echo.quoted(v)); expected one of: \(allowed.joined(separator: ", "))\(Suggest.hint(v, allowed))")
            }
            if s.format == .date, CivilDate(iso: v) == nil {
                sink.report(path, "must be a date written YYYY-MM-DD, got \(Echo.quoted(v))")
            }
            if s.allowed == nil, s.format == nil {
                if v.isEmpty { sink.report(path, "must not be empty") }
                for problem in s.problems(v) { sink.report(path, problem) }
            }

        case .boolean:
            guard node.bool != nil else { return typeError(node, schema, path, &sink) }

        case .oneOfKinds(let alternatives, _):
            guard let alt = alternatives.first(where: { $0.matchesKind(node.value, definitions) }) else {
                return typeError(node, schema, path, &sink)
            }
            validate(node, alt, path: path, into: &sink)

        case .tagged(let tagged):
            guard let members = node.members else { return typeError(node, schema, path, &sink) }
            let tags = tagged.cases.map(\.tag)
            guard let tagNode = node[tagged.key] else {
                sink.report(path / tagged.key, "required key is missing; expected one of: \(tags.joined(separator: ", "))")
                return
            }
            guard let tag = tagNode.string else {
                sink.report(path / tagged.key, "must be a string, got \(tagNode.value.kindDescription)")
                return
            }
            guard let match = tagged.cases.first(where: { $0.tag == tag }) else {
                sink.report(path / tagged.key, "unknown \(tagged.key) \(Echo.quoted(tag)); expected one of: \(tags.joined(separator: ", "))\(Suggest.hint(tag, tags))")
                return
            }
            validateObject(node, members, match.schema, path: path, skipping: tagged.key, into: &sink)
        }
    }

    private func validateObject(_ node: JSONNode, _ members: [JSONMember], _ object: ObjectSchema, path: ScenarioPath, skipping: String?, into sink: inout DiagnosticSink) {
        let names = object.properties.map(\.name) + (skipping.map { [$0] } ?? [])
        for m in members {
            if m.key == skipping { continue }
            guard let property = object.property(m.key) else {
                sink.report(path / m.key, at: m.keyLocation, "unknown key \(Echo.quoted(m.key))\(Suggest.hint(m.key, names))")
                continue
            }
            validate(m.node, property.effectiveSchema, path: path / m.key, into: &sink)
        }
        for p in object.properties where p.required && node.member(p.name) == nil {
            sink.report(path / p.name, at: node.location, "required key is missing")
        }
    }

    private func typeError(_ node: JSONNode, _ schema: Schema, _ path: ScenarioPath, _ sink: inout DiagnosticSink) {
        sink.report(path, "must be \(schema.kind(definitions)), got \(node.value.kindDescription)")
    }
}

/// "Did you mean" hints for misspelt keys and values, by edit distance.
enum Suggest {
    static func hint(_ word: String, _ candidates: [String]) -> String {
        guard let best = nearest(word, candidates) else { return "" }
        return " (did you mean \(Echo.quoted(best))?)"
    }

    static func nearest(_ word: String, _ candidates: [String]) -> String? {
        let limit = max(1, min(3, word.count / 3))
        var best: (String, Int)?
        let length = word.unicodeScalars.count
        for c in candidates {
            // Lengths further apart than the limit cannot be within it: skip
            // the O(n·m) table (a 250,000-character typo costs nothing).
            if abs(c.unicodeScalars.count - length) > limit { continue }
            let d = distance(word.lowercased(), c.lowercased())
            if d <= limit, best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// Optimal-string-alignment distance: Levenshtein plus adjacent
    /// transpositions, so `hodl` is one edit from `hold`.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

/// Renders a `Schema` as JSON Schema (draft 2020-12).
public enum JSONSchemaExport {
    public static func document(root: Schema, definitions: [(String, Schema)], id: String, title: String) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("$schema", .string("https://json-schema.org/draft/2020-12/schema")),
            ("$id", .string(id)),
            ("title", .string(title)),
        ]
        if case .object(let o) = root {
            pairs.append(contentsOf: objectPairs(o, tag: nil))
        }
        pairs.append(("$defs", JSONBuild.object(definitions.map { ($0.0, render($0.1)) })))
        return JSONBuild.object(pairs)
    }

    static func render(_ schema: Schema) -> JSONValue {
        switch schema {
        case .ref(let name):
            return JSONBuild.object([("$ref", .string("#/$defs/\(name)"))])
        case .object(let o):
            return JSONBuild.object(objectPairs(o, tag: nil))
        case .map(let values, let minCount, let description):
            return JSONBuild.object(described(description, [
                ("type", .string("object")),
                ("minProperties", .number(Double(minCount))),
                ("additionalProperties", render(values)),
            ]))
        case .array(let items, let minCount, let maxCount, let description):
            var pairs: [(String, JSONValue)] = [("type", .string("array")), ("items", render(items))]
            if minCount > 0 { pairs.append(("minItems", .number(Double(minCount)))) }
            if let maxCount { pairs.append(("maxItems", .number(Double(maxCount)))) }
            return JSONBuild.object(described(description, pairs))
        case .number(let n):
            var pairs: [(String, JSONValue)] = [("type", .string("number"))]
            if let lo = n.minimum { pairs.append((n.minimumExclusive ? "exclusiveMinimum" : "minimum", .number(lo))) }
            if let hi = n.maximum { pairs.append((n.maximumExclusive ? "exclusiveMaximum" : "maximum", .number(hi))) }
            return JSONBuild.object(described(n.description, pairs))
        case .integer(let n):
            var pairs: [(String, JSONValue)] = [("type", .string("integer"))]
            if let lo = n.minimum { pairs.append(("minimum", .number(Double(lo)))) }
            if let hi = n.maximum { pairs.append(("maximum", .number(Double(hi)))) }
            return JSONBuild.object(described(n.description, pairs))
        case .string(let s):
            var pairs: [(String, JSONValue)] = [("type", .string("string"))]
            if let allowed = s.allowed { pairs.append(("enum", JSONBuild.array(allowed.map { .string($0) }))) }
            if s.format == .date { pairs.append(("format", .string("date"))) }
            if s.allowed == nil, s.format == nil {
                pairs.append(("minLength", .number(1)))
                pairs.append(("maxLength", .number(Double(s.maxLength))))
            }
            return JSONBuild.object(described(s.description, pairs))
        case .boolean(let description):
            return JSONBuild.object(described(description, [("type", .string("boolean"))]))
        case .oneOfKinds(let alternatives, let description):
            return JSONBuild.object(described(description, [("oneOf", JSONBuild.array(alternatives.map(render)))]))
        case .tagged(let t):
            let cases = t.cases.map { c in
                JSONBuild.object(objectPairs(c.schema, tag: (t.key, c.tag)))
            }
            return JSONBuild.object(described(t.description, [("oneOf", JSONBuild.array(cases))]))
        }
    }

    /// The range of a number or integer property in interval notation.
    private static func rangeText(_ schema: Schema) -> String? {
        switch schema {
        case .number(let n): return n.rangeText
        case .integer(let i):
            switch (i.minimum, i.maximum) {
            case let (lo?, hi?): return "integer in [\(lo), \(hi)]"
            case let (lo?, nil): return "integer >= \(lo)"
            case let (nil, hi?): return "integer <= \(hi)"
            case (nil, nil): return "integer"
            }
        default: return nil
        }
    }

    private static func plain(_ v: JSONValue) -> String {
        switch v {
        case .number(let d, _): return Format.plain(d)
        case .string(let s): return "\"\(s)\""
        case .bool(let b): return b ? "true" : "false"
        default: return "null"
        }
    }

    private static func described(_ description: String, _ pairs: [(String, JSONValue)]) -> [(String, JSONValue)] {
        description.isEmpty ? pairs : [("description", .string(description))] + pairs
    }

    private static func objectPairs(_ o: ObjectSchema, tag: (key: String, value: String)?) -> [(String, JSONValue)] {
        var properties: [(String, JSONValue)] = []
        var required: [String] = []
        if let tag {
            properties.append((tag.key, JSONBuild.object([("const", .string(tag.value))])))
            required.append(tag.key)
        }
        for p in o.properties {
            var rendered = render(p.effectiveSchema)
            if case .object(var members) = rendered {
                // One description per property for editors' hover: what it is
                // (the property's words, else its schema's), its range and default.
                let own = members.first { $0.key == "description" }?.node.string ?? ""
                members.removeAll { $0.key == "description" }
                var parts = [p.description, own].filter { !$0.isEmpty }
                if parts.count == 2, parts[0] == parts[1] { parts.removeLast() }
                if let range = Self.rangeText(p.effectiveSchema) { parts.append("Range: \(range).") }
                if let d = p.defaultValue { parts.append("Default: \(Self.plain(d)).") }
                if p.required { parts.append("Required.") }
                members.insert(JSONMember(key: "description", node: JSONNode(.string(parts.joined(separator: parts.count > 1 ? " — " : "")))), at: 0)
                if let d = p.defaultValue {
                    members.append(JSONMember(key: "default", node: JSONNode(d)))
                }
                rendered = .object(members)
            }
            properties.append((p.name, rendered))
            if p.required { required.append(p.name) }
        }
        var pairs: [(String, JSONValue)] = described(o.description, [("type", .string("object"))])
        pairs.append(("properties", JSONBuild.object(properties)))
        if !required.isEmpty { pairs.append(("required", JSONBuild.array(required.map { .string($0) }))) }
        pairs.append(("additionalProperties", .bool(false)))
        return pairs
    }
}
