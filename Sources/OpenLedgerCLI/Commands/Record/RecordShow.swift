import ArgumentParser
import Foundation
import OpenLedgerKit

extension RecordCommand {
  struct Show: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show a record: text, contributor, status, source, near duplicates, epochs.",
      discussion: """
        Prints the record's text (for JSON and CSV Datanets, the record as indented JSON), the \
        Datanet, the contribution it is credited to and its contributor (by the name of a \
        local identity where one holds the key), its status (pending, accepted, rejected, \
        withdrawn, taken down) with the event that set it and why, the file, archive entry and \
        line it was read from ("unknown" for contributions written before openledger kept \
        them), the near duplicates its Datanet's duplicate reports pair it with, and the \
        reward epochs that credited it: the outputs that paid its contributor are attributed \
        again over the index segments each epoch used, as `manifest verify --recompute` does. \
        A record held by several Datanets is shown for each (--datanet picks one). An unknown \
        id exits 66; a prefix several records share exits 64.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The record id, or a unique prefix of at least 8 hex digits.")
    var record: String

    @Option(help: "Only in this Datanet (its name or id).")
    var datanet: String?

    func run(_ context: Context) throws {
      let store = try context.openStore()
      let found = try Curation(store: store).record(record, datanet: datanet)
      let names = context.accountNames()
      var shown = [Shown]()
      for details in found {
        let state = try Ledger(store: store).datanet(details.datanet.hex)
        let epochs = try RewardEpochs(store: store, datanet: state).credits(
          ofRecord: RecordID(details.record),
          contributor: details.contribution.contributor)
        shown.append(
          Shown(
            details: details, contributorName: names.names[details.contribution.contributor],
            epochs: epochs))
      }
      if context.output.isJSON {
        try context.output.json(shown)
        return
      }
      let printer = RecordPrinter(output: context.output, names: names)
      for (index, entry) in shown.enumerated() {
        if index > 0 { context.output.line() }
        printer.print(entry)
      }
    }
  }
}

/// A record as `record show` prints it: the core's details, the contributor's local name, the
/// epochs that credited it, and for JSON the record itself as a JSON value.
struct Shown: Encodable {
  var details: RecordDetails
  var contributorName: String?
  var epochs: [RecordEpochCredit]

  private enum Keys: String, CodingKey {
    case contributorName, epochs, json
  }

  func encode(to encoder: Encoder) throws {
    try details.encode(to: encoder)
    var container = encoder.container(keyedBy: Keys.self)
    try container.encodeIfPresent(contributorName, forKey: .contributorName)
    try container.encode(epochs, forKey: .epochs)
    if details.format != .text, let canonical = details.canonical {
      try container.encodeIfPresent(JSONDocument.parse(canonical), forKey: .json)
    }
  }
}

/// `record show` for people.
struct RecordPrinter {
  let output: Output
  let names: AccountNames

  func print(_ shown: Shown) {
    let details = shown.details
    let summary = details.contribution
    var table = TextTable(["record", details.record.hex])
    table.add(["datanet", "\(details.datanetName) (\(details.datanet.short))"])
    table.add(["status", status(details)])
    table.add(["contribution", "\(summary.id.hex) (\(summary.status.rawValue))"])
    table.add(["contributor", names.label(summary.contributor)])
    table.add(["submitted", summary.time])
    table.add([
      "source",
      details.source.map(Self.describe)
        ?? (details.sourceKept
          ? "unknown"
          : "unknown (its contribution was written before openledger kept each record's "
            + "file and line)"),
    ])
    for link in details.nearDuplicateOf {
      table.add(["near duplicate of", describe(link, verb: "flagged by its contribution")])
    }
    for link in details.nearDuplicates {
      table.add([
        "near duplicate", describe(link, verb: "\(link.action.rawValue) in contribution"),
      ])
    }
    if shown.epochs.isEmpty {
      table.add(["epochs", "none credited it"])
    }
    for credit in shown.epochs {
      table.add(["epoch \(credit.epoch)", describe(credit)])
    }
    output.line(table.rendered)
    output.line()
    output.line(body(details))
  }

  /// The status, with who set it, when, why, and by which event.
  private func status(_ details: RecordDetails) -> String {
    let word = details.status == .takenDown ? "taken down" : details.status.rawValue
    guard let event = details.statusEvent else { return word }
    var text = "\(word) by \(names.label(event.actor)) at \(event.time)"
    if let reason = event.reason { text += ": \(reason)" }
    return text + " (\(event.type) \(event.event.short))"
  }

  static func describe(_ source: RecordSource) -> String {
    var text = source.path
    if let entry = source.entry { text += ", entry \(entry)" }
    if let line = source.line { text += ", line \(line)" }
    return text
  }

  private func describe(_ link: NearDuplicateLink, verb: String) -> String {
    var text =
      "\(link.record.short), estimated Jaccard \(String(format: "%.3f", link.estimatedJaccard)), "
      + "\(verb) \(link.reportedBy.short)"
    if let location = link.location { text += " (read at \(location))" }
    if let contribution = link.contribution, let status = link.status {
      text += "; credited to \(contribution.short), \(status.rawValue)"
    }
    return text
  }

  private func describe(_ credit: RecordEpochCredit) -> String {
    let outputs =
      credit.inferences.prefix(4).joined(separator: ", ")
      + (credit.inferences.count > 4 ? ", … (\(credit.inferences.count))" : "")
    guard let units = credit.units else {
      return "cannot be recomputed (its index segments were compacted away); its contributor "
        + "earned \(credit.contributorAmount) from \(credit.inferences.count) output(s): \(outputs)"
    }
    return "\(RewardsTable.tokens(TokenAmount(units))) token(s) of credit in "
      + "\(credit.inferences.count) output(s): \(outputs); its contributor earned "
      + "\(credit.contributorAmount) from them"
  }

  /// The record's text, or its JSON indented (as stored, when indenting would change a number).
  private func body(_ details: RecordDetails) -> String {
    guard let canonical = details.canonical else {
      return "(its bytes were erased by gc after it was removed)"
    }
    guard details.format != .text else { return details.text ?? canonical }
    guard let document = JSONDocument.parse(canonical),
      let pretty = try? CanonicalEncoder.encodePretty(document)
    else { return canonical }
    return String(decoding: pretty, as: UTF8.self)
  }
}
