import Foundation
import Testing
@testable import YieldStack

@Suite("Published JSON Schema")
struct SchemaExportTests {
    /// Every `properties` entry of the document, with its path.
    func properties(_ v: JSONValue, _ path: String, into out: inout [(String, JSONValue)]) {
        switch v {
        case .object(let members):
            for m in members {
                if m.key == "properties", case .object(let props) = m.node.value {
                    for p in props {
                        out.append((path + "." + p.key, p.node.value))
                        properties(p.node.value, path + "." + p.key, into: &out)
                    }
                } else {
                    properties(m.node.value, path + "/" + m.key, into: &out)
                }
            }
        case .array(let items):
            for (i, x) in items.enumerated() { properties(x.value, path + "[\(i)]", into: &out) }
        default:
            break
        }
    }

    @Test("every property has a description an editor can show on hover, with its range and default where it has them")
    func descriptions() throws {
        var all: [(String, JSONValue)] = []
        properties(ScenarioSchema.jsonSchema(), "", into: &all)
        #expect(all.count > 150)
        for (path, value) in all {
            guard case .object(let members) = value else { continue }
            if members.contains(where: { $0.key == "const" }) { continue }
            let description = members.first { $0.key == "description" }?.node.string ?? ""
            #expect(!description.isEmpty, "\(path) has no description")
        }
        // Spot checks written by hand from the field declarations.
        let closeFactor = all.first { $0.0.hasSuffix(".close_factor") && !$0.0.contains("cascades") }
        guard case .object(let members)? = closeFactor?.1 else { Issue.record("no close_factor"); return }
        #expect(members.first { $0.key == "description" }?.node.string == "share of the debt one liquidation may repay (`aave` only; an error with `morpho`, which repays the whole debt) — a fraction in (0, 1] — Range: in (0, 1]. — Default: 0.5.")
    }

    @Test("a top-level $schema key is accepted, so an editor can point at the schema")
    func schemaKey() throws {
        let text = try String(contentsOfFile: TestSupport.fixture("golden-scenario.json"), encoding: .utf8)
        let withKey = text.replacingOccurrences(of: "{\n", with: "{\n  \"$schema\": \"./yieldstack.schema.json\",\n", options: [], range: text.range(of: "{\n"))
        #expect(withKey.contains("$schema"))
        #expect(TestSupport.diagnostics(withKey).isEmpty)
    }
}
