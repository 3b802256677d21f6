import Foundation
import GRDB
import Testing
@testable import YieldStack

/// `market_daily` and `layer_rates` (SPEC §4), from engine records to `StoredRun`.
@Suite("Results database: market_daily and layer_rates")
struct RunTablesTests {
    @Test("hand-built market and rate records round-trip through save and load, with asset names and layer ids")
    func roundTrip() throws {
        let (result, summaries, metadata) = try ConcurrentStoreTests.goldenRun()
        let store = try ResultStore()
        let id = try store.save(result, summaries: summaries, metadata: metadata)
        let stored = try store.load(run: id)
        #expect(stored.marketDaily == (0..<3).flatMap { day in
            [StoredMarketDaily(path: 0, day: day, asset: "TOK", price: 2 + Double(day), ratio: nil),
             StoredMarketDaily(path: 0, day: day, asset: "USDC", price: 1, ratio: 0.99)]
        })
        var rates: [StoredLayerRate] = []
        for (s, strategy) in stored.strategies.enumerated() {
            for day in 0..<3 {
                rates.append(StoredLayerRate(strategy: strategy.name, path: 0, day: day, layer: strategy.layers[0].id, rate: 0.05 + Double(s) / 100))
            }
        }
        #expect(stored.layerRates == rates)
        #expect(stored.layerRates.first?.layer == "earn")
        let market = try store.dump(table: "market_daily", run: id)
        #expect(market.first == #"path=0|day=0|date="2024-01-01"|asset="TOK"|price=2.0|ratio=NULL"#)
        #expect(try store.dump(table: "layer_rates", run: id).count == 6)
        #expect(try store.dump(table: "layer_rates", run: id).first == #"strategy="flexible"|path=0|day=0|layer_id="earn"|rate=0.05"#)
    }

    @Test("a rate naming a layer the run does not have is refused by the schema, and the run is not stored")
    func foreignKey() throws {
        let store = try ResultStore()
        #expect(throws: DatabaseError.self) {
            try store.queue.write { db in
                try db.execute(sql: "INSERT INTO layer_rates VALUES (1, 'x', 0, 0, 'nope', 0.1)")
            }
        }
        #expect(throws: DatabaseError.self) {
            try store.queue.write { db in
                try db.execute(sql: "INSERT INTO market_daily VALUES (7, 0, 0, '2024-01-01', 'TOK', 1, NULL)")
            }
        }
    }

    @Test("the tables hold exactly the records the engine produced")
    func empty() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        let store = try ResultStore()
        let output = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" })
        #expect(output.stored.marketDaily.count == output.result.marketDaily.count)
        #expect(try store.count(table: "market_daily") == output.result.marketDaily.count)
        #expect(try store.count(table: "layer_rates") == output.result.strategies.reduce(0) { $0 + $1.layerRates.count })
    }

    @Test("runs of consecutive path ranges appended in order equal the whole run, layer rates included")
    func appendRanges() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
        let paths = 7, cut = 3
        let whole = try Simulation.run(loaded.scenario, options: SimulationOptions(paths: paths, threads: 1))
        let first = try Simulation.run(loaded.scenario, options: SimulationOptions(paths: paths, threads: 2, chunkSize: 1, pathRange: 0..<cut))
        let second = try Simulation.run(loaded.scenario, options: SimulationOptions(paths: paths, threads: 1, pathRange: cut..<paths))
        #expect(whole.strategies.count == 2 && first.strategies.count == 2 && second.strategies.count == 2)
        for (s, w) in whole.strategies.enumerated() {
            var joined = first.strategies[s]
            joined.append(second.strategies[s])
            #expect(joined.firstPath == 0 && joined.count == paths)
            let same = joined.equity == w.equity && joined.paths == w.paths && joined.daily == w.daily
                && joined.layerDaily == w.layerDaily && joined.events == w.events && joined.attribution == w.attribution
                && joined.layerRates == w.layerRates
            #expect(same, "strategy \(s)")
        }
    }
}
