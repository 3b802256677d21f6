import Foundation
import Testing
@testable import YieldStack

@Suite("Compare: a principal token held to maturity is analysed as a lock")
struct PrincipalTokenLockTests {
    static let scenario = """
    { "name": "pt vs flexible", "start": "2025-01-01", "days": 121, "currency": "USD",
      "market": { "assets": {
          "USDe": { "price": { "model": "constant", "value": 1 } },
          "sUSDe": { "peg": { "to": "USDe", "ratio": { "model": "constant", "value": 1 } } },
          "PT": { "price": { "model": "fixed_yield", "underlying": "USDe", "maturity": "2025-05-01", "implied_apy": 0.12 } } } },
      "strategies": [
        { "name": "flexible", "capital": { "asset": "USDe", "amount": 10000 },
          "layers": [ { "id": "ethena", "type": "liquid_staking", "receipt": "sUSDe", "apr": 0.10 } ] },
        { "name": "pt", "capital": { "asset": "USDe", "amount": 10000 },
          "layers": [ { "id": "pendle", "type": "fixed_yield", "token": "PT" } ] } ] }
    """

    @Test("break-even implied APY = ((1 + r/365)^121)^(365/120) − 1 against 10 % flexible; the PT's 12 % and its accretion are reported")
    func breakEven() throws {
        let loaded = try TestSupport.load(Self.scenario)
        #expect(LockAnalyzer.isLocked(loaded.scenario.strategies[1]))
        #expect(!LockAnalyzer.isLocked(loaded.scenario.strategies[0]))
        let result = try Simulation.run(loaded.scenario)
        // Held to maturity (day 120, 2025-05-01): 10,000 × 1.12^(120/365) USDe; flexible: 121 daily accruals at 10 %.
        let flexible = 10000 * pow(1 + 0.10 / 365, 121.0)
        let pt = 10000 * pow(1.12, 120.0 / 365)
        expectRelative(result.strategies[0].paths[0].finalEquity, flexible, 1e-12)
        expectRelative(result.strategies[1].paths[0].finalEquity, pt, 1e-12)
        let analysis = try LockAnalyzer.analyze(result: result, flexible: 0, locked: 1, options: SimulationOptions())
        #expect(analysis.lockAPR == 0.12)
        let breakEven = pow(pow(1 + 0.10 / 365, 121.0), 365.0 / 120) - 1
        let found = try #require(analysis.breakEvenMeanAPR)
        expectClose(found, breakEven, 1e-6)
        // Extra yield counts the PT's accretion (fixed_yield) against the staking rewards, annualised on capital.
        expectRelative(analysis.stakingIncomeLocked, pt - 10000, 1e-9)
        expectRelative(analysis.extraYield, ((pt - 10000) - (flexible - 10000)) / 10000 * 365 / 121, 1e-9)
    }
}
