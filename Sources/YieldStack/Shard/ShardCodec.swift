/// The binary form of a shard's results (`shard_parts.data`): every field of
/// a `StrategyResult` and the stored market rows, bit for bit, so that the
/// merge appends exactly what the shard computed. Made and read by one
/// version of yieldstack (the merge checks the shards' tool version).
extension StrategyResult {
    /// Written first, so that a blob of another kind or version is refused.
    static let codecTag: UInt64 = 0x5953_5354_5241_5431 // "YSSTRAT1"

    /// Bytes `encode` writes, roughly (from above for the per-path arrays).
    var encodedSizeEstimate: Int {
        let perPath = 90 + layers.reduce(0) { $0 + 40 + 9 * $1.extras.count } + 8 * attribution.reduce(0) { $0 + $1.count } + 8 * figures.count
        return 4_096 + count * perPath + distribution.bytes + 41 * daily.count + 48 * layerDaily.count + 32 * layerRates.count
            + events.reduce(0) { $0 + 120 + $1.detail.utf8.count }
    }

    func encode(_ w: inout ByteWriter) {
        w.u64(Self.codecTag)
        w.int(strategyIndex)
        w.string(name)
        w.int(firstPath)
        w.int(count)
        w.int(days)
        distribution.encode(&w)
        w.int(daily.count)
        for r in daily {
            w.int(r.path); w.int(r.day); w.double(r.equity); w.double(r.debt); w.optionalDouble(r.healthFactor)
        }
        w.int(layerDaily.count)
        for r in layerDaily {
            w.int(r.path); w.int(r.day); w.int(r.layer); w.double(r.amount); w.double(r.value); w.double(r.yieldToDate)
        }
        w.int(events.count)
        for e in events {
            w.optionalInt(e.path); w.int(e.day); w.string(e.kind.rawValue); w.optionalString(e.layer); w.optionalString(e.asset)
            w.optionalDouble(e.amount); w.optionalDouble(e.value); w.string(e.detail); w.int(e.sequence)
        }
        w.int(paths.count)
        for p in paths {
            w.double(p.initialValue); w.double(p.finalEquity); w.double(p.netFlows); w.double(p.totalReturn); w.double(p.maxDrawdown)
            w.int(p.liquidations); w.optionalInt(p.firstLiquidationDay); w.optionalDouble(p.minHealthFactor); w.double(p.badDebt)
            w.double(p.marketReturn)
        }
        w.int(layers.count)
        for l in layers {
            w.doubles(l.amount); w.doubles(l.value); w.doubles(l.debt); w.doubles(l.yieldTokens); w.doubles(l.yieldValue)
            w.int(l.extras.count)
            for extra in l.extras {
                w.string(extra.name)
                w.int(extra.values.count)
                for v in extra.values { w.optionalDouble(v) }
            }
        }
        w.int(attribution.count)
        for owner in attribution {
            w.int(owner.count)
            for source in owner { w.doubles(source) }
        }
        w.int(layerRates.count)
        for r in layerRates {
            w.int(r.path); w.int(r.day); w.int(r.layer); w.double(r.rate)
        }
        w.int(figures.count)
        for f in figures {
            w.string(f.name)
            w.doubles(f.values)
        }
    }

    init(decoding r: inout ByteReader) throws(ByteReader.Truncated) {
        guard try r.u64() == Self.codecTag else { throw ByteReader.Truncated() }
        let strategyIndex = try r.int()
        let name = try r.string()
        let firstPath = try r.int()
        let count = try r.int()
        let days = try r.int()
        let distribution = try DailyEquityDistribution(decoding: &r)
        guard strategyIndex >= 0, firstPath >= 0, count >= 0, days >= 1,
              distribution.firstPath == firstPath, distribution.count == count, distribution.days == days else { throw ByteReader.Truncated() }
        var daily: [DailyRecord] = []
        let dailyCount = try r.count(33)
        daily.reserveCapacity(dailyCount)
        for _ in 0..<dailyCount {
            daily.append(DailyRecord(path: try r.int(), day: try r.int(), equity: try r.double(), debt: try r.double(), healthFactor: try r.optionalDouble()))
        }
        var layerDaily: [LayerDailyRecord] = []
        let layerDailyCount = try r.count(48)
        layerDaily.reserveCapacity(layerDailyCount)
        for _ in 0..<layerDailyCount {
            layerDaily.append(LayerDailyRecord(path: try r.int(), day: try r.int(), layer: try r.int(), amount: try r.double(),
                                               value: try r.double(), yieldToDate: try r.double()))
        }
        var events: [EngineEvent] = []
        for _ in 0..<(try r.count(30)) {
            let path = try r.optionalInt(), day = try r.int()
            guard let kind = EventKind(rawValue: try r.string()) else { throw ByteReader.Truncated() }
            var e = EngineEvent(path: path, day: day, kind: kind, layer: try r.optionalString(), asset: try r.optionalString(),
                                amount: try r.optionalDouble(), value: try r.optionalDouble())
            e.detail = try r.string()
            e.sequence = try r.int()
            events.append(e)
        }
        var paths: [PathOutcome] = []
        let pathCount = try r.count(68)
        guard pathCount == count else { throw ByteReader.Truncated() }
        paths.reserveCapacity(pathCount)
        for _ in 0..<pathCount {
            paths.append(PathOutcome(initialValue: try r.double(), finalEquity: try r.double(), netFlows: try r.double(),
                                     totalReturn: try r.double(), maxDrawdown: try r.double(), liquidations: try r.int(),
                                     firstLiquidationDay: try r.optionalInt(), minHealthFactor: try r.optionalDouble(),
                                     badDebt: try r.double(), marketReturn: try r.double()))
        }
        var layers: [LayerFinals] = []
        for _ in 0..<(try r.count(48)) {
            var l = LayerFinals(amount: try r.doubles(), value: try r.doubles(), debt: try r.doubles(),
                                yieldTokens: try r.doubles(), yieldValue: try r.doubles())
            for _ in 0..<(try r.count(16)) {
                let extraName = try r.string()
                var values: [Double?] = []
                for _ in 0..<(try r.count(1)) { values.append(try r.optionalDouble()) }
                l.extras.append((extraName, values))
            }
            guard [l.amount, l.value, l.debt, l.yieldTokens, l.yieldValue].allSatisfy({ $0.count == count }),
                  l.extras.allSatisfy({ $0.values.count == count }) else { throw ByteReader.Truncated() }
            layers.append(l)
        }
        var attribution: [[[Double]]] = []
        for _ in 0..<(try r.count(8)) {
            var owner: [[Double]] = []
            for _ in 0..<(try r.count(8)) {
                let source = try r.doubles()
                guard source.count == count else { throw ByteReader.Truncated() }
                owner.append(source)
            }
            attribution.append(owner)
        }
        var layerRates: [LayerRateRecord] = []
        let rateCount = try r.count(32)
        layerRates.reserveCapacity(rateCount)
        for _ in 0..<rateCount {
            layerRates.append(LayerRateRecord(path: try r.int(), day: try r.int(), layer: try r.int(), rate: try r.double()))
        }
        var figures: [(name: String, values: [Double])] = []
        for _ in 0..<(try r.count(16)) {
            let figureName = try r.string()
            let values = try r.doubles()
            guard values.count == count else { throw ByteReader.Truncated() }
            figures.append((figureName, values))
        }
        self.init(strategyIndex: strategyIndex, name: name, firstPath: firstPath, count: count, days: days, distribution: distribution,
                  daily: daily, layerDaily: layerDaily, events: events, paths: paths, layers: layers, attribution: attribution,
                  layerRates: layerRates, figures: figures)
    }
}

extension MarketDailyRecord {
    static let codecTag: UInt64 = 0x5953_4D41_524B_5431 // "YSMARKT1"

    static func encode(_ records: [MarketDailyRecord], _ w: inout ByteWriter) {
        w.u64(codecTag)
        w.int(records.count)
        for r in records {
            w.int(r.path); w.int(r.day); w.int(r.asset); w.double(r.price); w.optionalDouble(r.ratio)
        }
    }

    static func decodeAll(_ r: inout ByteReader) throws(ByteReader.Truncated) -> [MarketDailyRecord] {
        guard try r.u64() == codecTag else { throw ByteReader.Truncated() }
        var out: [MarketDailyRecord] = []
        let n = try r.count(33)
        out.reserveCapacity(n)
        for _ in 0..<n {
            out.append(MarketDailyRecord(path: try r.int(), day: try r.int(), asset: try r.int(), price: try r.double(), ratio: try r.optionalDouble()))
        }
        return out
    }
}
