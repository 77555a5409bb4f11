import ArgumentParser
import OpenLedgerKit

struct Withdraw: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Withdraw your own pending contribution; its records leave the Datanet.",
    discussion: """
      Only its contributor may withdraw a contribution (anyone else: exit 77), and only while \
      it is pending. The records' bytes leave the store at the next `openledger gc`; the \
      signed events keep the history.
      """)

  @OptionGroup var global: GlobalOptions

  @Argument(help: "The contribution id, or a unique prefix of at least 8 hex digits.")
  var contribution: String

  @Option(name: .long, help: "Why (optional).")
  var reason: String?

  func run(_ context: Context) throws {
    let store = try context.openStore()
    let identity = try context.identity()
    let curation = Curation(store: store)
    let event = try curation.withdraw(
      contribution, reason: reason, by: identity, clock: context.clock)
    guard case .contributionWithdraw(let body) = event.payload.body else { return }
    let summary = try curation.contribution(body.contribution.hex)
    if context.output.isJSON {
      try context.output.json(ReviewResult(contribution: summary, event: event.id))
    } else {
      context.output.line(
        "Withdrew contribution \(summary.id.hex) (\(summary.records) record(s)); "
          + "event \(event.id.hex)")
    }
  }
}
