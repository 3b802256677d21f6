/// What happened, for the event timeline (SPEC §4 `events`).
public enum EventKind: String, Sendable, CaseIterable {
    /// A scheduled market or layer shock.
    case shock
    /// An external deposit or withdrawal.
    case flow
    /// Rewards paid out in a lump (locked staking at maturity).
    case rewardPayout = "reward_payout"
    /// A locked term ended.
    case maturity
    /// Tokens finished unbonding and became liquid.
    case unbonded
    /// A liquid-staking receipt was redeemed.
    case redemption
    case liquidation
    /// Debt left after the collateral ran out, written off.
    case badDebt = "bad_debt"
    /// A rule fired and its action was carried out.
    case rule
    /// A rule's action, or a flow, that a layer could not carry out.
    case refusedAction = "refused_action"
    /// A round of a liquidation cascade of other borrowers (SPEC §2.6): its
    /// volume sold into the collateral's depth and the price after.
    case cascade
}

/// One event of one strategy. `path` nil means the event is the same on
/// every path (scheduled shocks, flows applied in full everywhere) and is
/// stored once rather than once per path.
public struct EngineEvent: Sendable, Equatable {
    public var path: Int?
    public var day: Int
    public var kind: EventKind
    public var layer: String?
    public var asset: String?
    public var amount: Double?
    public var value: Double?
    /// A JSON object with the particulars (written deterministically).
    public var detail: String
    /// Order of generation, used only to keep same-day events in order.
    var sequence: Int

    public init(path: Int?, day: Int, kind: EventKind, layer: String? = nil, asset: String? = nil,
                amount: Double? = nil, value: Double? = nil, detail: [(String, JSONValue)] = [], sequence: Int = 0) {
        self.path = path
        self.day = day
        self.kind = kind
        self.layer = layer
        self.asset = asset
        self.amount = amount
        self.value = value
        self.detail = JSONWriter.write(JSONBuild.object(detail))
        self.sequence = sequence
    }

    public static func == (a: EngineEvent, b: EngineEvent) -> Bool {
        a.path == b.path && a.day == b.day && a.kind == b.kind && a.layer == b.layer && a.asset == b.asset
            && a.amount == b.amount && a.value == b.value && a.detail == b.detail
    }
}
