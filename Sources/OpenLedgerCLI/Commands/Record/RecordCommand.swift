import ArgumentParser

struct RecordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Look up one record: its text, contributor, status, source and earnings.",
    subcommands: [Show.self])
}
