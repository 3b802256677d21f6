/// The registry of layer types: one line per type. A layer type is one file
/// (its `LayerConfig`: fields, decoding, checks, capabilities, runtime) plus
/// one line here; nothing else in the engine names a concrete layer type.
enum LayerRegistry {
    static let types: [any LayerConfig.Type] = [
        HoldConfig.self,
        SoftStakingSpec.self,
        LockedStakingSpec.self,
        LiquidStakingSpec.self,
        LendingSpec.self,
        LPSpec.self,
        RestakingSpec.self,
        FixedYieldSpec.self,
    ]

    static var names: [String] { types.map { $0.typeName } }

    static func type(named name: String) -> (any LayerConfig.Type)? {
        types.first { $0.typeName == name }
    }
}
