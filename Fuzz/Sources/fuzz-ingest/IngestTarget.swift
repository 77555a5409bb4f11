import Foundation
import FuzzSupport
import OpenLedgerKit

/// The whole reading path of `contribute` and `fingerprint` on any bytes, without a store:
/// `Fingerprinter.analyze` runs the ingestor (Ingest/Ingestor.swift) over one input, as a file
/// and as standard input, for a JSONL, a CSV and a paragraph-text schema: kind detection, the
/// archive reader when it is one, the read buffers and their carry-over, the byte order mark,
/// the record size limit, the splitters and formatters on two worker threads, duplicates in the
/// input and near duplicates by MinHash.
///
/// Properties besides the sanitizers: every valid record is new or a duplicate of an earlier
/// one; the report lists every violation up to its limit; and plain input (not an archive)
/// gives the same report from a file and from standard input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let input = [UInt8](fuzzInput(data, count))
  let scratch = ScratchDirectory.shared
  let path = scratch.write(input, to: "input.jsonl")
  let plain = ArchiveReader.detect(firstBytes: input.prefix(ArchiveReader.detectionByteCount))
  for schema in schemas {
    let fromFile = analyze(.path(path), schema: schema)
    if let report = try? fromFile.get() { expectConsistent(report) }
    // A pipe holds 64 KiB: larger inputs would block the write, with nobody reading yet.
    guard input.count < 60_000, plain == .plain else { continue }
    let fromStandardInput = analyze(.standardInput, schema: schema, writing: input)
    switch (fromFile, fromStandardInput) {
    case (.success(let file), .success(let standardInput)):
      expect(
        summary(file) == summary(standardInput),
        "\(schema.format): a file gives \(summary(file)), standard input \(summary(standardInput))")
    case (.failure, .failure):
      break
    default:
      expect(
        false, "\(schema.format): a file gives \(fromFile), standard input \(fromStandardInput)")
    }
  }
  return 0
}

private let schemas = [
  DatanetSchema(format: .jsonl, textFields: ["text"], required: ["text"]),
  DatanetSchema(format: .csv, textFields: ["text"], maxLength: 300),
  DatanetSchema(format: .text, minLength: 2, split: .paragraph),
]

/// `fingerprint`'s options, with two workers and a small record limit that inputs of fuzzing
/// size can reach.
private let options = {
  var options = IngestOptions()
  options.workers = 2
  options.maxRecordBytes = 2048
  options.skipInvalid = true
  return options
}()

private func analyze(_ input: InputPath, schema: DatanetSchema, writing bytes: [UInt8] = [])
  -> Result<IngestReport, any Error>
{
  var fds: [Int32] = [0, 0]
  if input == .standardInput {
    guard pipe(&fds) == 0 else {
      expect(false, "no pipe: errno \(errno)")
      return .failure(CocoaError(.fileWriteUnknown))
    }
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = write(fds[1], raw.baseAddress! + offset, raw.count - offset)
        guard n > 0 else { break }
        offset += n
      }
    }
    close(fds[1])
  }
  defer { if input == .standardInput { close(fds[0]) } }
  return Result {
    try Fingerprinter().analyze(
      [input], schema: schema, datanet: nil, options: options, standardInput: fds[0])
  }
}

private func expectConsistent(_ report: IngestReport) {
  expect(
    report.recordsNew + report.exactDuplicatesInInput + report.nearDuplicatesRejected
      == report.recordsRead,
    "\(report.recordsRead) records read: \(report.recordsNew) new, "
      + "\(report.exactDuplicatesInInput) duplicates, \(report.nearDuplicatesRejected) refused")
  expect(
    report.violations.count == min(report.invalid, IngestReport.listLimit),
    "\(report.invalid) invalid records, \(report.violations.count) listed")
}

/// What a report says, its input's name aside.
private func summary(_ report: IngestReport) -> [String] {
  [
    "bytes \(report.bytesRead)", "read \(report.recordsRead)", "new \(report.recordsNew)",
    "duplicates \(report.exactDuplicatesInInput)", "near \(report.nearDuplicatesFlagged)",
    "invalid \(report.invalid)",
  ] + report.violations.map { "\($0.location.line) \($0.code)" }
    + report.inputs.map { "\($0.sha256) \($0.size) \($0.records)" }
}
