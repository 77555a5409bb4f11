import ArgumentParser
import OpenLedgerKit

struct VerifyLedger: ContextCommand {
  static let configuration = CommandConfiguration(
    commandName: "verify-ledger",
    abstract: "Replay a Datanet's ledger from the objects and check the catalog against it.",
    discussion: """
      Every event object is re-hashed and its signature checked; every event is replayed in \
      topological order with the rights its actor held in its causal past, and every parent \
      must exist (an event that lost to a concurrent one, such as a review by a curator whose \
      removal it could not see, is reported as overridden, which is not a failure); then the catalog's Datanet state, events, heads, contributions, records and \
      removals are compared with the replay's. Each finding names the event, object or record. \
      Writes nothing. Exits 1 when there is a finding.
      """)

  @OptionGroup var global: GlobalOptions

  @Argument(
    help: "The Datanet's name or id (default: every Datanet in the store).",
    completion: .datanets)
  var datanet: String?

  func run(_ context: Context) throws {
    let store = try context.openStore()
    var scope: Digest?
    if let datanet {
      // A Datanet the catalog has lost can still be verified by its full id.
      if let id = Digest(hex: datanet) {
        scope = id
      } else {
        scope = try Ledger(store: store).datanet(datanet).id
      }
    }
    let report = try store.verifyLedger(datanet: scope)
    if context.output.isJSON {
      try context.output.json(report)
    } else {
      for finding in report.findings {
        context.output.line("\(finding.kind.rawValue): \(DisplayText.escaped(finding.message))")
      }
      context.output.line(
        "replayed \(report.applied) of \(report.events) event(s) in \(report.datanets.count) "
          + "Datanet(s): "
          + (report.findings.isEmpty ? "no findings" : "\(report.findings.count) finding(s)"))
    }
    if !report.isClean { throw ExitCode(FailureKind.checksFailed.exitStatus) }
  }
}
