/// The registry of layer types: one line per type. A new layer type is a
/// file with its `LayerRuntime` and one case here.
enum LayerFactory {
    static func make(_ spec: LayerSpec, owner: Int, plan: StackPlan.Entry, ledger: Ledger, market: MarketChunk) -> LayerRuntime {
        switch spec.kind {
        case .hold:
            return HoldLayer(spec: spec, owner: owner, asset: plan.inputAsset, ledger: ledger)
        case .softStaking(let config):
            return SoftStakingLayer(spec: spec, config: config, owner: owner, asset: plan.inputAsset, ledger: ledger, market: market)
        case .lockedStaking(let config):
            return LockedStakingLayer(spec: spec, config: config, owner: owner, asset: plan.inputAsset, ledger: ledger, market: market)
        case .liquidStaking(let config):
            return LiquidStakingLayer(spec: spec, config: config, owner: owner, input: plan.inputAsset,
                                      receipt: plan.outputAsset ?? plan.inputAsset, ledger: ledger, market: market)
        case .lending(let config):
            return LendingLayer(spec: spec, config: config, owner: owner, input: plan.inputAsset, ledger: ledger, market: market)
        case .lp(let config):
            return LPLayer(spec: spec, config: config, owner: owner, input: plan.inputAsset, ledger: ledger, market: market)
        }
    }
}
