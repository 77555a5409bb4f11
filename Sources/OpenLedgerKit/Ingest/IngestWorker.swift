import Crypto
import Foundation

/// The per-thread part of ingestion: formats records, hashes them and computes their
/// signatures. Results stay in the worker's buffers until the ingestor has decided on them.
struct IngestWorker {
  struct Result {
    var id: RecordID
    var violation: RecordViolation?
    var canonical: Range<Int>
  }

  var formatter: RecordFormatter
  private let minHasher = MinHasher()
  private(set) var results: [Result] = []
  private var canonical: [UInt8] = []
  private var signatures: [UInt16] = []

  init(schema: DatanetSchema) {
    formatter = RecordFormatter(schema: schema)
  }

  mutating func reset() {
    results.removeAll(keepingCapacity: true)
    canonical.removeAll(keepingCapacity: true)
    signatures.removeAll(keepingCapacity: true)
  }

  /// Prepares `records`, whose bytes are in `buffer`.
  mutating func run(
    buffer: UnsafeRawBufferPointer, records: ArraySlice<RawRecord>, header: CSVHeader?
  ) {
    reset()
    for raw in records {
      let violation = formatter.format(
        UnsafeRawBufferPointer(rebasing: buffer[raw.range]), header: header)
      let start = canonical.count
      guard violation == nil else {
        results.append(
          Result(id: RecordID(words: (0, 0, 0, 0)), violation: violation, canonical: start..<start))
        signatures.append(contentsOf: repeatElement(0, count: CompactSignature.count))
        continue
      }
      canonical.append(contentsOf: formatter.canonical)
      let id = formatter.canonical.withUnsafeBytes { RecordID(of: $0) }
      results.append(Result(id: id, violation: nil, canonical: start..<canonical.count))
      appendSignature(id: id)
    }
  }

  private mutating func appendSignature(id: RecordID) {
    signatures.append(
      contentsOf: CompactSignature.compute(text: formatter.text, id: id, hasher: minHasher))
  }

  /// Calls `body` with the compact signature of result `item`.
  func withSignature<T>(_ item: Int, _ body: (UnsafeBufferPointer<UInt16>) throws -> T) rethrows
    -> T
  {
    try signatures.withUnsafeBufferPointer {
      try body(
        UnsafeBufferPointer(
          rebasing: $0[(item * CompactSignature.count)..<((item + 1) * CompactSignature.count)]))
    }
  }

  /// Calls `body` with the canonical bytes of result `item`.
  func canonicalBytes<T>(_ item: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
    try canonical.withUnsafeBytes {
      try body(UnsafeRawBufferPointer(rebasing: $0[results[item].canonical]))
    }
  }
}
