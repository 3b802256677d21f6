import ArgumentParser
import Foundation
import YieldStack

extension YieldStackCommand {
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check scenario files without running them; print every problem as FILE:LINE:COLUMN: key.path: message.")

        @Argument(help: "Scenario files.", completion: .file(extensions: ["json"]))
        var files: [String]

        func validate() throws {
            if files.isEmpty { throw ValidationError("Give at least one scenario file.") }
        }

        func run() throws {
            var worst: Int32 = 0
            for file in files {
                do {
                    let l = try ScenarioLoader.load(path: file)
                    for w in l.warnings { Terminal.error(w.description) }
                    let s = l.scenario
                    print("\(file): ok — \(s.strategies.count) strateg\(s.strategies.count == 1 ? "y" : "ies"), \(s.days) days from \(s.start), \(s.paths) path\(s.paths == 1 ? "" : "s")")
                } catch {
                    Terminal.error(error.description)
                    let code = RunFailure.scenario(error).exitCode
                    worst = max(worst, code)
                }
            }
            if worst != 0 { throw ExitCode(worst) }
        }
    }
}
