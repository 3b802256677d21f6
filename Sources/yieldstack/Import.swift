import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the runs of yieldstack databases (such as recovery files) into a results database.",
            discussion: """
            A run that could not be written to its database (locked too long, disk full) is saved to a \
            recovery file beside it; this brings it back. Each file is imported in one transaction, \
            under new run ids; the files themselves are only read.
            """)

        @Option(help: "Results database to import into (created if missing).", completion: .file(extensions: ["sqlite", "db"]))
        var db = "reports/yieldstack.sqlite"

        @Argument(help: "yieldstack databases to import runs from.", completion: .file(extensions: ["sqlite", "db"]))
        var files: [String]

        @Flag(help: "Print nothing but errors.")
        var quiet = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one database file to import.") }
        }

        func run() throws {
            let store = try Store.open(db)
            for file in files {
                let imported: [ImportedRun]
                do throws(StoreError) {
                    imported = try store.importRuns(from: file)
                } catch {
                    throw Terminal.fail(.store(error))
                }
                if !quiet { print(Self.summary(file: file, db: db, imported: imported)) }
            }
        }

        static func summary(file: String, db: String, imported: [ImportedRun]) -> String {
            guard !imported.isEmpty else { return "\(file): no runs to import" }
            let pairs = imported.map { "run \($0.sourceID) → \($0.id)" }.joined(separator: ", ")
            return "\(file): imported \(imported.count) run\(imported.count == 1 ? "" : "s") into \(db) (\(pairs))"
        }
    }
}
