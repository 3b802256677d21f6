import ArgumentParser
import Foundation
import YieldStack

/// `--shard K/N` for `run` and `sweep`: one slice of the paths into a shard database.
enum ShardCommand {
    static func absolute(_ dir: String) -> String {
        let full = dir.hasPrefix("/") ? dir : FileManager.default.currentDirectoryPath + "/" + dir
        return (full as NSString).standardizingPath
    }

    static func runShard(_ loaded: LoadedScenario, spec: ShardSpec, simulation: SimulationArguments, output: OutputArguments,
                         store: ResultStore, db: String, sweep: ShardSweep? = nil) throws {
        let paths = simulation.paths ?? loaded.scenario.paths
        if spec.count > paths {
            Terminal.error("--shard \(spec): \(spec.count) shards of \(paths) path\(paths == 1 ? "" : "s") would leave shards without paths; use at most \(paths) shards")
            throw ExitCode(64)
        }
        let bar = ProgressBar(label: (loaded.file as NSString).lastPathComponent, enabled: ProgressBar.wanted(output))
        defer { bar.finish() }
        let stored: (id: Int64, range: Range<Int>)
        do {
            stored = try RunPipeline.runShard(loaded, shard: spec, options: simulation.options, store: store, sweep: sweep, now: Terminal.now,
                                              progress: { done, total in bar.update(done, total) })
        } catch {
            bar.finish()
            throw Terminal.fail(error)
        }
        bar.finish()
        if output.json {
            print(JSONWriter.write(JSONBuild.object([
                ("shard", .string(spec.description)), ("scenario", .string(loaded.scenario.name)), ("shard_run_id", .number(Double(stored.id))),
                ("first_path", .number(Double(stored.range.lowerBound))), ("end_path", .number(Double(stored.range.upperBound))),
                ("paths", .number(Double(paths))), ("db", .string(db)),
            ])))
        } else if !output.quiet {
            let variant = sweep.map { " (variant \($0.variant + 1))" } ?? ""
            print("\(loaded.scenario.name)\(variant): shard \(spec), paths \(stored.range.lowerBound)..<\(stored.range.upperBound) of \(paths), in \(db); join the shards with `yieldstack merge`")
        }
    }
}

extension YieldStackCommand {
    struct Merge: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Join the shard databases of a run (or a sweep) into one run, identical to the run without --shard.",
            discussion: """
            Checks that the shards belong to one run (the same scenario SHA-256, seed, path count and \
            yieldstack version), are disjoint and together cover every path; then writes the run into \
            --db with its reports, as `run` (or `sweep`) would have. Shards that do not make one run \
            are refused with exit 65, naming the files. Shard files are read one at a time.
            """)

        @Option(help: "Database to write the merged run into (created if missing).", completion: .file(extensions: ["sqlite", "db"]))
        var db: String

        @Argument(help: "Shard databases (from run --shard or sweep --shard).", completion: .file(extensions: ["sqlite", "db"]))
        var shards: [String]

        @OptionGroup var output: OutputArguments

        func validate() throws {
            if shards.isEmpty { throw ValidationError("Give the shard databases to merge.") }
            let out = (db as NSString).standardizingPath
            if shards.contains(where: { ($0 as NSString).standardizingPath == out }) {
                throw ValidationError("--db \(db) is one of the shards: write the merged run into another file.")
            }
        }

        func run() throws {
            for file in shards where !FileManager.default.fileExists(atPath: file) {
                Terminal.error("\(file): no such file")
                throw ExitCode(74)
            }
            // Check the shards before creating the output database.
            do {
                let records = try ShardMerge.records(files: shards)
                if case .failure(let e) = ShardSet.group(records.map(\.manifest)) {
                    Terminal.error(e.message)
                    throw ExitCode(65)
                }
            } catch let failure as MergeFailure {
                Terminal.error(failure.description)
                throw ExitCode(failure.exitCode)
            }
            let store = try Store.open(db)
            let merged: MergeOutput
            do {
                merged = try ShardMerge.merge(files: shards, into: store, reportDirectory: output.reportDir, now: Terminal.now)
            } catch {
                Terminal.error(error.description)
                throw ExitCode(error.exitCode)
            }
            for run in merged.runs {
                if output.json {
                    print(JSONWriter.write(run.json))
                } else if !output.quiet {
                    print(Run.summaryTable(run, db: db))
                }
            }
            for sweep in merged.sweeps {
                if output.json {
                    print(JSONWriter.write(sweep.report.json(reportPath: sweep.path ?? "")))
                } else if !output.quiet {
                    print("sweep of \(sweep.report.file): \(sweep.report.variants.count) variants merged; sweep report: \(sweep.path ?? "-")  database: \(db)")
                }
            }
        }
    }
}
