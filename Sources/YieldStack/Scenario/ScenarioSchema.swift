/// The scenario format (SPEC §2) declared once. Structural checks and the
/// published JSON Schema both come from here; cross-field rules (references,
/// `target_ltv` ≤ `max_ltv`, series coverage) live in `ScenarioValidator`.
public enum ScenarioSchema {
    static let fraction = NumberSchema(min: 0, max: 1, "a fraction: 0.05 = 5 %")
    static let openFraction = NumberSchema(min: 0, exclusiveMin: true, max: 1, "a fraction in (0, 1]")
    static let belowOne = NumberSchema(min: 0, max: 1, exclusiveMax: true, "a fraction in [0, 1)")
    static let nonNegative = NumberSchema(min: 0)
    static let positive = NumberSchema(min: 0, exclusiveMin: true)
    /// Token amounts: bounded so that no arithmetic on them can overflow.
    static let amount = NumberSchema(min: 0, max: 1e12, "token units, at most 1e12")
    static let positiveAmount = NumberSchema(min: 0, exclusiveMin: true, max: 1e12, "token units, at most 1e12")
    /// Prices and ratios: positive and bounded (1e-12 … 1e12 in the currency).
    static let positivePrice = NumberSchema(min: 1e-12, max: 1e12, "a price in (0, 1e12]")
    static let name = Schema.string(StringSchema("a non-empty name"))

    static func text(_ d: String) -> Schema { .string(StringSchema(d)) }
    static func enumeration(_ values: [String], _ d: String = "") -> Schema { .string(StringSchema(allowed: values, d)) }

    // MARK: Models

    static func seriesCase(_ valueDescription: String) -> ObjectSchema {
        ObjectSchema("a historical or hand-made path: a CSV file of `date,value` rows, or one value a day from `start`", [
            Property("file", .string(StringSchema(maxLength: 1024, "CSV file, relative to the scenario file: `date,value` rows (header optional), or an export as downloaded (see `date_column`)"))),
            Property("date_column", .oneOfKinds([.string(StringSchema("a header name")), .integer(IntegerSchema(min: 0, max: 1000, "a 0-based column index"))],
                     description: "the column holding dates (YYYY-MM-DD, ISO date-times, Unix seconds or milliseconds, read as UTC days); default the first")),
            Property("value_column", .oneOfKinds([.string(StringSchema("a header name")), .integer(IntegerSchema(min: 0, max: 1000, "a 0-based column index"))],
                     description: "the column holding values; default the second")),
            Property("scale", .number(NumberSchema(min: 1e-9, max: 1e9, "multiplies every value of the file, e.g. 0.01 for percentages")), default: .number(1)),
            Property("aggregate", enumeration(["last", "mean"]), default: .string("last"), "how several rows of one UTC day combine: the last, or their mean"),
            Property("values", .array(items: .number(NumberSchema(valueDescription)), minCount: 1, maxCount: nil, description: "one value a day from `start`")),
            Property("fill", enumeration(["none", "previous"]), default: .string("none"),
                     "how to treat a date the file lacks: `none` is an error naming the first missing date; `previous` carries the last earlier value forward and lists the filled dates as warnings"),
        ])
    }

    static let priceModel = PathModelRegistry.schema(.price, "a price path in the scenario currency")

    static let ratioModel = PathModelRegistry.schema(.ratio, "the pegged asset's price as a multiple of its peg target's price")

    static let utilization = Schema.oneOfKinds([
        .number(fraction),
        PathModelRegistry.schema(.utilization, ""),
    ], description: "borrows / supply of the borrowed asset's market; a model is clamped to [0, 0.9999]")

    static let rate = RateRegistry.schema(lending: false, "an annual rate: a number, a `series` or a `mean_reverting` model")

    static let signedRate = RateRegistry.schema(lending: false, signed: true, "an annual rate that may be negative (down to -1, a funding-based yield such as sUSDe's): a number, a `series` or a `mean_reverting` model")

    static let dayCount = RateRegistry.dayCountSchema("a queue length in days, in [0, 3650]: a whole number, or a `series` or `mean_reverting` model whose value on the day of a request (rounded, clamped to [0, 3650]) is that request's wait")

    static let lendingRate = RateRegistry.schema(lending: true, "an annual rate: a number, a `series`, a `mean_reverting` model, or a `kinked` utilisation curve")

    static let amountRate = Schema.oneOfKinds([
        .number(NumberSchema(min: 0, max: 1e15, "at most 1e15")),
        .tagged(TaggedSchema(key: "model", cases: [("series", seriesCase("value"))])),
    ], description: "a number or a `series`")

    // MARK: Market

    static let asset = ObjectSchema("a market asset: either its own `price`, or a `peg` to another asset", [
        Property("price", .ref("price_model"), "the asset's own price path in the scenario currency"),
        Property("peg", .object(ObjectSchema("priced as ratio × price(to)", [
            Property("to", name, required: true, "the asset this one is pegged to"),
            Property("ratio", .ref("ratio_model"), required: true),
        ]))),
        Property("depth", .object(DepthSpec.schema)),
        Property("description", .string(.freeText("free text"))),
    ])

    static let shock = ObjectSchema("a scheduled event applied at the start of `day` on every path; give exactly one effect", [
        Property("day", .integer(IntegerSchema(min: 0)), required: true),
        Property("asset", name, "the asset a price or ratio shock hits"),
        Property("layer", name, "the layer id a rate, slash or exploit shock hits (in every strategy that has it)"),
        Property("price_change", .number(NumberSchema(min: -1, exclusiveMin: true, max: 1000, "multiply the price from this day on by 1 + price_change; in (-1, 1000]"))),
        Property("ratio", .number(positivePrice), "set a pegged asset's ratio"),
        Property("recover_days", .integer(IntegerSchema(min: 1, max: 36500, "days, at most 36500")), "return linearly to the modelled ratio over this many days"),
        Property("borrow_apr", .number(NumberSchema(min: 0, max: 100))),
        Property("supply_apr", .number(NumberSchema(min: 0, max: 100))),
        Property("apr", .number(NumberSchema(min: 0, max: 100)), "override a staking layer's rate"),
        Property("duration_days", .integer(IntegerSchema(min: 1, max: 36500, "days, at most 36500")), "how long a rate override lasts (default: to the end)"),
        Property("slash", .number(fraction), "a liquid-staking layer loses this fraction of its staked principal"),
        Property("exploit", .number(fraction), "a layer loses this fraction of its assets"),
        Property("description", .string(.freeText("free text"))),
    ])

    static let market = ObjectSchema("prices, pegs, rates and shocks shared by every strategy", [
        Property("assets", .map(values: .object(asset), minCount: 1, description: "assets by name, in the order given"), required: true),
        Property("correlations", .array(items: .object(ObjectSchema("correlation of two stochastic assets' normal shocks", [
            Property("assets", .array(items: name, minCount: 2, maxCount: 2, description: "two asset names"), required: true),
            Property("rho", .number(NumberSchema(min: -1, max: 1)), required: true),
        ])), minCount: 0, maxCount: 1000, description: "pairs of stochastic assets whose normal shocks are correlated")),
        Property("shocks", .array(items: .object(shock), minCount: 0, maxCount: 10_000, description: "scheduled events applied at the start of their day on every path")),
        Property("cascades", .array(items: .object(CascadeSpec.schema), minCount: 0, maxCount: 100, description: "other borrowers liquidated into a collateral's depth each day, after the market step")),
    ])

    // MARK: Layers

    static let commonLayer: [Property] = [
        Property("id", name, required: true, "unique within the strategy; used by rules, shocks and reports"),
        Property("input", .object(ObjectSchema("take part of a named layer's output (default: the whole output of the layer before)", [
            Property("from", name, required: true, "id of an earlier layer"),
            Property("fraction", .number(openFraction), default: .number(1)),
        ]))),
        Property("description", .string(.freeText("free text"))),
    ]

    static func layer(_ description: String, _ properties: [Property]) -> ObjectSchema {
        ObjectSchema(description, commonLayer + properties)
    }

    static let earlyExit = Schema.oneOfKinds([
        enumeration(["forbidden", "forfeit_rewards"]),
        .object(ObjectSchema("early exit allowed at a cost of this fraction of principal", [
            Property("penalty", .number(fraction), required: true),
        ])),
    ], description: "what an early exit costs")

    /// Every layer type of `LayerRegistry`, each with the common fields.
    static let layers = Schema.tagged(TaggedSchema(key: "type", "one layer of the stack",
        cases: LayerRegistry.types.map { ($0.typeName, layer($0.summary, $0.fields)) }))

    // MARK: Rules

    static let condition = ObjectSchema("`{ \"day\": n }` or `{ \"metric\": m, \"below\" | \"above\": x }`", [
        Property("day", .integer(IntegerSchema(min: 0))),
        Property("metric", enumeration(RuleMetric.allCases.map(\.rawValue)), "the figure watched"),
        Property("below", .number(NumberSchema()), "holds when the metric is below this"),
        Property("above", .number(NumberSchema()), "holds when the metric is above this"),
        Property("layer", name),
        Property("asset", name),
    ])

    static let actionCosts: [Property] = [
        Property("cost", .number(nonNegative), default: .number(0), "fixed cost (gas) in the scenario currency"),
        Property("slippage", .number(belowOne), default: .number(0), "fraction of the traded value lost"),
    ]

    static let action = Schema.tagged(TaggedSchema(key: "action", "what to do when the condition holds", cases: [
        ("exit", ObjectSchema("unwind the whole stack, top down", [Property("to", name, "convert everything to this asset")] + actionCosts)),
        ("deleverage", ObjectSchema("sell collateral to repay debt", [
            Property("layer", name, required: true),
            Property("target_ltv", .number(belowOne)),
            Property("target_health_factor", .number(NumberSchema(min: 1, exclusiveMin: true))),
        ] + actionCosts)),
        ("releverage", ObjectSchema("borrow back up to a target LTV", [
            Property("layer", name, required: true),
            Property("target_ltv", .number(belowOne), required: true),
        ] + actionCosts)),
        ("unstake", ObjectSchema("redeem a liquid-staking receipt", [
            Property("layer", name, required: true),
            Property("via", enumeration(["queue", "market"]), default: .string("queue")),
        ] + actionCosts)),
        ("withdraw", ObjectSchema("take a fraction of a layer's position out to spot", [
            Property("layer", name, required: true),
            Property("fraction", .number(openFraction), required: true),
        ] + actionCosts)),
    ]))

    static let strategy = ObjectSchema("a stack of layers run on the scenario's market", [
        Property("name", name, required: true),
        Property("description", .string(.freeText("free text"))),
        Property("capital", .object(ObjectSchema("what the first layer receives on day 0", [
            Property("asset", name, required: true),
            Property("amount", .number(NumberSchema(min: 1e-9, max: 1e12, "token units, in [1e-9, 1e12]")), required: true, "token units of the capital asset"),
        ])), required: true),
        Property("layers", .array(items: .ref("layer"), minCount: 1, maxCount: 32, description: "the stack, bottom first: each layer takes the output of the one before unless `input` says otherwise (at most 32)"), required: true),
        Property("rules", .array(items: .object(ObjectSchema("checked every day after liquidations, in file order", [
            Property("when", .object(condition), required: true),
            Property("then", .ref("action"), required: true),
            Property("once", .boolean(description: "fire at most once per path"), default: .bool(false)),
            Property("description", .string(.freeText("free text"))),
        ])), minCount: 0, maxCount: 100, description: "the strategy's own reactions, checked every day after liquidations, in file order (at most 100)")),
        Property("flows", .array(items: .object(ObjectSchema("a deposit (positive) or withdrawal (negative) into the first layer", [
            Property("day", .integer(IntegerSchema(min: 0, max: 36499)), required: true, "the day of the flow"),
            Property("hour", .number(NumberSchema(min: 0, max: 24, exclusiveMax: true)), default: .number(0), "hour of the day, for soft staking's snapshots"),
            Property("amount", .number(NumberSchema(min: -1e12, max: 1e12, "token units of the capital asset, in [-1e12, 1e12]")), required: true, "deposit (positive) or withdrawal (negative)"),
        ])), minCount: 0, maxCount: 10_000, description: "deposits and withdrawals into the first layer (at most 10,000)")),
    ])

    public static let root = Schema.object(ObjectSchema("a yieldstack scenario: a market and strategies run through it day by day", [
        Property("$schema", .string(StringSchema(maxLength: 1024, "the JSON Schema this file follows (from `yieldstack schema`), so an editor can complete and check it; ignored by the tool"))),
        Property("name", name, required: true, "the scenario's title in reports"),
        Property("description", .string(.freeText("free text"))),
        Property("start", .string(StringSchema(format: .date, "date of day 0")), required: true),
        Property("days", .integer(IntegerSchema(min: 1, max: 36500)), required: true, "whole days simulated"),
        Property("currency", name, default: .string("USD"), "unit of every price and value"),
        Property("seed", .integer(IntegerSchema(min: 0, max: 9_007_199_254_740_991)), default: .number(0)),
        Property("paths", .integer(IntegerSchema(min: 1, max: 1_000_000)), default: .number(1), "market paths; more than 1 runs a Monte Carlo"),
        Property("market", .object(market), required: true),
        Property("strategies", .array(items: .object(strategy), minCount: 1, maxCount: 100, description: "run on the same market paths (at most 100)"), required: true),
    ]))

    public static let definitions: [(String, Schema)] = [
        ("price_model", priceModel),
        ("ratio_model", ratioModel),
        ("utilization", utilization),
        ("rate", rate),
        ("signed_rate", signedRate),
        ("day_count", dayCount),
        ("lending_rate", lendingRate),
        ("amount_rate", amountRate),
        ("early_exit", earlyExit),
        ("layer", layers),
        ("action", action),
    ]

    public static let validator = SchemaValidator(definitions: Dictionary(uniqueKeysWithValues: definitions))

    /// The JSON Schema document printed by `yieldstack schema`.
    public static func jsonSchema() -> JSONValue {
        JSONSchemaExport.document(root: root, definitions: definitions, id: "https://yieldstack.dev/schema/scenario-v1.json", title: "yieldstack scenario")
    }
}
