import ArgumentParser
import Foundation
import OpenLedgerKit

extension ReviewCommand {
  struct Show: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a contribution: sources, records, duplicates, who submitted it and when.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The contribution id, or a unique prefix of at least 8 hex digits.")
    var contribution: String

    @Flag(name: .long, help: "Show every record, not only the first ones.")
    var all = false

    @Option(name: .long, help: "How many records to show without --all.")
    var sample = 10

    func validate() throws {
      if sample < 0 { throw ValidationError("--sample must be 0 or more") }
    }

    func run(_ context: Context) throws {
      let store = try context.openStore()
      let details = try Curation(store: store).details(
        of: contribution, recordLimit: all ? nil : sample)
      if context.output.isJSON {
        try context.output.json(details)
        return
      }
      ContributionPrinter(context: context).print(details)
    }
  }
}

/// `review show` for people.
struct ContributionPrinter {
  let context: Context
  let names: AccountNames
  let output: Output

  init(context: Context) {
    self.context = context
    self.names = context.accountNames()
    self.output = context.output
  }

  func print(_ details: ContributionDetails) {
    let summary = details.contribution
    var table = TextTable(["contribution", summary.id.hex])
    table.add(["datanet", "\(details.datanetName) (\(summary.datanet.short))"])
    table.add(["contributor", names.label(summary.contributor)])
    table.add(["submitted", summary.time])
    table.add(["status", status(summary)])
    table.add([
      "records",
      "\(details.recordsCredited)"
        + (details.recordsRemoved > 0 ? " (\(details.recordsRemoved) removed)" : ""),
    ])
    table.add([
      "shards", "\(details.shards.count) (\(formatBytes(summary.bytes)))",
    ])
    table.add(["schema warnings", "\(summary.invalid) invalid record(s) skipped"])
    output.line(table.rendered)

    output.line()
    output.line("Sources (\(details.sources.count)):")
    var sources = TextTable(["  PATH", "SHA-256", "SIZE", "RECORDS"])
    for source in details.sources {
      sources.add([
        "  \(show(source.path))", source.sha256.short, formatBytes(source.size),
        "\(source.records)",
      ])
    }
    output.line(sources.rendered)

    if summary.invalid > 0 {
      output.line()
      output.line("Invalid records (\(summary.invalid), skipped; not stored):")
      for violation in details.invalidRecords {
        output.line("  \(show(violation.location)): \(violation.message)")
      }
      if details.invalidRecords.count < summary.invalid {
        output.line(
          details.invalidRecords.isEmpty
            ? "  (the contribution's event does not list them)"
            : "  (the contribution's event lists the first \(details.invalidRecords.count))")
      }
    }

    output.line()
    let shown = details.records.count
    output.line(
      shown == details.recordsCredited
        ? "Records (\(shown)):"
        : "Records (first \(shown) of \(details.recordsCredited); --all shows every one):")
    if !details.sourcesKept, !details.records.isEmpty {
      output.line(
        "  (source unknown: this contribution was written before openledger kept each "
          + "record's file and line)")
    }
    var records = TextTable(["  RECORD", "SOURCE", "TEXT"])
    for record in details.records {
      records.add([
        "  \(record.id.short)", record.source.map(show) ?? "unknown",
        excerpt(record.text) + (record.removed ? "  [removed]" : ""),
      ])
    }
    if !details.records.isEmpty { output.line(records.rendered) }

    let duplicates = details.duplicates
    output.line()
    output.line(
      "Exact duplicates: \(duplicates.exactInInput) within the input, "
        + "\(duplicates.exactInDatanet) already in the Datanet (not stored again)")
    for exact in duplicates.exact {
      let duplicate = exact.duplicate
      let what =
        duplicate.firstLocation.map { "same as \(show($0))" }
        ?? exact.matched.map { "already \(describe($0))" } ?? "already in the Datanet"
      output.line("  \(show(duplicate.location))  \(duplicate.record.short)  \(what)")
    }
    output.line(
      "Near duplicates: \(duplicates.nearFlagged) flagged, \(duplicates.nearRejected) refused")
    for near in duplicates.near {
      let duplicate = near.duplicate
      let jaccard = String(format: "%.3f", duplicate.estimatedJaccard)
      let place = duplicate.matchLocation.map { " at \(show($0))" } ?? ""
      output.line(
        "  \(show(duplicate.location))  \(duplicate.record.short) \(duplicate.action.rawValue), "
          + "~\(jaccard) like \(duplicate.matches.short)\(place)")
      if let matched = near.matched {
        output.line("      \(describe(matched)): \(excerpt(matched.record.text))")
      }
    }
    if duplicates.exact.count < duplicates.exactInInput + duplicates.exactInDatanet
      || duplicates.near.count < duplicates.nearFlagged + duplicates.nearRejected
    {
      output.line("  (the contribution's event lists the first \(IngestReport.listLimit) of each)")
    }
  }

  private func status(_ summary: ContributionSummary) -> String {
    guard let by = summary.decidedBy, let at = summary.decidedAt else {
      return summary.status.rawValue
    }
    let verb =
      switch summary.status {
      case .withdrawn: "withdrawn"
      default: summary.status.rawValue
      }
    var text = "\(verb) by \(names.label(by)) at \(at)"
    if let reason = summary.reason { text += ": \(reason)" }
    if let event = summary.decision { text += " (event \(event.short))" }
    return text
  }

  private func describe(_ matched: MatchedRecord) -> String {
    "in contribution \(matched.contribution.short), \(matched.status.rawValue)"
      + "\(matched.record.removed ? ", removed" : ""), by \(names.label(matched.contributor))"
  }

  private func show(_ path: String) -> String {
    show(SourceLocation(input: path, line: 0))
  }

  private func show(_ source: RecordSource) -> String {
    DisplayText.escaped(source.description)
  }

  private func show(_ location: SourceLocation) -> String {
    IngestReportPrinter(output: output, workingDirectory: context.workingDirectory).show(location)
  }

  /// The first line of a text, cut to fit a terminal line, its control characters escaped.
  private func excerpt(_ text: String?, limit: Int = 72) -> String {
    guard let text else { return "(bytes erased by gc)" }
    let line =
      text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
      ?? ""
    return DisplayText.escaped(line.count > limit ? String(line.prefix(limit - 1)) + "…" : line)
  }
}
