import Foundation
import Testing
@testable import YieldStack

@Suite("Market series in the database")
struct MarketDailyTests {
    /// `date,value` rows of a CSV, parsed here independently of the engine.
    func csv(_ name: String) throws -> [String: Double] {
        let text = try String(contentsOfFile: TestSupport.repositoryRoot + "/scenarios/data/" + name, encoding: .utf8)
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let cells = line.split(separator: ",")
            if cells.count >= 2, let v = Double(cells[1]) { out[String(cells[0])] = v }
        }
        return out
    }

    @Test("market_daily holds the CSV's ETH closes and stETH ratios for every date of the June 2022 replay")
    func historical() throws {
        let loaded = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/june-2022-replay.json")
        let store = try ResultStore()
        let out = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" })
        let eth = try csv("eth-usd-daily.csv"), ratio = try csv("steth-eth-ratio-daily.csv")
        let run = out.stored
        let rows = run.marketDaily.filter { $0.path == 0 }
        #expect(rows.count == run.days * 2)
        for row in rows {
            let date = run.start.adding(days: row.day).description
            switch row.asset {
            case "ETH":
                #expect(row.price == eth[date], "ETH on \(date)")
                #expect(row.ratio == nil)
            case "stETH":
                let r = try #require(ratio[date])
                #expect(row.ratio == r, "stETH ratio on \(date)")
                expectRelative(row.price, r * (eth[date] ?? .nan), 1e-15)
            default:
                Issue.record("unexpected asset \(row.asset)")
            }
        }
    }
}
