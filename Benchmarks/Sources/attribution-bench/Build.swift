import ArgumentParser
import Foundation
import OpenLedgerKit

/// Builds one index segment over a corpus, on one core, and reports the time of each phase,
/// the size on disk and the peak memory. Optionally writes the same token stream in
/// infini-gram's format (`tokenized.0`, `offset.0`) for its indexer.
struct Build: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Build a segment from a corpus (documents separated by blank lines).")

  @Argument(help: "The corpus.")
  var corpus: String

  @Option(help: "The directory to write the segment into (its parent for the segment id).")
  var out: String

  @Option(help: "Also write infini-gram's tokenized.0 and offset.0 here, from the same tokens.")
  var infiniGram: String?

  func run() throws {
    let clock = ContinuousClock()
    let corpus = try Corpus(path: corpus)
    let bytes = corpus.documents.reduce(0) { $0 + $1.count }
    note("corpus: \(corpus.documents.count) documents, \(bytes) bytes")
    let contributors = (0..<64).map { AccountID(hex: String(format: "%064x", $0 + 1))! }
    let contribution = Digest(hex: String(repeating: "c", count: 64))!

    // Record ids come with the records in `index build`; hash them before the clock starts.
    let hashStart = threadCPUSeconds()
    let ids = corpus.documents.indices.map { RecordID(of: corpus.document($0)) }
    let hashSeconds = threadCPUSeconds() - hashStart
    let scanStart = threadCPUSeconds()
    var scanned = 0
    for index in corpus.documents.indices {
      Tokenizer.forEachToken(in: corpus.document(index)) { _, _, _ in scanned += 1 }
    }
    let scanSeconds = threadCPUSeconds() - scanStart

    let start = clock.now
    let cpuStart = threadCPUSeconds()
    let builder = SegmentBuilder()
    for index in corpus.documents.indices {
      let text = corpus.document(index)
      builder.add(
        record: ids[index], contributor: contributors[index % contributors.count],
        contribution: contribution, text: text)
    }
    let tokenized = clock.now
    let cpuTokenized = threadCPUSeconds()
    try FileManager.default.createDirectory(atPath: "\(out)/tmp", withIntermediateDirectories: true)
    let (id, manifest) = try builder.write(into: out, stagingDirectory: "\(out)/tmp")
    let end = clock.now
    let cpuEnd = threadCPUSeconds()
    let total = (end - start).seconds
    let tokens = manifest.tokens
    let diskBytes = manifest.fileBytes
    let result: [String: Any] = [
      "segment": "\(out)/\(id.hex)",
      "documents": corpus.documents.count,
      "corpus_bytes": bytes,
      "tokens": tokens,
      "vocabulary": manifest.vocabulary,
      "tokenize_seconds": (tokenized - start).seconds,
      "cpu_record_hashing_seconds_excluded": hashSeconds,
      "cpu_tokenizer_alone_seconds": scanSeconds,
      "ordering_seconds": builder.orderingTime.wall.seconds,
      "suffix_array_seconds": builder.suffixSortingTime.wall.seconds,
      "write_seconds": builder.fileWritingTime.wall.seconds,
      "cpu_ordering_seconds": builder.orderingTime.cpu.seconds,
      "cpu_suffix_array_seconds": builder.suffixSortingTime.cpu.seconds,
      "cpu_write_seconds": builder.fileWritingTime.cpu.seconds,
      "total_seconds": total,
      "tokens_per_second": Double(tokens) / total,
      "cpu_suffix_array_tokens_per_second":
        Double(tokens) / builder.suffixSortingTime.cpu.seconds,
      "index_bytes": diskBytes,
      "bytes_per_token": Double(diskBytes) / Double(tokens),
      "peak_memory_mb": peakMemoryMegabytes(),
      "cpu_tokenize_seconds": cpuTokenized - cpuStart,
      "cpu_total_seconds": cpuEnd - cpuStart,
      "cpu_tokens_per_second": Double(tokens) / (cpuEnd - cpuStart),
    ]
    print(try jsonLine(result))
    if let infiniGram {
      try exportInfiniGram(segment: "\(out)/\(id.hex)", to: infiniGram)
    }
  }

  /// Writes the segment's token stream as infini-gram's u16 `tokenized.0` (each document
  /// preceded by the separator 0xffff) and `offset.0` (u64 byte offset of each document).
  private func exportInfiniGram(segment path: String, to directory: String) throws {
    let segment = try IndexSegment(directory: path)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    var stream = [UInt16]()
    stream.reserveCapacity(segment.positionCount)
    var offsets = [UInt64]()
    var atStart = true
    for position in 0..<segment.positionCount {
      let word = segment.token(at: position)
      if atStart {
        offsets.append(UInt64(stream.count * 2))
        stream.append(InfiniGramIDs.separator)
        atStart = false
      }
      if word == 0 {
        atStart = true
      } else {
        stream.append(InfiniGramIDs.map(word, vocabulary: segment.manifest.vocabulary))
      }
    }
    try stream.withUnsafeBytes {
      try Data($0).write(to: URL(fileURLWithPath: "\(directory)/tokenized.0"))
    }
    try offsets.withUnsafeBytes {
      try Data($0).write(to: URL(fileURLWithPath: "\(directory)/offset.0"))
    }
    note("infini-gram stream: \(stream.count) u16 tokens, \(offsets.count) documents")
  }
}
