import Foundation
@testable import YieldStack

/// Scenarios with ETH, a pegged stETH and USDC for the DeFi layer tests.
enum DeFi {
    /// `ratio` is a ratio model JSON; ETH is priced by `eth`.
    static func scenario(days: Int, eth: String = #"{ "model": "constant", "value": 2000 }"#,
                         ratio: String = #"{ "model": "constant", "value": 1.0 }"#, shocks: String = "[]", paths: Int = 1,
                         strategies: String) -> String {
        """
        { "name": "defi", "start": "2024-01-01", "days": \(days), "seed": 17, "paths": \(paths),
          "market": {
            "assets": { "ETH": { "price": \(eth) },
                        "stETH": { "peg": { "to": "ETH", "ratio": \(ratio) } },
                        "USDC": { "price": { "model": "constant", "value": 1 } } },
            "shocks": \(shocks) },
          "strategies": \(strategies) }
        """
    }

    static func lending(_ extra: String = "", oracle: String = "market", target: Double = 0.6, lt: Double = 0.8, bonus: Double = 0.075,
                        borrowAPR: String = "0") -> String {
        """
        { "id": "aave", "type": "lending", "borrow": "ETH", "max_ltv": \(min(target + 0.05, lt - 0.01)), "liquidation_threshold": \(lt),
          "liquidation_bonus": \(bonus), "target_ltv": \(target), "oracle": "\(oracle)", "borrow_apr": \(borrowAPR)\(extra) }
        """
    }

    /// Ratio series: 1.0 on day 0, then `value` from day 1.
    static func stepRatio(_ value: Double, days: Int) -> String {
        #"{ "model": "series", "values": [1.0\#(String(repeating: ", \(value)", count: days - 1))] }"#
    }
}
