import ArgumentParser
import Foundation
import OpenLedgerKit

struct Validate: ContextRunnable {
  static let configuration = CommandConfiguration(
    abstract: "Check a store, a Datanet, or files about to be contributed; for CI.",
    discussion: """
      Without paths: every object is re-hashed, the catalog is checked against the objects, and \
      each Datanet (or only --datanet) has its ledger replayed (signatures, permissions, \
      parents), its records checked against its schema, its index segments against their \
      recorded hashes and its reward manifests verified.

      With paths (and --datanet): the files are read as `contribute` would read them and \
      checked against the Datanet's schema, policy and records; nothing is written. Schema \
      and encoding errors fail (contribute refuses the input); near duplicates (flagged or \
      refused by the policy: contribute stores the rest) and exact duplicates inside the input \
      are warnings; records already in the Datanet are one note.

      Each check lists at most --max-findings findings of each kind (1000 by default); the \
      totals count them all, and every format says when some were not listed.

      --format junit prints JUnit XML (one test case per check); --format github prints \
      workflow annotations (::error file=…,line=…::…). Exits 0 when every check passes, 1 \
      when one fails.
      """)

  enum Format: String, ExpressibleByArgument, CaseIterable {
    case text, json, junit, github
  }

  @OptionGroup var common: CommonOptions

  @Option(name: .long, help: "Output format: text, json, junit or github.")
  var format: Format = .text

  @Option(
    name: .long, help: "The Datanet to check, or to check the files against.",
    completion: .datanets)
  var datanet: String?

  @Flag(
    name: .long,
    help: "Fail on warnings too (duplicates, near duplicates): they are reported as errors.")
  var strict = false

  @Option(
    name: .long,
    help: ArgumentHelp(
      "List at most this many findings of each kind per check; 0 lists all. Totals count every "
        + "finding either way.", valueName: "n"))
  var maxFindings = ValidationReport.defaultFindingLimit

  @OptionGroup var ingest: IngestOptionGroup

  @Argument(help: "Files, folders or archives to check before contributing; '-' reads stdin.")
  var inputs: [String] = []

  func validate() throws {
    if !inputs.isEmpty, datanet == nil {
      throw ValidationError("name the Datanet to check the files against with --datanet")
    }
    guard maxFindings >= 0 else { throw ValidationError("--max-findings must be 0 or more") }
  }

  var contextOptions: (common: CommonOptions, format: OutputFormat) {
    (common, format == .json ? .json : .text)
  }

  func run(_ context: Context) throws {
    let store = try context.openStore()
    var report: ValidationReport
    if inputs.isEmpty {
      let showSteps = context.output.stderrIsTerminal
      // Re-hashing the objects is the long part, and its total is known: a bar for it.
      var objects: ProgressBar?
      report = try StoreValidator(store: store).validate(
        datanet: datanet, findingLimit: maxFindings == 0 ? nil : maxFindings,
        objects: { done, total in
          if objects == nil {
            objects = ProgressBar(
              label: "validate", unit: "objects", output: context.output, total: .items(total))
          }
          objects?.update(items: done)
        },
        progress: { step in
          objects?.finish()
          objects = nil
          if showSteps { context.output.note("validate: \(step)") }
        })
      objects?.finish()
    } else {
      let paths = try inputPaths(inputs, workingDirectory: context.workingDirectory)
      let format = try Ledger(store: store).datanet(datanet!).schema.format
      let progress = ProgressBar(
        label: "validate", unit: "records", output: context.output,
        total: InputPath.knownBytes(paths, format: format).map(ProgressTotal.bytes))
      var options = ingest.options
      options.listLimit = maxFindings == 0 ? Int.max : maxFindings
      report = try InputValidator().validate(
        paths, datanet: (store, datanet!), options: options,
        workingDirectory: context.workingDirectory
      ) { records, bytes in progress.update(items: records, bytes: bytes) }
      progress.finish()
    }
    if strict { report.treatWarningsAsErrors() }
    let printer = ValidationPrinter(workingDirectory: context.workingDirectory)
    switch format {
    case .text: context.output.line(printer.text(report))
    case .json: try context.output.json(report)
    case .junit: context.output.line(printer.junit(report))
    case .github: context.output.line(printer.github(report))
    }
    if !report.passed {
      throw ExitCode(FailureKind.checksFailed.exitStatus)
    }
  }
}
