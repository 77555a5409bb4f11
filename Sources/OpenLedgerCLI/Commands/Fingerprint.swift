import ArgumentParser
import Foundation
import OpenLedgerKit

struct Fingerprint: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check files as `contribute` would, without storing anything.",
    discussion: """
      Reports records, exact and near duplicates (inside the input, and against the Datanet \
      with --datanet) and schema violations. Without --datanet the schema comes from the \
      schema flags; without --record-format the format is guessed from the names of the first \
      input's files (a folder's files, an archive's entries): .jsonl, .ndjson or .json for \
      jsonl, .csv for csv, else text; files of several formats need --record-format. Exits 65 \
      when a record is invalid. With --datanet, records a pull brought join the Datanet's \
      near-duplicate index first, as `contribute` would do; nothing else is written.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var ingest: IngestOptionGroup

  @Flag(
    name: .long,
    help: ArgumentHelp(
      "Check as `contribute --skip-invalid` would: list the invalid records, and exit 0 when "
        + "the valid ones could be contributed (nothing is stored)."))
  var skipInvalid = false

  @OptionGroup var schemaOptions: SchemaOptions

  @Option(
    name: .long, help: "Compare with this Datanet and use its schema and policy.",
    completion: .datanets)
  var datanet: String?

  @Argument(help: "Files, folders or archives to read; '-' reads standard input.")
  var inputs: [String]

  func validate() throws {
    if inputs.isEmpty {
      throw ValidationError("name at least one input (a path, or '-' for stdin)")
    }
    if datanet != nil, schemaOptions.schema != nil || schemaOptions.hasFlags {
      throw ValidationError("--datanet brings its own schema; drop the schema flags")
    }
  }

  func run(_ context: Context) throws {
    let paths = try inputPaths(inputs, workingDirectory: context.workingDirectory)
    let report: IngestReport
    if let datanet {
      let store = try context.openStore()
      let format = try Ledger(store: store).datanet(datanet).schema.format
      try context.notePulledRecordsToIndex(in: store, datanet: datanet)
      let progress = Self.progress(paths, format: format, output: context.output)
      defer { progress.finish() }
      report = try Fingerprinter().analyze(
        paths, schema: DatanetSchema(format: .text), datanet: (store, datanet),
        options: ingest.options
      ) { records, bytes in progress.update(items: records, bytes: bytes) }
    } else {
      let guessed =
        schemaOptions.recordFormat == nil && schemaOptions.schema == nil
        ? try RecordFormatGuess.guess(paths, limits: ingest.options.archiveLimits) : .text
      let schema = try schemaOptions.resolve(
        workingDirectory: context.workingDirectory, defaultFormat: guessed)
      let progress = Self.progress(paths, format: schema.format, output: context.output)
      defer { progress.finish() }
      report = try Fingerprinter().analyze(
        paths, schema: schema, datanet: nil, options: ingest.options
      ) { records, bytes in progress.update(items: records, bytes: bytes) }
    }
    let printer = IngestReportPrinter(
      output: context.output, workingDirectory: context.workingDirectory)
    if context.output.isJSON {
      try context.output.json(report)
    } else {
      printer.printViolations(report)
      printer.printSummary(report, storedVerb: "new records")
    }
    if report.invalid > 0 && !skipInvalid {
      throw IngestError.invalidRecordsChecked(count: report.invalid)
    }
  }

  /// A bar over the input's bytes when they are known beforehand, else counters.
  static func progress(_ paths: [InputPath], format: RecordFormat, output: Output) -> ProgressBar {
    ProgressBar(
      label: "fingerprint", unit: "records", output: output,
      total: InputPath.knownBytes(paths, format: format).map(ProgressTotal.bytes))
  }

}
