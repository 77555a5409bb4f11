import ArgumentParser

struct ReviewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "review",
    abstract: "List, show, accept and reject contributions (curators).",
    subcommands: [List.self, Show.self, Accept.self, Reject.self])
}
