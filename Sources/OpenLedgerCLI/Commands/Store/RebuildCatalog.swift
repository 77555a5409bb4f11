import ArgumentParser
import OpenLedgerKit

struct RebuildCatalog: ContextCommand {
  static let configuration = CommandConfiguration(
    commandName: "rebuild-catalog",
    abstract: "Recreate the catalog from the store's objects.",
    discussion: """
      Every event object is verified and replayed in topological order with the same \
      permission checks as when it was written, each against its causal past. Events that \
      fail are listed and left out; exits 1 when there are any. Events that lost to a \
      concurrent one (a removal of their actor's right, or a decision on the same thing first \
      in the fold's order) are listed as overridden: kept, without effect. The attribution index segments under indexes/ that verify \
      and cover accepted contributions exactly are listed again; any other is named, and \
      `index build` covers its contributions again.
      """)

  @OptionGroup var global: GlobalOptions

  func run(_ context: Context) throws {
    let store = try context.openStore(catalogMayBeMissing: true)
    let report = try store.rebuildCatalog()
    if context.output.isJSON {
      try context.output.json(report)
    } else {
      for rejected in report.rejected {
        context.output.line("rejected \(rejected.event): \(DisplayText.escaped(rejected.reason))")
      }
      for overridden in report.overridden {
        context.output.line("overridden \(overridden.event): \(overridden.reason)")
      }
      for segment in report.segmentsLeftOut {
        context.output.line(
          "left out attribution segment \(segment.segment.hex) of Datanet "
            + "\(segment.datanet.short): \(segment.reason)")
      }
      context.output.line(
        "scanned \(report.objectsScanned) objects; replayed \(report.eventsApplied) events into "
          + "\(report.datanets) Datanet(s); listed \(report.attributionSegments) attribution "
          + "index segment(s) again")
    }
    if !report.rejected.isEmpty { throw ExitCode(FailureKind.checksFailed.exitStatus) }
  }
}
