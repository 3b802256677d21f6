import Foundation
import Testing
@testable import YieldStack

/// Helpers shared by the tests: scenarios from inline JSON, runs, fixtures.
enum TestSupport {
    /// The folder of fixture files shipped with the tests.
    static var fixtures: String {
        Bundle.module.resourcePath! + "/Fixtures"
    }

    static func fixture(_ name: String) -> String { fixtures + "/" + name }

    /// The repository root (for the shipped scenarios).
    static var repositoryRoot: String {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        return FileManager.default.currentDirectoryPath
    }

    /// Loads a scenario from JSON text; relative files resolve against the fixtures.
    static func load(_ json: String, file: String = "test.json") throws -> LoadedScenario {
        do {
            return try ScenarioLoader.load(text: json, file: file, baseDirectory: fixtures)
        } catch {
            Issue.record("scenario did not load:\n\(error)")
            throw error
        }
    }

    /// The diagnostics a scenario produces (empty if it loads).
    static func diagnostics(_ json: String, file: String = "test.json") -> [Diagnostic] {
        do {
            _ = try ScenarioLoader.load(text: json, file: file, baseDirectory: fixtures)
            return []
        } catch {
            switch error {
            case .invalid(let d), .unreadableData(let d): return d
            case .unreadable(let path, let reason): return [Diagnostic(file: path, location: TextLocation.start, path: .root, message: reason)]
            }
        }
    }

    static func run(_ json: String, options: SimulationOptions = SimulationOptions()) throws -> SimulationResult {
        try Simulation.run(load(json).scenario, options: options)
    }

    /// A scenario with one asset `TOK` at a constant price and the given strategies.
    static func scenario(days: Int, price: String = #"{ "model": "constant", "value": 2 }"#, extraAssets: String = "",
                         shocks: String = "[]", paths: Int = 1, strategies: String) -> String {
        """
        {
          "name": "test", "start": "2024-01-01", "days": \(days), "seed": 11, "paths": \(paths),
          "market": {
            "assets": { "TOK": { "price": \(price) }, "USDC": { "price": { "model": "constant", "value": 1 } }\(extraAssets) },
            "shocks": \(shocks)
          },
          "strategies": \(strategies)
        }
        """
    }

    /// 10 TOK held, priced 1 on day 0 and 1e308 after: worth 1e309 = +inf from day 1, which
    /// the engine must report as a fault. The prices are set on the decoded scenario, so this
    /// does not depend on what the validator accepts.
    static func overflowScenario() throws -> LoadedScenario {
        var loaded = try load(scenario(days: 3, price: #"{ "model": "series", "values": [1, 2, 2] }"#, strategies: """
            [ { "name": "overflow", "capital": { "asset": "TOK", "amount": 10 }, "layers": [ { "id": "h", "type": "hold" } ] } ]
            """))
        let tok = try #require(loaded.scenario.market.index(of: "TOK"))
        loaded.scenario.market.assets[tok].pricing = .price(SeriesModel(values: [1, 1e308, 1e308]))
        return loaded
    }

    /// The golden scenario's flexible strategy, by hand. 1,000 TOK earn 5 % APY compounded
    /// daily (r = 0.05/365), one accrual a day from day 0; 500 TOK arrive on day 5 at hour 12
    /// and earn half that day (the snapshot average adds 250); the −30 % shock on day 20 takes
    /// the price to 11.75 × 0.7 = 8.225, a drawdown past 20 %, so after day 20's accrual
    /// (21 accruals of the capital, 15 of the deposit) everything is sold for USDC at 0.2 %
    /// slippage less 3 of gas. USDC is constant, so that is the final equity (12,342.19).
    static var goldenFlexibleFinalEquity: Double {
        let r = 0.05 / 365
        let tokens = 1000 * pow(1 + r, 21) + (500 + 250 * r) * pow(1 + r, 15)
        return tokens * 11.75 * 0.7 * (1 - 0.002) - 3
    }

    static func tempDirectory() -> String {
        let dir = NSTemporaryDirectory() + "yieldstack-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// |a − b| ≤ tolerance, with a readable failure.
func expectClose(_ a: Double, _ b: Double, _ tolerance: Double, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance, "\(a) vs \(b) (tolerance \(tolerance))\(comment.map { ": \($0)" } ?? "")", sourceLocation: sourceLocation)
}

/// Relative closeness: |a − b| ≤ tolerance × max(|b|, tiny).
func expectRelative(_ a: Double, _ b: Double, _ tolerance: Double, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(abs(a - b) <= tolerance * max(abs(b), 1e-300), "\(a) vs \(b) (relative tolerance \(tolerance))\(comment.map { ": \($0)" } ?? "")", sourceLocation: sourceLocation)
}
