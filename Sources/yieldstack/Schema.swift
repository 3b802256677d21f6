import ArgumentParser
import YieldStack

extension YieldStackCommand {
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema of the scenario format.")

        func run() {
            print(JSONWriter.write(ScenarioSchema.jsonSchema(), pretty: true))
        }
    }
}
