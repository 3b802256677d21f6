import Foundation
import Testing
@testable import YieldStack
@testable import YieldStackCLI

/// `yieldstack optimize` in-process: what it writes, and its exit statuses.
@Suite("optimize command", .serialized)
struct OptimizeCommandTests {
    func scenarioFile() throws -> (dir: String, file: String) {
        let dir = TestSupport.tempDirectory()
        let file = dir + "/loop.json"
        try OptimizeFixtures.loop().write(toFile: file, atomically: true, encoding: .utf8)
        return (dir, file)
    }

    let ltv = "strategies[0].layers[1].target_ltv=0.1..0.79"

    @Test("writes <stem>-optimize.md and .html with the optimum, the binding limit and a frontier chart; every point is a stored run")
    func writesReports() throws {
        let (dir, file) = try scenarioFile()
        let o = CommandLineHarness.run(["optimize", file, "--vary", ltv, "--maximize", "final_equity",
                                        "--subject-to", "liquidation_probability<=0", "--db", dir + "/o.sqlite", "--report-dir", dir, "--quiet"])
        #expect(o.status == 0, "\(o.message)")
        let md = try String(contentsOfFile: dir + "/loop-optimize.md", encoding: .utf8)
        let html = try String(contentsOfFile: dir + "/loop-optimize.html", encoding: .utf8)
        #expect(md.contains("Optimum: `strategies[0].layers[1].target_ltv` = 0.72"))
        #expect(md.contains("binding limit `liquidation_probability ≤ 0`"))
        #expect(md.contains("| Evaluated points | 16 |"), "16 points: 9 grid + 7 bisections")
        #expect(html.contains("<svg") && html.contains("Frontier: final_equity against liquidation_probability"))
        let store = try ResultStore(path: dir + "/o.sqlite")
        #expect(try store.runIDs().count == 16)
        #expect(!FileManager.default.fileExists(atPath: dir + "/loop.md"), "no per-variant report")
    }

    @Test("--json prints the optimum and every point; an infeasible problem exits 0, labelled, with the least-violating point")
    func jsonAndInfeasible() throws {
        let (dir, file) = try scenarioFile()
        let o = CommandLineHarness.run(["optimize", file, "--vary", ltv, "--maximize", "-cvar_95",
                                        "--subject-to", "apy>=0.5", "--db", dir + "/o.sqlite", "--report-dir", dir, "--quiet"])
        #expect(o.status == 0, "\(o.message)")
        let md = try String(contentsOfFile: dir + "/loop-optimize.md", encoding: .utf8)
        #expect(md.contains("INFEASIBLE: no explored point meets every limit"))
        let report = OptimizeReport(scenarioName: "x", file: file,
                                    result: Optimizer.search(try OptimizeProblem.parse(vary: [ltv], maximize: "apy", subjectTo: [], strategy: nil,
                                                                                       scenario: TestSupport.load(OptimizeFixtures.loop()).scenario).get()) { v in
                                        OptimizeEvaluation(objective: v[0], limitValues: [])
                                    }, runs: [], databasePath: "db")
        let json = try JSONParser.parse(JSONWriter.write(report.json(reportPath: "r.md", htmlPath: "r.html")))
        #expect(json["optimum"]?["values"]?["strategies[0].layers[1].target_ltv"]?.double == 0.79)
        #expect(json["points"]?.elements?.count == report.result.points.count)
        #expect(json["feasible"]?.bool == true)
        #expect(json["binding"]?.string == nil)
    }

    @Test("bad arguments exit 64 (range, metric, limit, too many axes, missing objective, strategy); an invalid variant exits 65")
    func exitCodes() throws {
        let (dir, file) = try scenarioFile()
        let common = ["--db", dir + "/o.sqlite", "--report-dir", dir, "--quiet"]
        let cases: [[String]] = [
            ["--vary", "strategies[0].layers[1].target_ltv=0.79..0.1", "--maximize", "apy"],
            ["--vary", ltv, "--maximize", "apyy"],
            ["--vary", ltv, "--maximize", "apy", "--subject-to", "liquidation_probability=0"],
            ["--vary", ltv, "--vary", "a=0..1", "--vary", "b=0..1", "--vary", "c=0..1", "--maximize", "apy"],
            ["--vary", ltv],
            ["--maximize", "apy"],
            ["--vary", ltv, "--maximize", "apy", "--strategy", "lop"],
        ]
        for c in cases {
            let o = CommandLineHarness.run(["optimize", file] + c + common)
            #expect(o.status == 64, "\(c): \(o.status) \(o.message)")
        }
        let bad = CommandLineHarness.run(["optimize", file, "--vary", "strategies[0].layers[1].target_ltv=0.5..0.9", "--maximize", "apy"] + common)
        #expect(bad.status == 65)
        let m = CommandLineHarness.run(["optimize", file, "--vary", ltv, "--maximize", "apyy"] + common)
        #expect(m.message.contains("did you mean 'apy'?"))
    }
}
