/// How both reports present the event timeline: in the same order, with the
/// same collapsing and the same compact detail text, so the Markdown and the
/// HTML report never disagree.
enum EventTimeline {
    /// By day; within a day, events of every path (shocks, flows: steps 1–2
    /// of the day) before the path's own, each group in stored order.
    static func chronological(_ events: [EngineEvent]) -> [EngineEvent] {
        events.enumerated().sorted { a, b in
            if a.element.day != b.element.day { return a.element.day < b.element.day }
            let ga = a.element.path == nil ? 0 : 1, gb = b.element.path == nil ? 0 : 1
            if ga != gb { return ga < gb }
            return a.offset < b.offset
        }.map(\.element)
    }

    /// Merges runs of identical refused actions on consecutive days:
    /// (first event, last day, how many).
    static func collapse(_ events: [EngineEvent]) -> [(EngineEvent, Int, Int)] {
        var rows: [(EngineEvent, Int, Int)] = []
        for e in events {
            if e.kind == .refusedAction, let last = rows.last, last.0.kind == .refusedAction, last.0.layer == e.layer,
               last.0.detail == e.detail, last.0.path == e.path, e.day == last.1 + 1 {
                rows[rows.count - 1] = (last.0, e.day, last.2 + 1)
            } else {
                rows.append((e, e.day, 1))
            }
        }
        return rows
    }

    /// An event's JSON detail as `key=value, …`, numbers to 6 decimals.
    static func details(_ json: String) -> String {
        guard let node = try? JSONParser.parse(json), let members = node.members else { return json }
        return members.map { m in "\(m.key)=\(compact(m.node.value))" }.joined(separator: ", ")
    }

    static func compact(_ v: JSONValue) -> String {
        switch v {
        case .number(let d, _): return abs(d) >= 1e-4 || d == 0 ? Format.plain((d * 1e6).rounded() / 1e6) : Format.plain(d)
        case .string(let s): return s
        case .object(let members): return "{" + members.map { "\($0.key)=\(compact($0.node.value))" }.joined(separator: ", ") + "}"
        default: return JSONWriter.write(v)
        }
    }
}

/// Sentences both reports print about a strategy's positions, written once
/// (each report escapes the names and amounts it passes in).
enum PositionText {
    static func addUp(finalEquity: String) -> String {
        "Layer values plus the spot wallet (idle tokens, rewards, negative balances of fixed costs) add up to the final equity of \(finalEquity)."
    }

    static func idleBorrowed(layer: String, amount: String) -> String {
        "\(layer) also holds \(amount) borrowed tokens that no layer took: they are counted in its value (value = collateral − debt + these, at market prices) and pay interest."
    }
}
