import ArgumentParser

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case json
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The store to use (default: $OPENLEDGER_STORE, else the nearest .openledger/ upward).",
      valueName: "path"))
  var store: String?

  @Option(name: .long, help: "Output format: text or json.")
  var format: OutputFormat = .text

  @Flag(name: .shortAndLong, help: "Print no progress or notes; errors still go to stderr.")
  var quiet = false

  @Option(
    name: [.customLong("as")],
    help: ArgumentHelp(
      "The identity to act as (default: $OPENLEDGER_IDENTITY, else the only one).",
      valueName: "name"))
  var identity: String?
}
