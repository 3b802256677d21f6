/// Cross-field checks of `depth` and `market.cascades` (SPEC §2.6).
extension ScenarioValidator {
    func checkDepth(_ sink: inout DiagnosticSink) {
        let market = scenario.market
        for asset in market.assets {
            guard let depth = asset.depth else { continue }
            let path = ScenarioPath.root / "market" / "assets" / asset.name / "depth"
            if depth.amm == "stableswap", depth.amplification == nil {
                sink.report(path / "amplification", "a stableswap depth needs 'amplification' (the pool's on-chain A())")
            }
            if depth.amm == "constant_product", depth.amplification != nil {
                sink.report(path / "amplification", "a constant_product depth has no amplification; remove it or use \"amm\": \"stableswap\"")
            }
            if asset.name == scenario.currency {
                sink.report(path, "'\(asset.name)' is the scenario currency, the quote asset of every depth; it cannot have depth itself")
            }
        }
        for (i, cascade) in market.cascades.enumerated() {
            let path = ScenarioPath.root / "market" / "cascades" / i
            let collateral = market.asset(cascade.collateral)
            if collateral == nil {
                if !assetExists(cascade.collateral) {
                    sink.report(path / "collateral", "unknown asset '\(cascade.collateral)'\(Suggest.hint(cascade.collateral, market.assets.map(\.name)))")
                }
            } else if collateral?.depth == nil {
                sink.report(path / "collateral", "'\(cascade.collateral)' has no 'depth'; a cascade sells the seized collateral into the collateral's depth, so give market.assets.\(cascade.collateral).depth")
            }
            if market.asset(cascade.debt) == nil {
                if !assetExists(cascade.debt) {
                    sink.report(path / "debt", "unknown asset '\(cascade.debt)'\(Suggest.hint(cascade.debt, market.assets.map(\.name)))")
                }
            } else if cascade.debt == cascade.collateral {
                sink.report(path / "debt", "the borrowed asset must differ from the collateral (\(cascade.debt))")
            } else if dependsOn(cascade.debt, cascade.collateral) {
                sink.report(path / "debt", "'\(cascade.debt)' is priced from '\(cascade.collateral)', so its price would move with the cascade it drives; borrow an asset priced independently")
            }
            if cascade.oracle == .underlying, let collateral, collateral.pegTarget == nil {
                sink.report(path / "oracle", "'underlying' prices a pegged collateral at its peg target, but \(cascade.collateral) is not pegged")
            }
            var total = 0.0
            for (j, bucket) in cascade.buckets.enumerated() {
                if bucket.share > 1 {
                    sink.report(path / "health_factors" / j / 1, "a share must be in (0, 1], got \(Format.plain(bucket.share))")
                }
                total += bucket.share
            }
            if total > 1 + 1e-9 {
                sink.report(path / "health_factors", "the shares add up to \(Format.fixed(total, 6)); they are shares of collateral_amount and may add up to at most 1")
            }
        }
    }

    /// Whether `asset`'s price is computed from `other` (through pegs and
    /// derived prices), so that moving `other` moves it.
    func dependsOn(_ asset: String, _ other: String) -> Bool {
        var seen: Set<String> = [asset]
        var next = scenario.market.asset(asset)?.dependency
        while let name = next, !seen.contains(name) {
            if name == other { return true }
            seen.insert(name)
            next = scenario.market.asset(name)?.dependency
        }
        return false
    }
}
