import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): the fuzzer's own generator, so a
/// seed gives the same mutants on every platform and Swift version (never
/// `SystemRandomNumberGenerator` or `Int.random` without a generator).
struct FuzzRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in 0..<n (n > 0), by rejection, independent of the stdlib's algorithm.
    mutating func below(_ n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true { let x = next(); if x < limit { return Int(x % bound) } }
    }
    mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
}

/// One step of a path into a FuzzJSON tree: a member index or an element index.
enum FuzzStep: Hashable { case member(Int), element(Int) }

extension FuzzJSON {
    func node(at path: ArraySlice<FuzzStep>) -> FuzzJSON? {
        guard let step = path.first else { return self }
        switch (self, step) {
        case (.object(let m), .member(let i)) where i < m.count: return m[i].value.node(at: path.dropFirst())
        case (.array(let a), .element(let i)) where i < a.count: return a[i].node(at: path.dropFirst())
        default: return nil
        }
    }

    mutating func update(at path: ArraySlice<FuzzStep>, _ change: (inout FuzzJSON) -> Void) {
        guard let step = path.first else { change(&self); return }
        switch (self, step) {
        case (.object(var m), .member(let i)) where i < m.count:
            m[i].value.update(at: path.dropFirst(), change); self = .object(m)
        case (.array(var a), .element(let i)) where i < a.count:
            a[i].update(at: path.dropFirst(), change); self = .array(a)
        default: break
        }
    }

    /// Every node's path with a readable key path (`strategies[0].layers[1].apr`).
    func allPaths() -> [(path: [FuzzStep], name: String, node: FuzzJSON)] {
        var out: [(path: [FuzzStep], name: String, node: FuzzJSON)] = []
        func walk(_ n: FuzzJSON, _ p: [FuzzStep], _ name: String) {
            out.append((p, name, n))
            switch n {
            case .object(let m): for (i, e) in m.enumerated() { walk(e.value, p + [.member(i)], name.isEmpty ? e.key : name + "." + e.key) }
            case .array(let a): for (i, e) in a.enumerated() { walk(e, p + [.element(i)], name + "[\(i)]") }
            default: break
            }
        }
        walk(self, [], "")
        return out
    }

    /// The key of the member a path ends at, if it ends at a member.
    func key(at path: [FuzzStep]) -> String? {
        guard case .member(let i)? = path.last, let parent = node(at: path.dropLast()[...]), let m = parent.members, i < m.count else { return nil }
        return m[i].key
    }
}

/// A hostile series file the mutant's `file` values point at.
enum FuzzSeriesFile: String, CaseIterable {
    case crlf, utf16, binary, empty, devZero, devNull, fifo, symlinkLoop, directory, missing, hugeValue, denormalValue, nulInCSV
}

/// One generated test case: the scenario's bytes, what was done, and the
/// hostile files it needs (created by the runner in the mutant's directory).
struct FuzzMutant {
    var index: Int
    var base: String
    var mutations: [String]
    var data: Data
    var seriesFile: FuzzSeriesFile?
    /// The mutant deliberately keeps huge counts (days, paths, …): it must be refused, not run for ever.
    var keepsHugeCounts = false
}

/// Structural mutations of the shipped scenarios, as the issues list them.
struct FuzzMutator {
    struct Base { var name: String; var tree: FuzzJSON }
    let bases: [Base]
    let dataDirectory: String
    let seed: UInt64

    /// Loads scenarios/*.json (sorted, so the order is fixed) beside this file's repository.
    init(seed: UInt64, repositoryRoot: String) throws {
        self.seed = seed
        let dir = repositoryRoot + "/scenarios"
        dataDirectory = dir + "/data"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }.sorted()
        bases = try names.map { name in
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            return Base(name: name, tree: try FuzzJSON.parse(text))
        }
    }

    static let extremeNumbers = [
        "0", "-1", "-0", "1e-320", "5e-324", "1e-200", "1e150", "1e200", "1e306", "1.7976931348623157e308",
        "9223372036854775807", "-9223372036854775808", "9007199254740993", "1e308", "-1e308", "1e-308",
        "2147483648", "4294967296", "1e18", "1e19", "-1e306", "0.0", "1e6", "100", "36500",
    ]
    /// Not valid JSON numbers: the parser must reject them with 65.
    static let invalidNumbers = [
        "NaN", "Infinity", "-Infinity", "nan", "1e309", "-1e309", "1e-400", "01", "1.", ".5", "+1", "0x10", "1e", "--1", "1_000",
        String(repeating: "9", count: 400), "0." + String(repeating: "0", count: 400) + "1", String(repeating: "1", count: 5000) + ".5",
    ]
    /// Strings as JSON text between quotes (escapes are escapes in the file).
    static let hostileStrings: [String] = [
        "", String(repeating: "a", count: 250), String(repeating: "x", count: 100_000),
        #"a\u0000b"#, #"line1\nline2"#, #"a\r\nb"#, #"a\tb"#, "\u{202E}evil", #"a\"b"#, "a|b|c", "<script>alert(1)</script>",
        #"back\\slash\\"#, #"\u0007bell"#, #"\u001b[31mred"#, "e\u{301}\u{301}", "😀", #"\ud83d\ude00"#, "../../etc/passwd", " ", "ETH ",
        "%s%n%x", #"\u0000"#, "|---|---|", "# heading", "[link](http://x)",
    ]
    /// Not valid JSON strings (bad escapes, raw control characters): 65.
    static let invalidStrings: [String] = [
        #"\x41"#, #"\u12"#, #"\ud800"#, #"\udfff\ud800"#, #"\q"#, "raw\ttab", "raw\nnewline", "raw\u{0}nul", "a\\", #"\u00"#,
    ]
    static let countKeys: Set<String> = ["days", "paths", "seed", "times", "term_days", "unbonding_days", "queue_days", "recover_days",
                                         "duration_days", "day", "withdrawal_days", "hour", "per_year", "store-paths", "store_paths"]
    static let hugeCounts = ["9223372036854775807", "-9223372036854775808", "9007199254740993", "1000000000", "100000000", "36500",
                             "-1", "0", "2147483648", "1e300", "4294967296"]

    /// Mutant `index` depends only on (seed, index): the first 200 of a long run are the short run.
    func mutant(_ index: Int) -> FuzzMutant {
        var rng = FuzzRNG(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        let base = rng.pick(bases)
        var tree = base.tree
        var log: [String] = []
        var keepsHuge = false
        var series: FuzzSeriesFile?
        // Make every run fast in debug: at most 120 days, or 30 past the last shock (the series cover them).
        let lastShock = (tree["market"]?["shocks"]?.elements ?? []).compactMap { s -> Int? in
            if case .number(let t)? = s["day"] { return Int(t) }; return nil
        }.max() ?? 0
        let cap = max(120, lastShock + 30)
        if let days = tree["days"], case .number(let t) = days, (Int(t) ?? 0) > cap { tree.set("days", .number("\(cap)")) }
        tree.set("paths", .number("3"))

        // Mostly one mutation, so a failure is its own minimal reproducer; sometimes two or three.
        let count = rng.chance(75) ? 1 : 2 + rng.below(2)
        var textPasses: [(inout String) -> Void] = []
        for _ in 0..<count {
            let kind = rng.below(100)
            switch kind {
            case 0..<8: deleteKey(&tree, &rng, &log)
            case 8..<16: swapType(&tree, &rng, &log)
            case 16..<30: extremeNumber(&tree, &rng, &log, invalid: rng.chance(15))
            case 30..<35: intReal(&tree, &rng, &log)
            case 35..<44: hostileString(&tree, &rng, &log, invalid: rng.chance(20))
            case 44..<49: duplicateKey(&tree, &rng, &log)
            case 49..<52: deepNesting(&tree, &rng, &log)
            case 52..<60: selfReference(&tree, &rng, &log)
            case 60..<63: swapLayers(&tree, &rng, &log)
            case 63..<65: duplicateStrategy(&tree, &rng, &log)
            case 65..<70: keepsHuge = hugeCount(&tree, &rng, &log) || keepsHuge
            case 70..<82: inject(&tree, &rng, &log)
            case 82..<88:
                series = rng.pick(FuzzSeriesFile.allCases)
                log.append("every series `file` → hostile file \(series!.rawValue)")
            case 88..<92:
                log.append("CRLF line endings")
                textPasses.append { $0 = $0.replacingOccurrences(of: "\n", with: "\r\n") }
            case 92..<96:
                let r = rng.next()
                log.append("truncated at a random byte")
                textPasses.append { t in
                    var b = Array(t.utf8); if !b.isEmpty { b = Array(b.prefix(Int(r % UInt64(b.count)))) }
                    t = String(decoding: b, as: UTF8.self)
                }
            default:
                let bytes = ["\u{FEFF}", "\u{0}", "\u{1A}", "\u{7F}", " garbage", ",", "}", "\n{}"]
                let b = rng.pick(bytes), atStart = rng.chance(50)
                log.append("byte(s) \(b.debugDescription) \(atStart ? "before" : "after") the document")
                textPasses.append { atStart ? ($0 = b + $0) : ($0 += b) }
            }
        }
        if series != nil { pointSeries(&tree, to: "@@SERIES@@") } else { absoluteSeriesPaths(&tree) }
        var text = tree.text() + "\n"
        for pass in textPasses { pass(&text) }
        return FuzzMutant(index: index, base: base.name, mutations: log, data: Data(text.utf8), seriesFile: series, keepsHugeCounts: keepsHuge)
    }

    // MARK: Mutation classes

    private func pickPath(_ tree: FuzzJSON, _ rng: inout FuzzRNG, where ok: (FuzzJSON, String) -> Bool) -> (path: [FuzzStep], name: String, node: FuzzJSON)? {
        let all = tree.allPaths().filter { !$0.path.isEmpty && ok($0.node, $0.name) }
        return all.isEmpty ? nil : rng.pick(all)
    }

    private func deleteKey(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        let members = t.allPaths().filter { if case .member? = $0.path.last { return true }; return false }
        guard !members.isEmpty else { return }
        let p = rng.pick(members)
        guard case .member(let i) = p.path.last! else { return }
        log.append("delete \(p.name)")
        t.update(at: p.path.dropLast()[...]) { if case .object(var m) = $0 { m.remove(at: i); $0 = .object(m) } }
    }

    private func swapType(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        guard let p = pickPath(t, &rng, where: { _, _ in true }) else { return }
        let replacements: [FuzzJSON] = [.string("x"), .string("1"), .number("1"), .bool(true), .bool(false), .null, .array([]), .object([]),
                                        .array([.number("1")]), .object([("x", .number("1"))])]
        let r = rng.pick(replacements.filter { $0 != p.node })
        log.append("\(p.name) → \(r.text())")
        t.update(at: p.path[...]) { $0 = r }
    }

    private func extremeNumber(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String], invalid: Bool) {
        guard let p = pickPath(t, &rng, where: { n, _ in if case .number = n { return true }; return false }) else { return }
        let v = rng.pick(invalid ? Self.invalidNumbers : Self.extremeNumbers)
        log.append("\(p.name) → \(v.count > 40 ? "\(v.prefix(12))…(\(v.count) chars)" : v)")
        t.update(at: p.path[...]) { $0 = invalid ? .raw(v) : .number(v) }
    }

    private func intReal(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        guard let p = pickPath(t, &rng, where: { n, _ in if case .number = n { return true }; return false }),
              case .number(let text) = p.node else { return }
        let v: String
        if let i = Int(text) { v = rng.pick(["\(i).0", "\(i).5", "\(i)e0", "\(Double(i) + 0.000001)"]) }
        else if let d = Double(text), let down = Int(exactly: d.rounded()), let up = Int(exactly: d.rounded(.up)) { v = rng.pick(["\(down)", "\(up)", "1", "0"]) }
        else if Double(text) != nil { v = rng.pick(["1", "0", "-1"]) }
        else { return }
        log.append("\(p.name): \(text) → \(v)")
        t.update(at: p.path[...]) { $0 = .number(v) }
    }

    private func hostileString(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String], invalid: Bool) {
        guard let p = pickPath(t, &rng, where: { n, _ in if case .string = n { return true }; return false }) else { return }
        let v = rng.pick(invalid ? Self.invalidStrings : Self.hostileStrings)
        log.append("\(p.name) → \"\(v.count > 40 ? "\(v.prefix(8))…(\(v.count) chars)" : v.debugDescription)\"\(invalid ? " (invalid JSON)" : "")")
        // The string is JSON text already: escapes stay escapes.
        t.update(at: p.path[...]) { $0 = .raw("\"" + v + "\"") }
    }

    private func duplicateKey(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        guard let p = pickPath(t, &rng, where: { n, _ in (n.members?.count ?? 0) > 0 }), let m = p.node.members else { return }
        let i = rng.below(m.count)
        let other: FuzzJSON = rng.chance(50) ? m[i].value : .string("duplicate")
        log.append("duplicate key \(p.name).\(m[i].key)")
        t.update(at: p.path[...]) { if case .object(var mm) = $0 { mm.append((m[i].key, other)); $0 = .object(mm) } }
    }

    private func deepNesting(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        guard let p = pickPath(t, &rng, where: { _, _ in true }) else { return }
        let depth = rng.pick([10_000, 10_000, 100_000, 1_000])
        let objects = rng.chance(30)
        log.append("\(p.name) wrapped in \(depth) \(objects ? "objects" : "arrays")")
        let inner = p.node.text()
        let text = objects
            ? String(repeating: "{\"a\":", count: depth) + inner + String(repeating: "}", count: depth)
            : String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)
        t.update(at: p.path[...]) { $0 = .raw(text) }
    }

    /// (strategy index, layer index, layer id) of every layer.
    private func layers(_ t: FuzzJSON) -> [(s: Int, l: Int, id: String)] {
        var out: [(s: Int, l: Int, id: String)] = []
        for (s, strategy) in (t["strategies"]?.elements ?? []).enumerated() {
            for (l, layer) in (strategy["layers"]?.elements ?? []).enumerated() { out.append((s, l, layer["id"]?.stringValue ?? "?")) }
        }
        return out
    }

    private func strategyPath(_ t: FuzzJSON, _ s: Int) -> [FuzzStep]? {
        guard let i = t.members?.firstIndex(where: { $0.key == "strategies" }) else { return nil }
        return [.member(i), .element(s)]
    }

    private func layerPath(_ t: FuzzJSON, _ s: Int, _ l: Int) -> [FuzzStep]? {
        guard let sp = strategyPath(t, s), let strategy = t.node(at: sp[...]),
              let li = strategy.members?.firstIndex(where: { $0.key == "layers" }) else { return nil }
        return sp + [.member(li), .element(l)]
    }

    private func marketAssetsPath(_ t: FuzzJSON) -> [FuzzStep]? {
        guard let mi = t.members?.firstIndex(where: { $0.key == "market" }), let market = t["market"],
              let ai = market.members?.firstIndex(where: { $0.key == "assets" }) else { return nil }
        return [.member(mi), .member(ai)]
    }

    private func selfReference(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        let all = layers(t)
        let assets = t["market"]?["assets"]?.members?.map(\.key) ?? []
        switch rng.below(9) {
        case 0, 1, 2:
            guard !all.isEmpty, case let l = rng.pick(all), let p = layerPath(t, l.s, l.l) else { return }
            let which = rng.below(3)
            switch which {
            case 0:
                log.append("strategies[\(l.s)].layers[\(l.l)].input.from → its own id \(l.id)")
                t.update(at: p[...]) { $0.set("input", .object([("from", .string(l.id)), ("fraction", .number("0.5"))])) }
            case 1:
                log.append("strategies[\(l.s)].layers[\(l.l)].loop.via → its own id \(l.id)")
                t.update(at: p[...]) { $0.set("loop", .object([("via", .string(l.id)), ("times", .number("3"))])) }
            default:
                let later = all.filter { $0.s == l.s && $0.l > l.l }.first?.id ?? "ghost"
                log.append("strategies[\(l.s)].layers[\(l.l)].input.from → later or missing layer \(later)")
                t.update(at: p[...]) { $0.set("input", .object([("from", .string(later)), ("fraction", .number("1"))])) }
            }
        case 3:
            guard let ap = marketAssetsPath(t), let a = assets.first(where: { _ in true }).map({ _ in rng.pick(assets) }) else { return }
            log.append("market.assets.\(a).peg.to → itself")
            t.update(at: ap[...]) { $0.set(a, .object([("peg", .object([("to", .string(a)), ("ratio", .object([("model", .string("constant")), ("value", .number("1"))]))]))])) }
        case 4:
            guard assets.count >= 2, let ap = marketAssetsPath(t) else { return }
            let a = assets[0], b = assets[1]
            log.append("market.assets: \(a) pegged to \(b) and \(b) pegged to \(a)")
            func peg(_ to: String) -> FuzzJSON { .object([("peg", .object([("to", .string(to)), ("ratio", .object([("model", .string("constant")), ("value", .number("1"))]))]))]) }
            t.update(at: ap[...]) { $0.set(a, peg(b)); $0.set(b, peg(a)) }
        case 5:
            let shock: FuzzJSON = rng.pick([
                .object([("day", .number("1")), ("layer", .string("ghost")), ("borrow_apr", .number("0.1"))]),
                .object([("day", .number("1")), ("asset", .string("GHOST")), ("price_change", .number("-0.5"))]),
                .object([("day", .number("1")), ("layer", .string("ghost")), ("slash", .number("0.1"))]),
                .object([("day", .number("1")), ("asset", .string("ETH")), ("ratio", .number("0.9"))]),
            ])
            log.append("market.shocks += \(shock.text().replacingOccurrences(of: "\n", with: " "))")
            addShock(&t, shock)
        case 6:
            guard !all.isEmpty, case let l = rng.pick(all), let sp = strategyPath(t, l.s) else { return }
            log.append("strategies[\(l.s)].rules += a rule on a missing layer")
            let rule: FuzzJSON = .object([("when", .object([("metric", .string("health_factor")), ("layer", .string("ghost")), ("below", .number("1.1"))])),
                                          ("then", .object([("action", .string("deleverage")), ("layer", .string(l.id)), ("target_health_factor", .number("1.5"))]))])
            t.update(at: sp[...]) { s in var r = s["rules"]?.elements ?? []; r.append(rule); s.set("rules", .array(r)) }
        case 7:
            guard !all.isEmpty, case let l = rng.pick(all), let p = layerPath(t, l.s, l.l) else { return }
            log.append("strategies[\(l.s)].layers[\(l.l)] duplicated (same id \(l.id))")
            guard let layer = t.node(at: p[...]) else { return }
            t.update(at: p.dropLast()[...]) { if case .array(var a) = $0 { a.insert(layer, at: l.l); $0 = .array(a) } }
        default:
            guard !all.isEmpty, case let l = rng.pick(all), let sp = strategyPath(t, l.s) else { return }
            log.append("strategies[\(l.s)].capital.asset → GHOST")
            t.update(at: sp[...]) { $0.set("capital", .object([("asset", .string("GHOST")), ("amount", .number("100"))])) }
        }
    }

    private func addShock(_ t: inout FuzzJSON, _ shock: FuzzJSON) {
        guard let mi = t.members?.firstIndex(where: { $0.key == "market" }) else { return }
        t.update(at: [.member(mi)][...]) { m in var s = m["shocks"]?.elements ?? []; s.append(shock); m.set("shocks", .array(s)) }
    }

    private func swapLayers(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        let multi = layers(t).filter { $0.l == 1 }
        guard !multi.isEmpty, case let l = rng.pick(multi), let p = layerPath(t, l.s, 0) else { return }
        log.append("strategies[\(l.s)].layers[0] ⇄ layers[1]")
        t.update(at: p.dropLast()[...]) { if case .array(var a) = $0 { a.swapAt(0, 1); $0 = .array(a) } }
    }

    private func duplicateStrategy(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        guard let si = t.members?.firstIndex(where: { $0.key == "strategies" }), let s = t["strategies"]?.elements, !s.isEmpty else { return }
        let i = rng.below(s.count), rename = rng.chance(50)
        log.append("strategies[\(i)] duplicated 50 times\(rename ? " (renamed)" : " (same name)")")
        t.update(at: [.member(si)][...]) {
            guard case .array(var a) = $0 else { return }
            for k in 0..<50 { var c = s[i]; if rename { c.set("name", .string("copy-\(k)")) }; a.append(c) }
            $0 = .array(a)
        }
    }

    /// Returns whether the count is huge (the mutant must then be refused or finish within the timeout).
    private func hugeCount(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) -> Bool {
        let candidates = t.allPaths().filter { p in
            if case .number = p.node, let k = t.key(at: p.path) { return Self.countKeys.contains(k) }
            return false
        }
        guard !candidates.isEmpty else { return false }
        let p = rng.pick(candidates), v = rng.pick(Self.hugeCounts)
        log.append("\(p.name) → \(v)")
        t.update(at: p.path[...]) { $0 = .number(v) }
        return true
    }

    /// Adds an optional feature with an extreme number: depth, flows, a values series, GBM drift, shocks.
    private func inject(_ t: inout FuzzJSON, _ rng: inout FuzzRNG, _ log: inout [String]) {
        let x = rng.pick(Self.extremeNumbers)
        let assets = t["market"]?["assets"]?.members ?? []
        let all = layers(t)
        switch rng.below(7) {
        case 0:
            guard let ap = marketAssetsPath(t), !assets.isEmpty else { return }
            let a = rng.pick(assets), amm = rng.chance(50) ? "stableswap" : "constant_product"
            let depth: FuzzJSON = .object([("amm", .string(amm))] + (amm == "stableswap" ? [("amplification", .number(rng.chance(50) ? x : "100"))] : [])
                                           + [("liquidity", .number(x)), ("recover_days", .number("5"))])
            log.append("market.assets.\(a.key).depth = \(depth.text().replacingOccurrences(of: "\n", with: " "))")
            t.update(at: ap[...]) { $0.set(a.key, { var v = a.value; v.set("depth", depth); return v }()) }
            // Make the depth matter: every strategy exits on day 2.
            for s in 0..<(t["strategies"]?.elements?.count ?? 0) {
                guard let sp = strategyPath(t, s) else { continue }
                t.update(at: sp[...]) { st in
                    var r = st["rules"]?.elements ?? []
                    r.append(.object([("when", .object([("day", .number("2"))])),
                                      ("then", .object([("action", .string("exit")), ("slippage", .number("0.001"))])), ("once", .bool(true))]))
                    st.set("rules", .array(r))
                }
            }
        case 1:
            guard let sp = strategyPath(t, rng.below(max(1, t["strategies"]?.elements?.count ?? 1))) else { return }
            log.append("flows = [{day: 3, amount: \(x)}]")
            t.update(at: sp[...]) { $0.set("flows", .array([.object([("day", .number("3")), ("amount", .number(x))])])) }
        case 2:
            guard let ap = marketAssetsPath(t), let a = assets.first(where: { $0.value["price"] != nil }) else { return }
            let days = Int(t["days"].flatMap { if case .number(let s) = $0 { return s }; return nil } ?? "120") ?? 120
            let values = (0...min(days, 400)).map { $0 == days / 2 ? FuzzJSON.number(x) : FuzzJSON.number("1") }
            log.append("market.assets.\(a.key).price = series values, day \(days / 2) = \(x)")
            t.update(at: ap[...]) { $0.set(a.key, .object([("price", .object([("model", .string("series")), ("values", .array(values))]))])) }
        case 3:
            guard let ap = marketAssetsPath(t), let a = assets.first(where: { $0.value["price"] != nil }) else { return }
            let field = rng.pick(["start", "drift", "volatility"])
            var gbm: [(key: String, value: FuzzJSON)] = [("model", .string("gbm")), ("start", .number("3000")), ("drift", .number("0")), ("volatility", .number("0.5"))]
            if let i = gbm.firstIndex(where: { $0.key == field }) { gbm[i].value = .number(x) }
            log.append("market.assets.\(a.key).price = gbm with \(field) \(x)")
            t.update(at: ap[...]) { $0.set(a.key, .object([("price", .object(gbm))])) }
        case 4:
            guard !all.isEmpty else { return }
            let l = rng.pick(all)
            let shock: FuzzJSON = rng.pick([
                .object([("day", .number("2")), ("layer", .string(l.id)), ("borrow_apr", .number("0.1")), ("duration_days", .number(x))]),
                .object([("day", .number("2")), ("layer", .string(l.id)), ("apr", .number(x))]),
                .object([("day", .number("2")), ("layer", .string(l.id)), ("slash", .number(x))]),
                .object([("day", .number("2")), ("layer", .string(l.id)), ("exploit", .number(x))]),
            ])
            log.append("market.shocks += \(shock.text().replacingOccurrences(of: "\n", with: " "))")
            addShock(&t, shock)
        case 5:
            guard let a = assets.first(where: { $0.value["peg"] != nil }) ?? assets.first else { return }
            let shock: FuzzJSON = rng.pick([
                .object([("day", .number("2")), ("asset", .string(a.key)), ("ratio", .number("0.9")), ("recover_days", .number(x))]),
                .object([("day", .number("2")), ("asset", .string(a.key)), ("ratio", .number(x))]),
                .object([("day", .number("2")), ("asset", .string(a.key)), ("price_change", .number(x))]),
            ])
            log.append("market.shocks += \(shock.text().replacingOccurrences(of: "\n", with: " "))")
            addShock(&t, shock)
        default:
            guard !all.isEmpty, let sp = strategyPath(t, rng.pick(all).s) else { return }
            log.append("capital.amount → \(x)")
            t.update(at: sp[...]) { s in var c = s["capital"] ?? .object([]); c.set("amount", .number(x)); s.set("capital", c) }
        }
    }

    // MARK: Series files

    /// Rewrites every relative `file` to the absolute path of the shipped data, so the mutant can live in a temp dir.
    private func absoluteSeriesPaths(_ t: inout FuzzJSON) {
        for p in t.allPaths() where t.key(at: p.path) == "file" {
            if let f = p.node.stringValue, !f.hasPrefix("/") { t.update(at: p.path[...]) { $0 = .string(dataDirectory + "/../" + f) } }
        }
    }

    private func pointSeries(_ t: inout FuzzJSON, to placeholder: String) {
        var any = false
        for p in t.allPaths() where t.key(at: p.path) == "file" {
            any = true
            let name = (p.node.stringValue ?? "").split(separator: "/").last.map(String.init) ?? ""
            t.update(at: p.path[...]) { $0 = .string(placeholder + name) }
        }
        if !any, let ap = marketAssetsPath(t), let a = t["market"]?["assets"]?.members?.first(where: { $0.value["price"] != nil }) {
            t.update(at: ap[...]) { $0.set(a.key, .object([("price", .object([("model", .string("series")), ("file", .string(placeholder))]))])) }
        }
    }
}
