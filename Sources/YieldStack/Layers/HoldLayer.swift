/// The `hold` layer type: keeps the tokens it receives.
struct HoldConfig: LayerConfig {
    static let typeName = "hold"
    static let summary = "X → X: keep the tokens"
    static let fields: [Property] = []

    static func decode(_ fields: FieldReader, _ decoder: inout ScenarioDecoder) -> HoldConfig? { HoldConfig() }

    static var capabilities: LayerCapabilities { [] }

    func makeRuntime(_ b: LayerBuild) -> any LayerRuntime {
        HoldLayer(spec: b.spec, owner: b.owner, asset: b.input, ledger: b.ledger)
    }
}

/// `hold`: X → X. Keeps the tokens; earns nothing; carries price risk.
public final class HoldLayer: LayerRuntime {
    public let spec: LayerSpec
    public let owner: Int
    public let amountAsset: Int
    public let yieldTokens: PathVector
    let balance: PathVector

    init(spec: LayerSpec, owner: Int, asset: Int, ledger: Ledger) {
        self.spec = spec
        self.owner = owner
        amountAsset = asset
        yieldTokens = ledger.arena.vector()
        balance = ledger.addSlot(asset: asset, owner: owner, label: "balance")
    }

    public func open(input: PathVector, keep: Double, ctx: StrategyContext) -> PathVector? {
        for p in 0..<input.count { balance[p] += input[p] * keep }
        return input
    }

    public func applyFlow(amount: Double, hour: Double, ctx: StrategyContext) -> [Double] {
        (0..<balance.count).map { p in
            let applied = max(amount, -balance[p])
            balance[p] += applied
            return applied
        }
    }

    public func accrue(ctx: StrategyContext) {}

    public func amount(_ p: Int) -> Double { balance[p] }

    public func withdraw(fraction: Double, _ p: Int, action: ActionSpec, ctx: StrategyContext) -> ActionOutcome {
        let moved = LiquidHolding.release([balance], asset: amountAsset, fraction: fraction, p, ctx: ctx)
        return moved > 0 ? .done([("amount", .number(moved))]) : .nothing
    }

    public func exit(_ p: Int, action: ActionSpec, convertTo: Int?, ctx: StrategyContext) -> ActionOutcome {
        withdraw(fraction: 1, p, action: action, ctx: ctx)
    }
}
