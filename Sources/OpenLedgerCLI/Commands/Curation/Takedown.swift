import ArgumentParser
import OpenLedgerKit

struct Takedown: ContextCommand {
  static let configuration = CommandConfiguration(
    commandName: "takedown",
    abstract: "Take records down from a Datanet (curators), with a reason.",
    discussion: """
      Names records (--record, repeatable) or a whole contribution (--contribution). Removed \
      records leave exports and attribution at once, and their bytes leave the store at the \
      next `openledger gc`; the signed event keeps the history. A taken-down record is not \
      stored again if it is contributed again. Only the Datanet's curators may take down \
      (anyone else: exit 77, nothing written).
      """)

  @OptionGroup var global: GlobalOptions

  @OptionGroup var target: DatanetArgument

  @Option(
    name: .customLong("record"),
    help: "A record id, or a unique prefix of at least 8 hex digits (repeatable).")
  var records: [String] = []

  @Option(name: .long, help: "A contribution whose records all go.")
  var contribution: String?

  @Option(name: .long, help: "Why (required).")
  var reason: String

  func validate() throws {
    if records.isEmpty == (contribution == nil) {
      throw ValidationError(CurationError.takedownNeedsOneTarget.description)
    }
    if reason.allSatisfy(\.isWhitespace) {
      throw ValidationError(CurationError.reasonRequired(action: "a takedown").description)
    }
  }

  func run(_ context: Context) throws {
    let store = try context.openStore()
    let identity = try context.identity()
    let curation = Curation(store: store)
    let event: SignedEvent
    if let contribution {
      event = try curation.takeDown(
        contribution: contribution, of: target.datanet, reason: reason, by: identity,
        clock: context.clock)
    } else {
      event = try curation.takeDown(
        records: records, of: target.datanet, reason: reason, by: identity, clock: context.clock)
    }
    guard case .recordTakedown(let body) = event.payload.body else { return }
    let removed = try curation.removedRecords(by: event.id)
    if context.output.isJSON {
      try context.output.json(
        TakedownResult(
          event: event.id, contribution: body.contribution, records: removed,
          reason: body.reason))
      return
    }
    for record in removed { context.output.line("took down \(record.hex)") }
    context.output.line("\(removed.count) record(s) taken down; event \(event.id.hex)")
  }
}

/// `takedown --format json`.
struct TakedownResult: Encodable {
  var event: Digest
  var contribution: Digest?
  var records: [Digest]
  var reason: String
}
