/// How a lending market liquidates (Lean's one model per concern): a rule
/// turns a `lending` spec into the terms of the shared liquidation loop.
/// Adding a rule is one file with a type conforming to this protocol and one
/// line in `LiquidationRegistry.rules`.
protocol LiquidationRule: Sendable {
    /// The `liquidation_model` string of the scenario file.
    static var name: String { get }
    /// What the spec lacks or contradicts for this rule: (field, message).
    static func problems(_ spec: LendingSpec) -> [(String, String)]
    /// The terms the liquidation loop runs with.
    static func terms(_ spec: LendingSpec) -> LiquidationModel.Terms
}

/// The registry of liquidation rules: one line per rule.
enum LiquidationRegistry {
    static let rules: [any LiquidationRule.Type] = [
        AaveLiquidation.self,
        MorphoLiquidation.self,
    ]

    static var names: [String] { rules.map { $0.name } }

    static func rule(named name: String) -> (any LiquidationRule.Type)? {
        rules.first { $0.name == name }
    }
}
