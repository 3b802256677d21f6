/// What a layer type can do. The engine, the validator, the stack planner and
/// the comparison ask a layer for its capabilities; they never test for a
/// concrete type (Lean's one-model-per-concern: a capability is a protocol
/// requirement, not an `is ConcreteLayer` check).
public struct LayerCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Owes a borrowed asset: has a debt, a health factor and an LTV, is
    /// liquidated, and takes `deleverage` and `releverage`.
    public static let borrows = LayerCapabilities(rawValue: 1 << 0)
    /// Mints a receipt token that can be redeemed (`unstake`).
    public static let issuesReceipt = LayerCapabilities(rawValue: 1 << 1)
    /// Can turn a borrowed asset into a lending layer's collateral for a
    /// `loop` (see `LayerConfig.loopConversion`).
    public static let convertsForLoop = LayerCapabilities(rawValue: 1 << 2)
    /// Commits tokens that cannot move until maturity: the flexible-versus-
    /// locked analysis of `compare` treats the strategy as locked.
    public static let locks = LayerCapabilities(rawValue: 1 << 3)
    /// Loses staked principal to a `slash` shock.
    public static let slashable = LayerCapabilities(rawValue: 1 << 4)
    /// Has a current annual rate (`apr` conditions).
    public static let hasRate = LayerCapabilities(rawValue: 1 << 5)
    /// Held to maturity it earns a rate fixed at entry, though it can be sold
    /// early (a principal token): `compare` analyses it as a lock.
    public static let fixesRate = LayerCapabilities(rawValue: 1 << 6)
}

/// One layer type's whole description: its fields (name, type, bound,
/// default, description — the schema, the decoder's defaults and the docs
/// all read them), how its spec is decoded and cross-checked, which asset it
/// takes and produces, what it can do, and how its runtime is built.
///
/// Adding a layer type is one file with a type conforming to this protocol
/// and one line in `LayerRegistry.types`.
protocol LayerConfig: Sendable {
    /// The `type` string of the scenario file.
    static var typeName: String { get }
    /// One line for the schema: what the layer does, input → output.
    static var summary: String { get }
    /// The layer's own fields (the common `id`, `type`, `input`,
    /// `description` are added by the registry).
    static var fields: [Property] { get }
    /// Builds the spec from a node that passed the structural schema check.
    /// Returns nil when a field is missing or was already reported.
    static func decode(_ fields: FieldReader, _ decoder: inout ScenarioDecoder) -> Self?

    static var capabilities: LayerCapabilities { get }
    /// Rate overrides (`borrow_apr`, `supply_apr`, `apr` shocks) it accepts.
    var overridableRates: Set<ShockSpec.RateKind> { get }
    /// What the layer hands to the layers after it, given what it receives;
    /// nil when it produces nothing a layer can take (a lock, an LP share).
    func outputAsset(input: String?) -> String?
    /// The asset its reported `amount` is counted in.
    func amountAsset(input: String) -> String
    /// For `.convertsForLoop`: the asset it produces from `asset` (1:1 at
    /// par), or nil when it cannot take that asset.
    func loopConversion(from asset: String, market: MarketSpec) -> String?
    /// For `.convertsForLoop`: nil when a loop step mints the collateral 1:1
    /// at par (staking, restaking); a share s when it buys the collateral at
    /// market prices losing s of the value (a principal token): b borrowed
    /// units then give b × P_borrowed × (1 − s) / P_collateral collateral
    /// units and cost b × P_borrowed × s (see `LendingLayer`).
    var loopTradeCost: Double? { get }
    /// Every rate the layer reads, by field, so the validator can bound
    /// compounding (rate × years) without knowing the layer type.
    var rates: [(field: String, rate: RateSpec)] { get }
    /// The annual rate a lock pays, for the break-even analysis of `compare`.
    var lockRate: RateSpec? { get }
    /// The same layer with its lock rate set to `rate` (break-even search).
    func withLockRate(_ rate: Double) -> Self
    /// The lock's fixed rate when it lives in the market (a PT's implied
    /// APY); by default `lockRate`'s fixed value.
    func lockRate(in market: MarketSpec) -> Double?
    /// The layer, and the market, with the lock's rate set to `rate`; by
    /// default only the layer changes.
    func withLockRate(_ rate: Double, market: inout MarketSpec) -> Self
    /// Checks that need the market, the strategy or the input asset.
    func check(_ context: LayerCheck, _ sink: inout DiagnosticSink)
    /// A rule action aimed at this layer that its parameters rule out:
    /// (field of the action, message), e.g. a releverage above `max_ltv`.
    func problem(with action: ActionSpec.Kind) -> (String, String)?
    /// The runtime that steps this layer over a chunk of paths.
    func makeRuntime(_ build: LayerBuild) -> any LayerRuntime
}

extension LayerConfig {
    var capabilities: LayerCapabilities { Self.capabilities }
    func problem(with action: ActionSpec.Kind) -> (String, String)? { nil }
    var overridableRates: Set<ShockSpec.RateKind> { capabilities.contains(.hasRate) ? [.apr] : [] }
    func outputAsset(input: String?) -> String? { input }
    func amountAsset(input: String) -> String { input }
    func loopConversion(from asset: String, market: MarketSpec) -> String? { nil }
    var loopTradeCost: Double? { nil }
    var lockRate: RateSpec? { nil }
    var rates: [(field: String, rate: RateSpec)] { [] }
    func withLockRate(_ rate: Double) -> Self { self }
    func lockRate(in market: MarketSpec) -> Double? { lockRate?.fixedValue }
    func withLockRate(_ rate: Double, market: inout MarketSpec) -> Self { withLockRate(rate) }
    func check(_ context: LayerCheck, _ sink: inout DiagnosticSink) {}
    var typeName: String { Self.typeName }
}

/// What a layer's cross-field check can see: its spec, the asset it
/// receives (nil when an earlier error hides it), its strategy and the market.
struct LayerCheck {
    let layer: LayerSpec
    let input: String?
    let strategy: StrategySpec
    let market: MarketSpec
    /// Assets declared in the file, including ones whose model had errors,
    /// so that one mistake is not also reported as an unknown asset.
    let declaredAssets: [String]

    var path: ScenarioPath { layer.path }

    func assetExists(_ name: String) -> Bool {
        market.asset(name) != nil || declaredAssets.contains(name)
    }

    /// Reports an unknown asset at `path` with a "did you mean"; returns
    /// whether the asset exists.
    @discardableResult
    func requireAsset(_ name: String, at path: ScenarioPath, _ sink: inout DiagnosticSink) -> Bool {
        if assetExists(name) { return true }
        sink.report(path, "unknown asset '\(name)'\(Suggest.hint(name, market.assets.map(\.name)))")
        return false
    }
}

/// What a layer's runtime is built from.
struct LayerBuild {
    let spec: LayerSpec
    /// The layer's owner index in the ledger.
    let owner: Int
    /// Asset index of what it receives.
    let input: Int
    /// Asset index of what it produces (see `LayerConfig.outputAsset`).
    let output: Int?
    let ledger: Ledger
    let market: MarketChunk
}

/// Reads a layer's (or any object's) fields, taking defaults from the field
/// descriptions so that a default is written once, in the `Property`.
struct FieldReader {
    let node: JSONNode
    let path: ScenarioPath
    let fields: [Property]

    func value(_ key: String) -> JSONNode? { node[key] }

    private func fallback(_ key: String) -> JSONValue? {
        fields.first { $0.name == key }?.defaultValue
    }

    func double(_ key: String) -> Double? {
        if let n = node[key] { return n.double }
        if case .number(let v, _)? = fallback(key) { return v }
        return nil
    }

    func int(_ key: String) -> Int? {
        if let n = node[key] { return n.int }
        if case .number(let v, _)? = fallback(key), let i = Int(exactly: v) { return i }
        return nil
    }

    func string(_ key: String) -> String? {
        if let n = node[key] { return n.string }
        if case .string(let s)? = fallback(key) { return s }
        return nil
    }

    func bool(_ key: String) -> Bool? {
        if let n = node[key] { return n.bool }
        if case .bool(let b)? = fallback(key) { return b }
        return nil
    }

    /// A nested object's reader (e.g. `redemption`), with its own fields.
    func object(_ key: String) -> FieldReader? {
        guard let n = node[key] else {
            return nested(key).map { FieldReader(node: JSONNode(.object([]), at: node.location), path: path / key, fields: $0) }
        }
        return FieldReader(node: n, path: path / key, fields: nested(key) ?? [])
    }

    private func nested(_ key: String) -> [Property]? {
        guard let p = fields.first(where: { $0.name == key }) else { return nil }
        if case .object(let o) = p.schema { return o.properties }
        return nil
    }
}

extension ScenarioDecoder {
    /// A rate field: the node's rate, or the field's default (a number).
    /// A field declared `.ref("signed_rate")` in the layer's `fields` may be
    /// negative (down to −1); any other rate is at least 0.
    mutating func rate(_ key: String, _ fields: FieldReader) -> RateSpec? {
        var kind = ModelValueKind.rate
        switch fields.fields.first(where: { $0.name == key })?.schema {
        case .ref("signed_rate")?: kind = .signedRate
        case .ref("day_count")?: kind = .dayCount
        default: break
        }
        if let n = fields.value(key) { return decodeRate(n, path: fields.path / key, kind: kind) }
        if let v = fields.double(key) { return .fixed(v) }
        return nil
    }
}
