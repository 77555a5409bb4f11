import ArgumentParser
import OpenLedgerKit

/// Which contributions `review list` shows.
enum StatusFilter: String, ExpressibleByArgument, CaseIterable {
  case pending, accepted, rejected, withdrawn, all

  var status: ContributionStatus? { ContributionStatus(rawValue: rawValue) }
}

extension ReviewCommand {
  struct List: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "List a Datanet's contributions: pending ones by default.",
      discussion: """
        Columns: the contribution, its contributor, when it was submitted, its status, the \
        records it added, the exact and near duplicates it carried, and its schema warnings \
        (invalid records skipped with --skip-invalid).
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Option(name: .long, help: "pending, accepted, rejected, withdrawn or all.")
    var status: StatusFilter = .pending

    @Option(name: .long, help: "Only this contributor's: an account id or a local identity's name.")
    var contributor: String?

    func run(_ context: Context) throws {
      let store = try context.openStore()
      let account = try contributor.map(context.resolveAccount)
      let contributions = try Curation(store: store).contributions(
        of: target.datanet, status: status.status, contributor: account)
      if context.output.isJSON {
        try context.output.json(contributions)
        return
      }
      if contributions.isEmpty {
        let which = status == .all ? "" : "\(status.rawValue) "
        context.output.note("no \(which)contributions in \(target.datanet)")
        return
      }
      let names = context.accountNames()
      var table = TextTable([
        "CONTRIBUTION", "CONTRIBUTOR", "SUBMITTED", "STATUS", "RECORDS", "EXACT DUP", "NEAR DUP",
        "SCHEMA WARNINGS",
      ])
      for contribution in contributions {
        table.add([
          contribution.id.short, names.label(contribution.contributor), contribution.time,
          contribution.status.rawValue, "\(contribution.records)",
          "\(contribution.exactDuplicates)", "\(contribution.nearDuplicates)",
          "\(contribution.invalid)",
        ])
      }
      context.output.line(table.rendered)
    }
  }
}
