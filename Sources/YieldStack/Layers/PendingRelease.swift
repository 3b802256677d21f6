/// Tokens that belong to a layer but are not liquid yet — unbonding after a
/// lock, waiting in a withdrawal queue. They earn nothing and keep their price
/// risk; on their release day they move to the spot wallet, converted into
/// another asset if an `exit … to` asked for it while they waited. A later
/// batch waits for the later release day (conservative).
struct PendingRelease {
    /// The ledger slot holding the waiting tokens.
    let amount: PathVector
    let asset: Int
    /// Day at whose accrual the tokens become liquid, −1 when none wait.
    let releaseDay: PathIntVector
    /// Asset to convert into on release, −1 for none.
    let convertTo: PathIntVector
    let slippage: PathVector

    init(asset: Int, owner: Int, label: String, ledger: Ledger) {
        self.asset = asset
        amount = ledger.addSlot(asset: asset, owner: owner, label: label)
        releaseDay = ledger.arena.intVector(-1)
        convertTo = ledger.arena.intVector(-1)
        slippage = ledger.arena.vector()
    }

    /// Adds tokens that become liquid at the accrual of `day`.
    func schedule(_ tokens: Double, releaseOn day: Int, _ p: Int) {
        amount[p] += tokens
        releaseDay[p] = max(releaseDay[p], day)
    }

    /// Asks for the waiting tokens to be converted on release; false if that
    /// was already asked (nothing changed).
    @discardableResult
    func convert(to asset: Int, slippage s: Double, _ p: Int) -> Bool {
        guard convertTo[p] != asset else { return false }
        convertTo[p] = asset
        slippage[p] = s
        return true
    }

    /// Releases what is due on the current day into the spot wallet; returns
    /// the amount released and the conversion's particulars for the event.
    func releaseIfDue(_ p: Int, owner: Int, ctx: StrategyContext) -> (amount: Double, detail: [(String, JSONValue)])? {
        guard releaseDay[p] >= 0, ctx.day >= releaseDay[p] else { return nil }
        let tokens = amount[p]
        ctx.moveToSpot(from: amount, asset: asset, amount: tokens, p)
        var detail: [(String, JSONValue)] = []
        if convertTo[p] >= 0 {
            let got = ctx.convertSpot(tokens, from: asset, to: convertTo[p], slippage: slippage[p], owner: owner, p)
            detail = [("converted_to", .string(ctx.assetName(convertTo[p]))), ("received", .number(got))]
        }
        releaseDay[p] = -1
        convertTo[p] = -1
        return (tokens, detail)
    }
}
