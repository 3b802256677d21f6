import Foundation
import Testing
@testable import YieldStack

/// Where `needle` starts in `text` (1-based line and column), found by plain
/// string search: an independent check of the positions the tool reports.
func position(of needle: String, in text: String, occurrence: Int = 1) -> TextLocation? {
    var seen = 0
    for (i, line) in text.components(separatedBy: "\n").enumerated() {
        var searchRange = line.startIndex..<line.endIndex
        while let r = line.range(of: needle, range: searchRange) {
            seen += 1
            if seen == occurrence {
                return TextLocation(line: i + 1, column: line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: r.lowerBound) + 1)
            }
            searchRange = r.upperBound..<line.endIndex
        }
    }
    return nil
}

@Suite("Scenario validation")
struct ValidationTests {
    @Test("a file with three distinct errors reports all three, positioned, with key paths")
    func threeErrors() throws {
        let path = TestSupport.fixture("three-errors.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var diagnostics: [Diagnostic] = []
        do {
            _ = try ScenarioLoader.load(path: path)
            Issue.record("loaded")
        } catch {
            guard case .invalid(let d) = error else { Issue.record("wrong error \(error)"); return }
            diagnostics = d
            #expect(RunFailure.scenario(error).exitCode == 65)
        }
        #expect(diagnostics.count == 3, "\(diagnostics.map(\.description))")
        guard diagnostics.count == 3 else { return }

        #expect(diagnostics[0].path.description == "strategies[0].layers[0].snapshot_per_day")
        #expect(diagnostics[0].location == position(of: "\"snapshot_per_day\"", in: text))
        #expect(diagnostics[0].message == "unknown key 'snapshot_per_day' (did you mean 'snapshots_per_day'?)")

        #expect(diagnostics[1].path.description == "strategies[0].layers[1].input.fraction")
        #expect(diagnostics[1].location == position(of: "\"fraction\"", in: text))
        #expect(diagnostics[1].message == "must be in (0, 1], got 1.3")

        #expect(diagnostics[2].path.description == "strategies[0].rules[0].then.layer")
        #expect(diagnostics[2].location == position(of: "\"layer\": \"lok\"", in: text))
        #expect(diagnostics[2].message.hasPrefix("unknown layer 'lok'"))
        #expect(diagnostics[2].message.contains("did you mean 'lock'"))

        let line = diagnostics[1]
        #expect(line.description == "\(path):\(line.location.line):\(line.location.column): strategies[0].layers[1].input.fraction: must be in (0, 1], got 1.3")
    }

    @Test("truncated JSON reports the line and column where the text ends")
    func truncated() throws {
        let path = TestSupport.fixture("truncated.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let diagnostics = TestSupport.diagnostics(text, file: path)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.location == TextLocation(line: lines.count, column: lines.last!.unicodeScalars.count + 1))
        #expect(diagnostics.first?.message.contains("unexpected end of input") == true)
    }

    @Test("a missing file is an I/O error (exit 74), not an invalid scenario")
    func missingFile() {
        do {
            _ = try ScenarioLoader.load(path: "/nonexistent/scenario.json")
            Issue.record("loaded")
        } catch {
            guard case .unreadable(let p, let reason) = error else { Issue.record("wrong error"); return }
            #expect(p == "/nonexistent/scenario.json")
            #expect(reason == "no such file")
            #expect(RunFailure.scenario(error).exitCode == 74)
        }
    }

    @Test("types, ranges, enumerations, missing keys and dates each get a precise message")
    func structuralMessages() {
        let json = """
        {
          "name": "x", "start": "2024-02-30", "days": 0, "paths": 2.5,
          "market": { "assets": { "T": { "price": { "model": "gbm", "start": -1, "volatility": "high" } } } },
          "strategies": [ { "name": "s", "capital": { "asset": "T" },
            "layers": [ { "id": "h", "type": "hodl" } ] } ]
        }
        """
        let messages = Dictionary(TestSupport.diagnostics(json).map { ($0.path.description, $0.message) }, uniquingKeysWith: { a, b in a + " / " + b })
        #expect(messages["start"] == "must be a date written YYYY-MM-DD, got '2024-02-30'")
        #expect(messages["days"] == "must be in [1, 36500], got 0")
        #expect(messages["paths"] == "must be a whole number, got 2.5")
        #expect(messages["market.assets.T.price.start"] == "must be in [1e-12, 1000000000000], got -1")
        #expect(messages["market.assets.T.price.volatility"] == "must be a number, got a string")
        #expect(messages["strategies[0].capital.amount"] == "required key is missing")
        #expect(messages["strategies[0].layers[0].type"]?.hasPrefix("unknown type 'hodl'; expected one of: hold, soft_staking") == true)
        #expect(messages["strategies[0].layers[0].type"]?.hasSuffix("(did you mean 'hold'?)") == true)
    }

    @Test("a missing key points at the object that lacks it")
    func missingKeyLocation() throws {
        let json = "{\n  \"name\": \"x\",\n  \"days\": 3,\n  \"market\": { \"assets\": { \"T\": { \"price\": { \"model\": \"constant\", \"value\": 1 } } } },\n  \"strategies\": []\n}"
        let d = TestSupport.diagnostics(json)
        let start = try #require(d.first { $0.path.description == "start" })
        #expect(start.location == TextLocation(line: 1, column: 1))
        let strategies = try #require(d.first { $0.path.description == "strategies" })
        #expect(strategies.message == "must have at least 1 element, got 0")
    }

    @Test("cross-field rules: references, asset flow, shocks, rules and flows")
    func crossField() {
        let json = TestSupport.scenario(days: 10, shocks: """
            [ { "day": 12, "asset": "TOK", "price_change": -0.5 },
              { "day": 2, "layer": "nowhere", "apr": 0.1 },
              { "day": 3, "asset": "TOK", "ratio": 0.9 },
              { "day": 3, "asset": "TOK", "price_change": -0.1, "ratio": 0.9 } ]
            """, strategies: """
            [ { "name": "a", "capital": { "asset": "XYZ", "amount": 1 },
                "layers": [ { "id": "lock", "type": "locked_staking", "apr": 0.1, "term_days": 5 },
                            { "id": "after", "type": "hold" } ],
                "rules": [ { "when": { "metric": "price" , "below": 1 }, "then": { "action": "exit", "to": "BTC" } },
                           { "when": { "day": 20 }, "then": { "action": "withdraw", "layer": "lock", "fraction": 1 } } ],
                "flows": [ { "day": 3, "amount": 0 } ] },
              { "name": "a", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
        let d = TestSupport.diagnostics(json)
        let byPath = Dictionary(d.map { ($0.path.description, $0.message) }, uniquingKeysWith: { a, b in a + " / " + b })
        #expect(byPath["market.shocks[0].day"] == "day 12 is after the last day of the run (9)")
        #expect(byPath["market.shocks[1].layer"] == "no strategy has a layer 'nowhere'")
        #expect(byPath["market.shocks[2].asset"]?.contains("is not pegged") == true)
        #expect(byPath["market.shocks[3]"]?.contains("has 2 effects") == true)
        #expect(byPath["strategies[0].capital.asset"] == "unknown asset 'XYZ'")
        #expect(byPath["strategies[0].layers[1]"]?.contains("produces nothing until maturity") == true)
        #expect(byPath["strategies[0].rules[0].when.asset"] == "metric 'price' needs 'asset'")
        #expect(byPath["strategies[0].rules[0].then.to"] == "unknown asset 'BTC'")
        #expect(byPath["strategies[0].rules[1].when.day"] == "day 20 is after the last day of the run (9)")
        #expect(byPath["strategies[0].flows[0].amount"] == "must not be 0")
        #expect(byPath["strategies[1].name"]?.contains("is used twice") == true)
    }

    @Test("DeFi layers: receipts, borrow assets, loops, oracles, LP pairs and fees are checked against each other")
    func defiCrossField() {
        let json = DeFi.scenario(days: 5, strategies: """
            [ { "name": "a", "capital": { "asset": "ETH", "amount": 1 },
                "layers": [ { "id": "lido", "type": "liquid_staking", "receipt": "USDC", "apr": 0.03 },
                            { "id": "aave", "type": "lending", "borrow": "stETH", "max_ltv": 0.8, "liquidation_threshold": 0.75,
                              "liquidation_bonus": 0.05, "target_ltv": 0.85, "borrow_apr": 0.02, "loop": { "via": "pool", "times": 2 } },
                            { "id": "pool", "type": "lp", "amm": "stableswap", "pair": ["stETH", "stETH"], "fee_apr": 0.01, "fee_rate": 0.003 },
                            { "id": "after", "type": "hold" } ] },
              { "name": "b", "capital": { "asset": "ETH", "amount": 1 },
                "layers": [ { "id": "aave", "type": "lending", "borrow": "USDC", "max_ltv": 0.7, "liquidation_threshold": 0.8,
                              "liquidation_bonus": 0.05, "target_ltv": 0.5, "oracle": "underlying", "borrow_apr": 0.02,
                              "loop": { "via": "lido", "times": 1 } },
                            { "id": "lido", "type": "liquid_staking", "receipt": "stETH", "apr": 0.03, "input": { "from": "aave" } },
                            { "id": "pool", "type": "lp", "amm": "concentrated", "pair": ["stETH", "ETH"], "range": [1.1, 0.9] } ] } ]
            """)
        let byPath = Dictionary(TestSupport.diagnostics(json).map { ($0.path.description, $0.message) }, uniquingKeysWith: { a, b in a + " / " + b })
        #expect(byPath["strategies[0].layers[0].receipt"] == "'USDC' must be a pegged asset of the market (with 'peg')")
        #expect(byPath["strategies[0].layers[1].target_ltv"] == "must be <= max_ltv (0.8), got 0.85")
        #expect(byPath["strategies[0].layers[1].liquidation_threshold"] == "must be greater than max_ltv (0.8), got 0.75")
        #expect(byPath["strategies[0].layers[1].loop.via"] == "layer 'pool' is lp, which cannot turn a borrowed asset into collateral; a loop converts through a liquid_staking or restaking layer")
        #expect(byPath["strategies[0].layers[2].pair"] == "a pair needs two different assets")
        #expect(byPath["strategies[0].layers[2].amplification"] == "a stableswap pool needs 'amplification'")
        #expect(byPath["strategies[0].layers[2].fee_apr"]?.hasPrefix("give 'fee_apr' or") == true)
        #expect(byPath["strategies[0].layers[3]"]?.contains("is lp, whose share no layer can take") == true)
        #expect(byPath["strategies[1].layers[0].oracle"]?.contains("but ETH is not pegged") == true)
        #expect(byPath["strategies[1].layers[0].loop.via"]?.contains("comes after this one") == true)
        #expect(byPath["strategies[1].layers[1].receipt"] == "'stETH' is pegged to ETH but this layer receives USDC")
        #expect(byPath["strategies[1].layers[2].range"] == "lower bound must be below upper bound")
    }

    @Test("a CSV series must cover every date of the run; the first missing date is named")
    func seriesCoverage() throws {
        let json = TestSupport.scenario(days: 5, price: #"{ "model": "series", "file": "prices.csv" }"#, strategies: """
            [ { "name": "a", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
        let d = TestSupport.diagnostics(json)
        #expect(d.count == 1)
        #expect(d.first?.path.description == "market.assets.TOK.price.file")
        #expect(d.first?.message.contains("has no row for 2024-01-04, the first date of the run it lacks") == true)

        let filled = json.replacingOccurrences(of: #""file": "prices.csv""#, with: #""file": "prices.csv", "fill": "previous""#)
        let loaded = try TestSupport.load(filled)
        guard case .price(let model) = loaded.scenario.market.assets[0].pricing, let values = (model as? SeriesModel)?.values else { Issue.record("not a series"); return }
        #expect(values == [100, 110, 99, 99, 120])
        #expect(loaded.warnings.count == 1)
        #expect(loaded.warnings.first?.message.contains("2024-01-04") == true)
    }

    @Test("bad CSV cells are reported at their line and column in the data file")
    func badCSV() {
        let json = TestSupport.scenario(days: 2, price: #"{ "model": "series", "file": "bad-prices.csv" }"#, strategies: """
            [ { "name": "a", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
        let d = TestSupport.diagnostics(json)
        let csv = d.filter { $0.file.hasSuffix("bad-prices.csv") }
        #expect(csv.map(\.location.line) == [3, 4, 5])
        guard csv.count == 3 else { return }
        #expect(csv[0].location.column == 12)
        #expect(csv[0].message == "'abc' is not a finite number")
        #expect(csv[1].message.contains("not a date"))
        #expect(csv[2].message == "date 2024-01-01 appears twice (first on line 2)")
    }

    @Test("a missing data file is an I/O error naming the file")
    func missingDataFile() {
        let json = TestSupport.scenario(days: 2, price: #"{ "model": "series", "file": "nope.csv" }"#, strategies: """
            [ { "name": "a", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
        do {
            _ = try ScenarioLoader.load(text: json, file: "t.json", baseDirectory: TestSupport.fixtures)
            Issue.record("loaded")
        } catch {
            guard case .unreadableData(let d) = error else { Issue.record("wrong error \(error)"); return }
            #expect(d.first?.message == "cannot read nope.csv: no such file")
            #expect(RunFailure.scenario(error).exitCode == 74)
        }
    }

    @Test("inline values must cover the run")
    func inlineValues() {
        let json = TestSupport.scenario(days: 4, price: #"{ "model": "series", "values": [1, 2, 3] }"#, strategies: """
            [ { "name": "a", "capital": { "asset": "TOK", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """)
        #expect(TestSupport.diagnostics(json).map(\.message) == ["has 3 values; the run needs 4 (one a day from 2024-01-01)"])
    }

    @Test("the currency, if listed as an asset, must be priced at a constant 1")
    func currencyAsset() {
        let json = """
        { "name": "x", "start": "2024-01-01", "days": 3, "currency": "ETH",
          "market": { "assets": { "ETH": { "price": { "model": "constant", "value": 2000 } } } },
          "strategies": [ { "name": "s", "capital": { "asset": "ETH", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ] }
        """
        #expect(TestSupport.diagnostics(json).first?.path.description == "market.assets.ETH")
    }

    @Test("correlations must name random assets and form a positive semi-definite matrix; ρ = ±1 is accepted")
    func correlations() {
        func scenario(_ correlations: String) -> String {
            """
            { "name": "x", "start": "2024-01-01", "days": 3,
              "market": { "assets": {
                  "A": { "price": { "model": "gbm", "start": 1, "volatility": 0.5 } },
                  "B": { "price": { "model": "gbm", "start": 1, "volatility": 0.5 } },
                  "C": { "price": { "model": "gbm", "start": 1, "volatility": 0.5 } },
                  "K": { "price": { "model": "constant", "value": 1 } } },
                "correlations": \(correlations) },
              "strategies": [ { "name": "s", "capital": { "asset": "A", "amount": 1 }, "layers": [ { "id": "h", "type": "hold" } ] } ] }
            """
        }
        #expect(TestSupport.diagnostics(scenario(#"[ { "assets": ["A", "B"], "rho": 0.9 }, { "assets": ["B", "C"], "rho": 0.9 }, { "assets": ["A", "C"], "rho": 0.7 } ]"#)).isEmpty)
        let bad = TestSupport.diagnostics(scenario(#"[ { "assets": ["A", "B"], "rho": 0.9 }, { "assets": ["B", "C"], "rho": 0.9 }, { "assets": ["A", "C"], "rho": -0.9 } ]"#))
        #expect(bad.map(\.message).first?.contains("do not form a positive semi-definite matrix") == true)
        // ρ = ±1 between two assets is a valid (semi-definite) correlation: one shock is the other's, or its negative.
        #expect(TestSupport.diagnostics(scenario(#"[ { "assets": ["A", "B"], "rho": 1 } ]"#)).isEmpty)
        #expect(TestSupport.diagnostics(scenario(#"[ { "assets": ["A", "B"], "rho": -1 } ]"#)).isEmpty)
        let constant = TestSupport.diagnostics(scenario(#"[ { "assets": ["A", "K"], "rho": 0.5 } ]"#))
        #expect(constant.first?.path.description == "market.correlations[0].assets[1]")
    }

    @Test("the published JSON Schema is valid JSON and names every layer type and property")
    func jsonSchema() throws {
        let text = JSONWriter.write(ScenarioSchema.jsonSchema(), pretty: true)
        let root = try JSONParser.parse(text)
        #expect(root["$schema"]?.string == "https://json-schema.org/draft/2020-12/schema")
        #expect(root["additionalProperties"]?.bool == false)
        let layer = try #require(root["$defs"]?["layer"]?["oneOf"]?.elements)
        let types = layer.compactMap { $0["properties"]?["type"]?["const"]?.string }
        #expect(types == ["hold", "soft_staking", "locked_staking", "liquid_staking", "lending", "lp", "restaking", "fixed_yield"])
        let lending = try #require(layer.first { $0["properties"]?["type"]?["const"]?.string == "lending" })
        #expect(lending["properties"]?["liquidation_threshold"]?["exclusiveMinimum"]?.double == 0)
        #expect(lending["required"]?.elements?.compactMap(\.string).contains("borrow_apr") == true)
    }
}
