import ArgumentParser
import OpenLedgerKit

extension IndexCommand {
  struct Build: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Index the accepted records that the index does not cover yet.",
      discussion: """
        Adds a segment for the contributions accepted since the last build; does nothing when \
        the index is up to date. Prints the segments written.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      let index = AttributionIndex(store: store, datanet: state)
      let progress = ProgressBar(
        label: "index", unit: "records", output: context.output,
        total: .items(try index.status().pendingRecords))
      let report = try index.build(
        clock: context.clock
      ) { records, bytes in progress.update(items: records, bytes: bytes) }
      progress.finish()
      try printBuildReport(report, datanet: state.name, verb: "added", context: context)
    }
  }
}
