import ArgumentParser
import Foundation
import OpenLedgerKit

/// Flags shared by commands that read input: the limits. `--skip-invalid` means something
/// different to each command that takes it, so each declares it with its own help.
struct IngestOptionGroup: ParsableArguments {
  @Option(
    name: .long, help: ArgumentHelp("The longest record accepted (e.g. 64MiB).", valueName: "size"))
  var maxRecordSize = ByteSize(64 << 20)

  @Option(
    name: .long,
    help: ArgumentHelp(
      "How much all archives may expand to, in total (default 8GiB).", valueName: "size"))
  var maxExpandedSize: ByteSize?

  @Option(
    name: .long,
    help: ArgumentHelp("How large one archive entry may be (default 4GiB).", valueName: "size"))
  var maxEntrySize: ByteSize?

  @Option(name: .long, help: "How many entries an archive may hold (default 1000000).")
  var maxEntries: Int?

  @Option(name: .long, help: "How many times its size an archive may expand (default 200).")
  var maxRatio: Int?

  func validate() throws {
    guard maxRecordSize.bytes > 0 else {
      throw ValidationError("--max-record-size must be positive")
    }
    if let maxEntries, maxEntries < 1 { throw ValidationError("--max-entries must be positive") }
    if let maxRatio, maxRatio < 1 { throw ValidationError("--max-ratio must be positive") }
  }

  var options: IngestOptions {
    var options = IngestOptions()
    options.maxRecordBytes = Int(maxRecordSize.bytes)
    if let maxExpandedSize { options.archiveLimits.maxExpandedBytes = maxExpandedSize.bytes }
    if let maxEntrySize { options.archiveLimits.maxEntryBytes = maxEntrySize.bytes }
    if let maxEntries { options.archiveLimits.maxEntries = maxEntries }
    if let maxRatio { options.archiveLimits.maxRatio = Int64(maxRatio) }
    return options
  }
}

/// Turns command-line input arguments into inputs: `-` is standard input, anything else a path
/// relative to the working directory.
func inputPaths(_ arguments: [String], workingDirectory: String) throws -> [InputPath] {
  guard arguments.filter({ $0 == "-" }).count <= 1 else {
    throw ValidationError("'-' (standard input) may be given once")
  }
  return arguments.map { argument in
    if argument == "-" { return .standardInput }
    // `./x`, `x/./y` and `x//y` name the same file as `x` and `x/y`: reports and events name it
    // one way. `..` is kept: it depends on symbolic links.
    let path = argument.hasPrefix("/") ? argument : "\(workingDirectory)/\(argument)"
    let parts = path.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    return .path("/" + parts.joined(separator: "/"))
  }
}

/// Prints an ingestion report for people.
struct IngestReportPrinter {
  let output: Output
  let workingDirectory: String

  /// Paths under the working directory are shown relative to it, on one line (a name with
  /// control characters shows them escaped).
  func show(_ location: SourceLocation) -> String {
    DisplayText.escaped(
      SourceLocation(
        input: FileSystem.relative(location.input, to: workingDirectory), line: location.line
      ).description)
  }

  /// Violations go to stderr, one `file:line: message` per line, as compilers print them.
  func printViolations(_ report: IngestReport) {
    for violation in report.violations {
      Diagnostics.note("\(show(violation.location)): \(violation.message)")
    }
    if report.invalid > report.violations.count {
      Diagnostics.note("… and \(report.invalid - report.violations.count) more invalid record(s)")
    }
  }

  func printSummary(_ report: IngestReport, storedVerb: String) {
    let inputs = report.inputs.count
    output.line(
      "Read \(inputs) input\(inputs == 1 ? "" : "s") (\(formatBytes(report.bytesRead))) as "
        + "\(report.recordFormat.rawValue): "
        + "\(report.recordsRead) record(s)")
    var table = TextTable(["  \(storedVerb)", "\(report.recordsNew)"])
    let exact = report.exactDuplicatesInInput + report.exactDuplicatesInDatanet
    table.add([
      "  exact duplicates",
      "\(exact) (\(report.exactDuplicatesInInput) within the input, "
        + "\(report.exactDuplicatesInDatanet) already in the Datanet)",
    ])
    table.add([
      "  near duplicates",
      "\(report.nearDuplicatesFlagged) flagged, \(report.nearDuplicatesRejected) refused",
    ])
    table.add(["  invalid", "\(report.invalid)"])
    output.line(table.rendered)
    if !report.skippedFiles.isEmpty {
      output.line(
        "  skipped \(report.skippedFiles.count) file(s): "
          + SkippedFile.summary(report.skippedFiles, format: report.recordFormat) {
            show(SourceLocation(input: $0, line: 0))
          })
    }
    if !report.nearDuplicates.isEmpty {
      output.line("Near duplicates:")
      for near in report.nearDuplicates {
        let match = near.matchLocation.map(show) ?? "record \(near.matches.short) in the Datanet"
        output.line(
          "  \(show(near.location)) ~ \(match) (estimated Jaccard "
            + String(format: "%.3f", near.estimatedJaccard) + ", \(near.action.rawValue))")
      }
    }
    if !report.exactDuplicates.isEmpty {
      output.line("Exact duplicates:")
      for duplicate in report.exactDuplicates.prefix(20) {
        let first =
          duplicate.firstLocation.map { "same as \(show($0))" } ?? "already in the Datanet"
        output.line("  \(show(duplicate.location)): \(first)")
      }
      if report.exactDuplicates.count > 20 {
        output.line("  … \(report.exactDuplicates.count - 20) more (see --format json)")
      }
    }
  }
}

/// A size on the command line: a number of bytes, optionally with a unit (KB, MB, GB, KiB, MiB,
/// GiB, TiB).
struct ByteSize: ExpressibleByArgument, Sendable {
  let bytes: Int64

  init(_ bytes: Int64) { self.bytes = bytes }

  init?(argument: String) {
    let text = argument.trimmingCharacters(in: .whitespaces)
    let digits = text.prefix { $0.isNumber }
    guard let value = Int64(digits), !digits.isEmpty else { return nil }
    let units: [String: Int64] = [
      "": 1, "b": 1, "k": 1 << 10, "kb": 1000, "kib": 1 << 10, "m": 1 << 20, "mb": 1_000_000,
      "mib": 1 << 20, "g": 1 << 30, "gb": 1_000_000_000, "gib": 1 << 30, "t": 1 << 40,
      "tb": 1_000_000_000_000, "tib": 1 << 40,
    ]
    let unit = text.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).lowercased()
    guard let multiplier = units[unit] else { return nil }
    let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
    guard !overflow else { return nil }
    bytes = product
  }

  var defaultValueDescription: String { "\(bytes)" }
}

extension Context {
  /// Says that a command comparing records with Datanet `datanet` first indexes the records a
  /// pull brought (`Store.indexPendingNearDuplicates`), which takes a while for a large clone.
  func notePulledRecordsToIndex(in store: Store, datanet: String) throws {
    let shards = try store.pendingNearDuplicateShards(of: Ledger(store: store).datanet(datanet).id)
    guard shards > 0 else { return }
    output.note(
      "first indexing the records of \(shards) pulled shard(s) for near-duplicate search (once "
        + "after a pull)")
  }
}
