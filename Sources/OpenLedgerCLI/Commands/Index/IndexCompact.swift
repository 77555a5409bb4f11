import ArgumentParser
import OpenLedgerKit

extension IndexCommand {
  struct Compact: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Rewrite the index as one segment, without removed records.",
      discussion: """
        Rebuilds the whole index from the records the Datanet publishes now (accepted, not \
        removed) and retires the old segments. Attribution results do not change, except that \
        masked records are gone from the files. Also repairs a damaged or missing segment.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      let progress = ProgressBar(label: "compact", unit: "records", output: context.output)
      let report = try AttributionIndex(store: store, datanet: state).compact(
        clock: context.clock
      ) { records, bytes in progress.update(items: records, bytes: bytes) }
      progress.finish()
      try printBuildReport(report, datanet: state.name, verb: "wrote", context: context)
    }
  }
}
