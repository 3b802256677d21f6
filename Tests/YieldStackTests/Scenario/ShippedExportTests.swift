import Foundation
import Testing
@testable import YieldStack

@Suite("Shipped data exports")
struct ShippedExportTests {
    @Test("the shipped CoinGecko- and DefiLlama-style files give the same daily series as the date,value files they were made from")
    func shippedExports() throws {
        let downloaded = try ScenarioLoader.load(path: TestSupport.repositoryRoot + "/scenarios/downloaded-data-2023.json")
        let plainText = try String(contentsOfFile: TestSupport.repositoryRoot + "/scenarios/downloaded-data-2023.json", encoding: .utf8)
            .replacingOccurrences(of: #""file": "data/eth-usd-coingecko.csv", "date_column": "snapped_at", "value_column": "price""#,
                                  with: #""file": "data/eth-usd-daily.csv""#)
            .replacingOccurrences(of: #""file": "data/lido-steth-apy-defillama.csv", "date_column": "timestamp", "value_column": "apy","#,
                                  with: #""file": "data/lido-steth-apy-daily.csv","#)
            .replacingOccurrences(of: #""scale": 0.01, "aggregate": "mean", "#, with: "")
        let plain = try ScenarioLoader.load(text: plainText, file: "plain.json", baseDirectory: TestSupport.repositoryRoot + "/scenarios")
        guard case .price(let a) = downloaded.scenario.market.assets[0].pricing, case .price(let b) = plain.scenario.market.assets[0].pricing,
              let pa = (a as? SeriesModel)?.values, let pb = (b as? SeriesModel)?.values else {
            Issue.record("ETH is not a series"); return
        }
        #expect(pa.count == 365)
        #expect(pa == pb)
        let ra = try #require(downloaded.scenario.strategies[1].layers[0].kind as? LiquidStakingSpec)
        let rb = try #require(plain.scenario.strategies[1].layers[0].kind as? LiquidStakingSpec)
        let va = try #require((ra.apr.model as? SeriesRate)?.values), vb = try #require((rb.apr.model as? SeriesRate)?.values)
        // Percentages × 0.01, the mean of two equal rows a day: equal to the decimal file to rounding.
        #expect(va.count == vb.count)
        for (x, y) in zip(va, vb) { expectClose(x, y, 1e-15) }
    }
}
