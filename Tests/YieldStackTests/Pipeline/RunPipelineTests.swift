import Foundation
import Testing
@testable import YieldStack

/// `RunPipeline.run`: simulate, store in one transaction, then render the
/// report and the `--json` document from what was stored (SPEC §4).
@Suite("Run pipeline")
struct RunPipelineTests {
    func golden() throws -> LoadedScenario {
        try ScenarioLoader.load(path: TestSupport.fixture("golden-scenario.json"))
    }

    @Test("the run is stored, and the report and JSON are rendered from the stored run, not from the simulation")
    func rendersFromStore() throws {
        let dir = TestSupport.tempDirectory()
        let path = dir + "/pipeline.sqlite"
        let store = try ResultStore(path: path)
        let output = try RunPipeline.run(golden(), options: SimulationOptions(), store: store, reportDirectory: dir, now: { "2026-01-01T00:00:00Z" })
        #expect(output.runID == 1)
        #expect(try store.runIDs() == [1])

        // What a fresh reader of the database renders is exactly what the pipeline returned and wrote.
        let reloaded = try ResultStore(path: path).load(run: output.runID)
        let fromStore = ReportRenderer(run: reloaded, databasePath: path).render()
        #expect(output.report == fromStore)
        #expect(output.reportPath == dir + "/golden-scenario.md")
        #expect(try String(contentsOfFile: dir + "/golden-scenario.md", encoding: .utf8) == fromStore)
        #expect(JSONWriter.write(output.json) == JSONWriter.write(RunJSON.document(run: reloaded, databasePath: path, reportPath: dir + "/golden-scenario.md")))

        // The stored figures are the simulation's, checked against the closed form (1e-9 relative).
        let flexible = try #require(reloaded.strategies.first { $0.name == "flexible" })
        expectRelative(flexible.metric("final_equity") ?? 0, TestSupport.goldenFlexibleFinalEquity, 1e-9)
        expectRelative(output.result.strategies[0].paths[0].finalEquity, TestSupport.goldenFlexibleFinalEquity, 1e-9)
        #expect(output.report.contains("12,342.19 USD"))
        #expect(output.report.contains("Run 1 in database `\(path)`."))
    }

    @Test("each run gets the next id; reportName replaces the file's stem; no directory writes no file")
    func idsAndNames() throws {
        let dir = TestSupport.tempDirectory()
        let store = try ResultStore()
        let first = try RunPipeline.run(golden(), options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" })
        #expect(first.reportPath == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
        let second = try RunPipeline.run(golden(), options: SimulationOptions(), store: store, reportDirectory: dir, reportName: "renamed", now: { "t" })
        #expect(second.runID == 2)
        #expect(second.reportPath == dir + "/renamed.md")
        #expect(try store.runIDs() == [1, 2])
        #expect(try JSONParser.parse(JSONWriter.write(second.json))["run_id"]?.int == 2)
    }

    @Test("an engine fault stores nothing and is reported with exit status 70")
    func engineFault() throws {
        let store = try ResultStore()
        let loaded = try TestSupport.overflowScenario()
        do throws(RunFailure) {
            _ = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: nil, now: { "t" })
            Issue.record("the overflow was not reported")
        } catch {
            #expect(error.exitCode == 70)
            #expect(error.description.hasPrefix("internal error in strategy 'overflow', day 1, path 0, layer 'h': equity is inf."))
        }
        #expect(try store.runIDs().isEmpty)
    }

    @Test("a report directory that is a file is an output error (exit 74) naming it, found before anything is simulated or stored")
    func unwritableReport() throws {
        let dir = TestSupport.tempDirectory()
        let blocker = dir + "/not-a-dir"
        try "x".write(toFile: blocker, atomically: true, encoding: .utf8)
        let loaded = try golden(), store = try ResultStore()
        do throws(RunFailure) {
            _ = try RunPipeline.run(loaded, options: SimulationOptions(), store: store, reportDirectory: blocker, now: { "t" })
            Issue.record("writing into a file succeeded")
        } catch {
            #expect(error.exitCode == 74)
            #expect(error.description == blocker + ": cannot write: the report folder cannot take files: it is a file, not a folder")
            #expect(try store.runIDs().isEmpty)
        }
    }
}
