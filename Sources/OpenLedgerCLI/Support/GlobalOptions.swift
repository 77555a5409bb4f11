import ArgumentParser

/// How results are printed.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text
  case json
}

/// The options that say where and as whom a command works: every command takes them.
struct CommonOptions: ParsableArguments {
  @Option(
    name: .long,
    help: ArgumentHelp(
      "The store to use (default: $OPENLEDGER_STORE, else the nearest .openledger/ upward).",
      valueName: "path"))
  var store: String?

  @Flag(
    name: .shortAndLong,
    help:
      "Print no progress, notes or tables (only a bare result, if any); errors still go to stderr.")
  var quiet = false

  @Option(
    name: [.customLong("as")],
    help: ArgumentHelp(
      "The identity to act as (default: $OPENLEDGER_IDENTITY, else the only one).",
      valueName: "name"), completion: .identities)
  var identity: String?
}

/// Options every command takes: the common ones and `--format text|json`. A command with more
/// output formats (`validate`) takes `CommonOptions` and its own `--format` instead.
struct GlobalOptions: ParsableArguments {
  @OptionGroup var common: CommonOptions

  @Option(name: .long, help: "Output format: text or json.")
  var format: OutputFormat = .text

  var store: String? { common.store }
  var quiet: Bool { common.quiet }
  var identity: String? { common.identity }
}
