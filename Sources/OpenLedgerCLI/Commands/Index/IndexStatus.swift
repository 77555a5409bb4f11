import ArgumentParser
import OpenLedgerKit

extension IndexCommand {
  struct Status: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show the index's segments, tokens, records and size.",
      discussion: """
        Also counts the records masked since they were indexed (removed; `index compact` drops \
        them) and the accepted contributions not indexed yet (`index build` adds them), and \
        gives the bytes on disk per token.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      let status = try AttributionIndex(store: store, datanet: state).status()
      if context.output.isJSON {
        try context.output.json(status)
        return
      }
      var table = TextTable(["SEGMENT", "RECORDS", "TOKENS", "SIZE", "BYTES/TOKEN", "CREATED"])
      for segment in status.segments {
        table.add([
          segment.id.short, "\(segment.records)", "\(segment.tokens)", formatBytes(segment.bytes),
          segment.tokens > 0
            ? String(format: "%.2f", Double(segment.bytes) / Double(segment.tokens)) : "-",
          segment.created,
        ])
      }
      table.add([
        "total", "\(status.records)", "\(status.tokens)", formatBytes(status.bytes),
        status.tokens > 0 ? String(format: "%.2f", status.bytesPerToken) : "-", "",
      ])
      context.output.line("attribution index of \(status.name) (\(status.datanet.short))")
      context.output.line(table.rendered)
      context.output.line("masked records (removed since indexed): \(status.maskedRecords)")
      context.output.line("accepted contributions not indexed yet: \(status.pendingContributions)")
      if status.olderFormatSegments > 0 {
        context.output.note(
          "note: \(status.olderFormatSegments) segment(s) are in an older, larger format; they "
            + "are still read, and `openledger index compact \(state.name)` rewrites them")
      }
    }
  }
}
