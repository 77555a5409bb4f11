import ArgumentParser
import OpenLedgerKit

struct RebuildCatalog: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rebuild-catalog",
    abstract: "Recreate the catalog from the store's objects.",
    discussion: """
      Every event object is verified and replayed in topological order with the same \
      permission checks as when it was written. Events that fail are listed and left out; \
      exits 1 when there are any.
      """)

  @OptionGroup var global: GlobalOptions

  func run() throws {
    let context = Context(global)
    let store = try context.openStore()
    let report = try store.rebuildCatalog()
    if context.output.isJSON {
      try context.output.json(report)
    } else {
      for rejected in report.rejected {
        context.output.line("rejected \(rejected.event): \(rejected.reason)")
      }
      context.output.line(
        "scanned \(report.objectsScanned) objects; replayed \(report.eventsApplied) events into "
          + "\(report.datanets) Datanet(s)")
    }
    if !report.rejected.isEmpty { throw ExitCode(FailureKind.checksFailed.exitStatus) }
  }
}
