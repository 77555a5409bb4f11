import ArgumentParser

struct DatanetCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "datanet",
    abstract: "Create, list, show and update Datanets.",
    subcommands: [Create.self, List.self, Show.self, Update.self])
}
