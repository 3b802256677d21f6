/// The "Market depth and cascades" section of both reports (SPEC §2.6), as
/// plain tables that each renderer escapes and lays out: what exiting would
/// cost through the depth, the largest sale within the liquidation bonus,
/// the cascades' figures and their rounds on path 0. Read only from the
/// stored run, so `report --db --run` reproduces it.
struct DepthSection {
    struct Table {
        var title: String
        var intro: String
        var headers: [String]
        var rows: [[String]]
        /// Columns from this one on are numbers.
        var numericFrom: Int
    }

    var tables: [Table]
    /// Cascade volume (value) and the price after each day's last round, in
    /// the currency and in the quote asset, path 0, by day.
    var cascadeDays: [(day: Int, volume: Double, price: Double, quotePrice: Double)]

    /// Collateral assets that cascaded on path 0, in order of first appearance.
    var cascadeAssets: [String]

    /// Cascade rounds listed at most in the rounds table.
    static let maxRounds = 60

    init?(run: StoredRun) {
        let currency = run.currency
        func money(_ v: Double?) -> String { v.map { "\(Format.grouped($0)) \(currency)" } ?? "—" }
        func share(_ cost: Double?, of value: Double?) -> String {
            guard let cost, let value, value > 0 else { return "—" }
            let x = cost / value
            // Small shares keep their digits: a basis point is a real cost on a large exit.
            return abs(x) < 0.001 ? Format.fixed(x * 100, 4) + " %" : Format.percent(x)
        }
        var tables: [Table] = []
        let depthAssets = run.depthAssets
        // Unwind costs.
        var rows: [[String]] = []
        for s in run.strategies {
            for asset in depthAssets {
                for when in ["day0", "worst"] {
                    guard let held = s.metric(Metric.unwindHeld(asset, when)), held > 0 else { continue }
                    let value = s.metric(Metric.unwindValue(asset, when))
                    let label: String
                    if when == "day0" {
                        label = "day 0, \(run.start)"
                    } else {
                        let d = Int((s.metric(Metric.unwindWorstDay) ?? 0).rounded())
                        label = run.paths > 1 ? "worst, mean day \(d)" : "worst, day \(d), \(run.start.adding(days: d))"
                    }
                    var row = [s.name, asset, label, Format.grouped(held, 4), Format.grouped(value ?? 0)]
                    for f in UnwindTracker.fractions {
                        let cost = s.metric(Metric.unwindCost(asset, when, f))
                        row.append("\(cost.map { Format.grouped($0) } ?? "—") (\(share(cost, of: value.map { $0 * f })))")
                    }
                    rows.append(row)
                }
            }
        }
        if !rows.isEmpty {
            tables.append(Table(
                title: "Unwind cost",
                intro: "What selling part of each holding through the market's depth would cost against the quoted price, in \(currency) (the shortfall, and in brackets its share of the quoted value sold), before any action's slippage: on day 0 and on the day of the lowest equity\(run.paths > 1 ? " (means over paths)" : ""). Holdings are every positive balance of the asset, collateral included.",
                headers: ["Strategy", "Asset", "When", "Held", "Quoted value (\(currency))", "Exit 10 %", "Exit 25 %", "Exit 50 %", "Exit 100 %"],
                rows: rows, numericFrom: 3))
        }
        // The largest sale within the liquidation bonus.
        rows = []
        for s in run.strategies {
            for asset in depthAssets {
                guard let q = s.metric(Metric.maxSaleWithinBonus(asset)) else { continue }
                let held = s.metric(Metric.unwindHeld(asset, "day0")) ?? 0
                let value = s.metric(Metric.unwindValue(asset, "day0")) ?? 0
                let price = held > 0 ? value / held : nil
                rows.append([s.name, asset, Format.grouped(q, 2), money(price.map { $0 * q })])
            }
        }
        if !rows.isEmpty {
            tables.append(Table(
                title: "Largest sale within the liquidation bonus",
                intro: "The most of the collateral a liquidator could sell on day 0 before the average shortfall against the quoted price exceeds the lending layer's liquidation bonus: beyond it, liquidating is no longer worth it and bad debt becomes likely.",
                headers: ["Strategy", "Asset", "Units", "Quoted value"], rows: rows, numericFrom: 2))
        }
        // Cascades: market figures, the same for every strategy.
        var days: [(Int, Double, Double, Double)] = []
        var assets: [String] = []
        if let first = run.strategies.first, let probability = first.metric(.cascadeProbability) {
            tables.append(Table(
                title: "Liquidation cascades",
                intro: "Other borrowers liquidated as the price fell, their collateral sold into the same depth (market.cascades)\(run.paths > 1 ? "; means over paths" : ""). The price impact is the largest gap between the cascaded and the modelled price on any day.",
                headers: ["Paths with a cascade", "Days with a cascade", "Volume sold", "Largest price impact"],
                rows: [[Format.percent(probability), Format.grouped(first.metric(.cascadeDays) ?? 0, 2), money(first.metric(.cascadeVolume)),
                        Format.percent(first.metric(.cascadePriceImpact) ?? 0)]], numericFrom: 0))
            let rounds = first.events.filter { $0.kind == .cascade && $0.path == 0 }
            if !rounds.isEmpty {
                var list: [[String]] = []
                for e in rounds.prefix(Self.maxRounds) {
                    let detail = e.detailDictionary
                    list.append(["day \(e.day) (\(run.start.adding(days: e.day)))", e.asset ?? "—",
                                 Format.fixed(detail["round"] ?? 0, 0), Format.grouped(detail["buckets_liquidated"] ?? 0, 0),
                                 Format.grouped(e.amount ?? 0, 2), money(e.value),
                                 Format.fixed(detail["quote_price"] ?? .nan, 4), money(detail["price"])])
                }
                let more = rounds.count > Self.maxRounds ? " The first \(Self.maxRounds) of \(rounds.count) rounds are listed; all are in the database (`events`, kind `cascade`)." : ""
                tables.append(Table(
                    title: "Cascade rounds (path 0)",
                    intro: "Each round liquidates every bucket under health factor 1 once and sells what was seized; the next round sees the price after the sale.\(more)",
                    headers: ["Day", "Collateral", "Round", "Buckets", "Volume (units)", "Volume (value)", "Price after (quote)", "Price after"],
                    rows: list, numericFrom: 2))
                var byDay: [Int: (Double, Double, Double)] = [:]
                for e in rounds {
                    let d = e.detailDictionary
                    byDay[e.day] = ((byDay[e.day]?.0 ?? 0) + (e.value ?? 0), d["price"] ?? .nan, d["quote_price"] ?? .nan)
                }
                days = byDay.keys.sorted().map { ($0, byDay[$0]!.0, byDay[$0]!.1, byDay[$0]!.2) }
                for e in rounds { if let a = e.asset, !assets.contains(a) { assets.append(a) } }
            }
        }
        guard !tables.isEmpty else { return nil }
        self.tables = tables
        cascadeDays = days.map { (day: $0.0, volume: $0.1, price: $0.2, quotePrice: $0.3) }
        cascadeAssets = assets
    }
}

extension StoredRun {
    /// Assets with `depth` in the stored scenario, in market order.
    var depthAssets: [String] {
        guard let root = try? JSONParser.parse(scenarioJSON), let assets = root["market"]?["assets"]?.members else { return [] }
        return assets.filter { $0.node["depth"] != nil }.map(\.key)
    }
}

extension EngineEvent {
    /// The numeric entries of `detail`, by key.
    var detailDictionary: [String: Double] {
        var out: [String: Double] = [:]
        for m in (try? JSONParser.parse(detail))?.members ?? [] { if let d = m.node.double { out[m.key] = d } }
        return out
    }
}
