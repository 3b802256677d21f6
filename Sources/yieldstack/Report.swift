import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-render a stored run's report from the database alone (HTML when --out ends in .html).")

        @Option(help: "Results database.", completion: .file(extensions: ["sqlite", "db"]))
        var db: String

        @Option(name: .customLong("run"), parsing: .unconditional, help: "Run id.")
        var runID: Int64

        @Option(help: "Write the report here instead of standard output; a .html file gets the HTML report.", completion: .file())
        var out: String?

        func validate() throws {
            if runID < 1 { throw ValidationError("--run must be a run id (1 or more), got \(runID).") }
        }

        func run() throws {
            guard FileManager.default.fileExists(atPath: db) else {
                Terminal.error("\(db): cannot read file: no such file")
                throw ExitCode(74)
            }
            let store: ResultStore
            let ids: [Int64]
            do throws(StoreError) {
                // Read-only: works on a read-only file or mount, and never migrates.
                store = try ResultStore(readOnlyPath: db)
                ids = try store.runIDs()
            } catch {
                throw Terminal.fail(.store(error))
            }
            guard ids.contains(runID) else {
                Terminal.error("\(db): no run with id \(runID); \(store.missingRunNote(ids: ids))")
                throw ExitCode(64)
            }
            let stored: StoredRun
            do throws(StoreError) {
                stored = try store.load(run: runID)
            } catch {
                throw Terminal.fail(.store(error))
            }
            let html = out.map { ($0 as NSString).pathExtension.lowercased() == "html" } ?? false
            let report = html ? HTMLReportRenderer(run: stored, databasePath: db).render() : ReportRenderer(run: stored, databasePath: db).render()
            if let out {
                do {
                    try report.write(toFile: out, atomically: true, encoding: .utf8)
                } catch {
                    throw Terminal.fail(.output(path: out, reason: IOErrorText.describe(error)))
                }
            } else {
                print(report, terminator: "")
            }
        }
    }
}
