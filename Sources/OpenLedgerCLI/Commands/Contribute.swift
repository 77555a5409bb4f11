import ArgumentParser
import Foundation
import OpenLedgerKit

struct Contribute: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Add files, folders, archives or stdin to a Datanet, as one signed contribution.",
    discussion: """
      Input becomes records by the Datanet's schema. Exact duplicates are not stored again \
      (credit stays with the earliest contributor); near duplicates are flagged or refused by \
      the Datanet's policy. Either all of it is stored, or nothing is: an invalid record \
      refuses the whole input (exit 65) unless --skip-invalid is given.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var ingest: IngestOptionGroup

  @Flag(
    name: .long,
    help: "Store the valid records and report the invalid ones, instead of refusing the input.")
  var skipInvalid = false

  @OptionGroup var target: DatanetArgument

  @Argument(help: "Files, folders or archives to read; '-' reads standard input.")
  var inputs: [String]

  func validate() throws {
    if inputs.isEmpty {
      throw ValidationError("name at least one input (a path, or '-' for stdin)")
    }
  }

  func run(_ context: Context) throws {
    let store = try context.openStore()
    let identity = try context.identity()
    let paths = try inputPaths(inputs, workingDirectory: context.workingDirectory)
    let format = try Ledger(store: store).datanet(target.datanet).schema.format
    let progress = ProgressBar(
      label: "contribute", unit: "records", output: context.output,
      total: InputPath.knownBytes(paths, format: format).map(ProgressTotal.bytes))
    var options = ingest.options
    options.skipInvalid = skipInvalid
    try context.notePulledRecordsToIndex(in: store, datanet: target.datanet)
    let outcome = try Contributor(store: store).contribute(
      to: target.datanet, inputs: paths, by: identity, options: options, clock: context.clock,
      workingDirectory: context.workingDirectory,
      waiting: {
        context.output.note(
          "another contribution to \(target.datanet) is being written; waiting for it to finish")
      },
      progress: { records, bytes in progress.update(items: records, bytes: bytes) })
    progress.finish()
    let printer = IngestReportPrinter(
      output: context.output, workingDirectory: context.workingDirectory)
    if context.output.isJSON {
      try context.output.json(ContributeResult(outcome))
      if !outcome.report.violations.isEmpty && outcome.refusal == nil {
        printer.printViolations(outcome.report)
      }
    } else {
      printer.printViolations(outcome.report)
      printer.printSummary(
        outcome.report, storedVerb: outcome.refusal == nil ? "new records" : "valid new records")
      if let event = outcome.event {
        context.output.line(
          "Contribution \(event.id.hex) submitted to \(target.datanet); it is pending review")
      }
    }
    if let refusal = outcome.refusal { throw refusal }
    if outcome.event == nil {
      context.output.note("nothing new to contribute: no event was written")
    }
  }
}

/// `contribute --format json`.
struct ContributeResult: Encodable {
  var contribution: String?
  var status: String
  var report: IngestReport

  init(_ outcome: ContributionOutcome) {
    contribution = outcome.event?.id.hex
    status = outcome.refusal != nil ? "refused" : (outcome.event == nil ? "nothing-new" : "pending")
    report = outcome.report
  }
}
