import ArgumentParser

struct ReviewCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "review",
    abstract: "List, show, accept and reject contributions (curators).",
    subcommands: [Accept.self, Reject.self])
}
