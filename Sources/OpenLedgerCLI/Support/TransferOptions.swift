import ArgumentParser

/// What `pull` and `push` move: the remote, and the Datanets when not all of them. `Direction`
/// names the transfer in the help text.
struct TransferOptions<Direction: TransferDirection>: ParsableArguments {
  @Argument(help: "The remote.")
  var remote: String = "origin"

  @Option(
    name: .customLong("datanet"),
    help: ArgumentHelp("\(Direction.verb) only this Datanet (repeatable)."),
    completion: .datanets)
  var datanets: [String] = []
}

/// Which way a transfer goes, as its help text says it.
protocol TransferDirection {
  static var verb: String { get }
}

enum Pulling: TransferDirection {
  static let verb = "Pull"
}

enum Pushing: TransferDirection {
  static let verb = "Push"
}
