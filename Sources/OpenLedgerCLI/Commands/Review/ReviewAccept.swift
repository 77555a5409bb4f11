import ArgumentParser
import OpenLedgerKit

extension ReviewCommand {
  struct Accept: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Accept pending contributions: their records join the Datanet's published data.",
      discussion: """
        Only the Datanet's curators may review (anyone else: exit 77, nothing written). Each \
        contribution gets one signed contribution.review event; either all are recorded or none.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Contribution ids, or unique prefixes of at least 8 hex digits.")
    var contributions: [String]

    @Option(name: .long, help: "Why (optional for an acceptance).")
    var reason: String = ""

    func validate() throws {
      if contributions.isEmpty { throw ValidationError("name at least one contribution") }
    }

    func run(_ context: Context) throws {
      try ReviewDecisionRun(contributions: contributions, reason: reason)
        .run(.accept, context: context)
    }
  }
}

/// What `review accept` and `review reject` share: resolve, sign, report.
struct ReviewDecisionRun {
  var contributions: [String]
  var reason: String

  func run(_ decision: ReviewDecision, context: Context) throws {
    let store = try context.openStore()
    let identity = try context.identity()
    let curation = Curation(store: store)
    let events = try curation.review(
      contributions, decision: decision, reason: reason, by: identity, clock: context.clock)
    let reviewed = try events.map { event -> ReviewResult in
      guard case .contributionReview(let body) = event.payload.body else {
        throw ValidationError("internal: not a review event")
      }
      return ReviewResult(
        contribution: try curation.contribution(body.contribution.hex), event: event.id)
    }
    if context.output.isJSON {
      try context.output.json(reviewed)
      return
    }
    for result in reviewed {
      let summary = result.contribution
      context.output.line(
        "\(summary.status.rawValue.capitalized) contribution \(summary.id.hex) "
          + "(\(summary.records) record(s)); event \(result.event.hex)")
    }
  }
}

/// One reviewed contribution, as `review accept|reject --format json` prints it.
struct ReviewResult: Encodable {
  var contribution: ContributionSummary
  var event: Digest
}
