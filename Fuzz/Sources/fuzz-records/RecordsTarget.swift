import FuzzSupport

@testable import OpenLedgerKit

/// The record layer on any bytes, as one input file: each splitter (JSONL lines, CSV rows, text
/// paragraphs, whole text; Ingest/RecordSplitter.swift), the formatter that makes canonical
/// records of what they cut and checks them against a schema (Ingest/RecordFormatter.swift),
/// and the MinHash fingerprint of each record's text (Fingerprint/), as `contribute` runs them.
///
/// Properties besides the sanitizers:
/// - every record a splitter returns lies inside the buffer it was given, and it consumes no
///   more than that buffer;
/// - the input fed in pieces of any size (as a pipe delivers it) gives the same records and
///   line numbers as the input fed whole;
/// - a CSV row's canonical record is canonical JSON (canonicalizing it again changes nothing);
/// - every MinHash code path (each kernel the CPU has, words found in place or from the
///   tokenizer) gives the same signature.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecords(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let input = [UInt8](fuzzInput(data, count))
  var pieces = PieceSizes(seed: input)
  for format in Format.allCases {
    let whole = split(input, with: format.splitter()) { input.count }
    let piecewise = split(input, with: format.splitter()) { pieces.next() }
    expect(
      whole.elementsEqual(piecewise, by: { $0.bytes == $1.bytes && $0.line == $1.line }),
      "\(format): the input fed in pieces gives other records than fed whole")
    for schema in format.schemas { formatRecords(whole, schema: schema) }
  }
  return 0
}

private enum Format: CaseIterable {
  case jsonl, csv, textFile, textParagraphs

  func splitter() -> any RecordSplitter {
    switch self {
    case .jsonl: LineSplitter()
    case .csv: CSVSplitter()
    case .textFile: WholeSplitter()
    case .textParagraphs: ParagraphSplitter()
    }
  }

  /// A lenient schema and a strict one (required fields, length limits).
  var schemas: [DatanetSchema] {
    switch self {
    case .jsonl, .csv:
      let recordFormat: RecordFormat = self == .jsonl ? .jsonl : .csv
      return [
        DatanetSchema(format: recordFormat),
        DatanetSchema(
          format: recordFormat, textFields: ["title", "text"], required: ["id", "text"],
          minLength: 3, maxLength: 200),
      ]
    case .textFile:
      return [DatanetSchema(format: .text, minLength: 1, maxLength: 4000)]
    case .textParagraphs:
      return [DatanetSchema(format: .text, split: .paragraph)]
    }
  }
}

private struct Record {
  var bytes: [UInt8]
  var line: Int
}

/// Splits `input` fed in pieces of `nextPiece()` bytes the way the ingestor feeds its buffer:
/// the unconsumed rest of one call starts the buffer of the next.
private func split(
  _ input: [UInt8], with splitter: any RecordSplitter, nextPiece: () -> Int
) -> [Record] {
  var splitter = splitter
  var records: [Record] = []
  var pending: [UInt8] = []
  var offset = 0
  while true {
    let take = min(nextPiece(), input.count - offset)
    pending.append(contentsOf: input[offset..<offset + take])
    offset += take
    let isFinal = take == 0
    var raw: [RawRecord] = []
    let consumed = pending.withUnsafeBytes {
      splitter.split($0, isFinal: isFinal, into: &raw)
    }
    expect(
      consumed >= 0 && consumed <= pending.count,
      "consumed \(consumed) of \(pending.count) bytes")
    for record in raw {
      expect(
        record.range.lowerBound >= 0 && record.range.upperBound <= pending.count,
        "record \(record.range) outside a buffer of \(pending.count) bytes")
      records.append(Record(bytes: Array(pending[record.range]), line: record.line))
    }
    pending.removeFirst(consumed)
    if isFinal { break }
  }
  return records
}

/// Piece sizes drawn from a generator seeded by the input, so a crash reproduces.
private struct PieceSizes {
  private var state: UInt64
  private static let sizes = [1, 2, 3, 7, 16, 64, 4096]

  init(seed input: [UInt8]) {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in input { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    state = hash
  }

  mutating func next() -> Int {
    state = state &+ 0x9e37_79b9_7f4a_7c15
    var z = state
    z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
    z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
    z ^= z >> 31
    return Self.sizes[Int(z % UInt64(Self.sizes.count))]
  }
}

/// Formats each record by `schema` as an ingest worker does (the first CSV row is the header),
/// then checks the canonical CSV record and the fingerprints of every valid record.
private func formatRecords(_ records: [Record], schema: DatanetSchema) {
  var formatter = RecordFormatter(schema: schema)
  var rows = records[...]
  var header: CSVHeader?
  if schema.format == .csv, let first = rows.popFirst() {
    if case .success(let parsed) = first.bytes.withUnsafeBytes({ CSVHeader.parse($0) }) {
      header = parsed
    }
  }
  for record in rows {
    let violation = record.bytes.withUnsafeBytes { formatter.format($0, header: header) }
    guard violation == nil else { continue }
    let id = formatter.canonical.withUnsafeBytes { RecordID(of: $0) }
    if schema.format == .csv { expectCanonical(formatter.canonical) }
    expectSameSignatures(formatter.text, id: id)
  }
}

private func expectCanonical(_ record: [UInt8]) {
  var canonicalizer = JSONCanonicalizer()
  var again: [UInt8] = []
  do {
    try record.withUnsafeBytes { try canonicalizer.canonicalize($0, into: &again) }
  } catch {
    expect(false, "a CSV row's canonical record is not JSON: \(error)")
  }
  expect(again == record, "a CSV row's canonical record is not canonical JSON")
}

private let reference = MinHasher(kernel: .portable)
private let kernels = MinHashKernel.allCases.filter(\.isSupported).map { MinHasher(kernel: $0) }

private func expectSameSignatures(_ text: [UInt8], id: RecordID) {
  text.withUnsafeBytes { text in
    let expected = reference.signature(utf8: text, words: .tokens)
    for hasher in kernels {
      for words in [MinHasher.WordSource.fused, .tokens] {
        expect(
          hasher.signature(utf8: text, words: words) == expected,
          "the \(hasher.kernel) kernel with \(words) words gives another signature")
      }
    }
  }
  _ = CompactSignature.compute(text: text, id: id, hasher: reference)
}
