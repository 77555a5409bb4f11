import ArgumentParser
import OpenLedgerKit

extension ReviewCommand {
  struct Reject: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Reject pending contributions, with a reason.",
      discussion: """
        Only the Datanet's curators may review (anyone else: exit 77, nothing written). A \
        rejected contribution's records stay out of the Datanet; the same records contributed \
        again later are stored and credited to the new contribution.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Contribution ids, or unique prefixes of at least 8 hex digits.")
    var contributions: [String]

    @Option(name: .long, help: "Why they are rejected (required).")
    var reason: String

    func validate() throws {
      if contributions.isEmpty { throw ValidationError("name at least one contribution") }
      if reason.allSatisfy(\.isWhitespace) {
        throw ValidationError(CurationError.reasonRequired(action: "rejecting").description)
      }
    }

    func run(_ context: Context) throws {
      try ReviewDecisionRun(contributions: contributions, reason: reason)
        .run(.reject, context: context)
    }
  }
}
