import ArgumentParser
import Foundation
import OpenLedgerKit

struct Fingerprint: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Check files as `contribute` would, without writing anything.",
    discussion: """
      Reports records, exact and near duplicates (inside the input, and against the Datanet \
      with --datanet) and schema violations. Without --datanet the schema comes from the \
      schema flags, or from the first input's extension (.jsonl, .csv, else text). Exits 65 \
      when a record is invalid.
      """)

  @OptionGroup var global: GlobalOptions
  @OptionGroup var ingest: IngestOptionGroup
  @OptionGroup var schemaOptions: SchemaOptions

  @Option(name: .long, help: "Compare with this Datanet and use its schema and policy.")
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

  func run() throws {
    let context = Context(global)
    let paths = try inputPaths(inputs, workingDirectory: context.workingDirectory)
    let progress = ProgressBar(label: "fingerprint", unit: "records", output: context.output)
    let report: IngestReport
    if let datanet {
      let store = try context.openStore()
      report = try Fingerprinter().analyze(
        paths, schema: DatanetSchema(format: .text), datanet: (store, datanet),
        options: ingest.options
      ) { records, bytes in progress.update(items: records, bytes: bytes) }
    } else {
      let schema = try schemaOptions.resolve(
        workingDirectory: context.workingDirectory, defaultFormat: Self.guessFormat(inputs))
      report = try Fingerprinter().analyze(
        paths, schema: schema, datanet: nil, options: ingest.options
      ) { records, bytes in progress.update(items: records, bytes: bytes) }
    }
    progress.finish()
    let printer = IngestReportPrinter(
      output: context.output, workingDirectory: context.workingDirectory)
    if context.output.isJSON {
      try context.output.json(report)
    } else {
      printer.printViolations(report)
      printer.printSummary(report, storedVerb: "new records")
    }
    if report.invalid > 0 && !ingest.skipInvalid {
      throw IngestError.invalidRecords(count: report.invalid)
    }
  }

  private static func guessFormat(_ inputs: [String]) -> RecordFormat {
    let name = inputs.first { $0 != "-" }?.lowercased() ?? ""
    if name.hasSuffix(".jsonl") || name.hasSuffix(".ndjson") || name.contains(".jsonl.") {
      return .jsonl
    }
    if name.hasSuffix(".csv") || name.contains(".csv.") { return .csv }
    return .text
  }
}
