import ArgumentParser
import OpenLedgerKit

struct IndexCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "index",
    abstract: "Build, compact and inspect a Datanet's attribution index.",
    discussion: """
      The attribution index is derived from the Datanet's accepted records: suffix-array \
      segments under the store's indexes/ folder that `openledger attribute` and `rewards` \
      search. Removed records are masked at once and leave the files at `index compact`.
      """,
    subcommands: [Build.self, Compact.self, Status.self])
}

/// Prints what a build or compaction wrote.
func printBuildReport(
  _ report: AttributionIndex.BuildReport, datanet: String, verb: String, context: Context
) throws {
  if context.output.isJSON {
    try context.output.json(report)
    return
  }
  if report.segments.isEmpty && report.retired.isEmpty {
    context.output.note("the attribution index of \(datanet) is up to date")
    return
  }
  var table = TextTable(["SEGMENT", "RECORDS", "TOKENS", "SIZE"])
  for segment in report.segments {
    table.add([
      segment.id.short, "\(segment.records)", "\(segment.tokens)", formatBytes(segment.bytes),
    ])
  }
  if !report.segments.isEmpty { context.output.line(table.rendered) }
  var summary =
    "\(verb) \(report.segments.count) segment(s): \(report.records) records, "
    + "\(report.tokens) tokens, from \(report.contributions) contribution(s)"
  if !report.retired.isEmpty { summary += "; retired \(report.retired.count) segment(s)" }
  context.output.note(summary)
}
