import ArgumentParser
import OpenLedgerKit

struct Init: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create a new, empty store.",
    discussion: """
      Creates the store directory given with --store, else $OPENLEDGER_STORE, else \
      .openledger/ in the current directory.
      """)

  @OptionGroup var global: GlobalOptions

  func run(_ context: Context) throws {
    let root = Store.initLocation(
      explicit: global.store, environment: context.environment["OPENLEDGER_STORE"],
      workingDirectory: context.workingDirectory)
    let store = try Store.initialize(at: root, clock: context.clock)
    if context.output.isJSON {
      try context.output.json([
        "store": store.root, "formatVersion": "\(store.config.formatVersion)",
      ])
    } else {
      context.output.line("Initialized an empty openledger store in \(store.root)")
    }
  }
}
