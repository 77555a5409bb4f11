import Foundation
import Testing

@testable import OpenLedgerKit

/// Bytes in memory, read at most `chunk` bytes at a time, as a pipe or an archive hands them.
final class MemorySource: ByteSource {
  private let bytes: [UInt8]
  private let chunk: Int
  private var offset = 0

  init(_ bytes: [UInt8], chunk: Int = .max) {
    self.bytes = bytes
    self.chunk = chunk
  }

  convenience init(_ text: String, chunk: Int = .max) {
    self.init(Array(text.utf8), chunk: chunk)
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    let count = min(buffer.count, chunk, bytes.count - offset)
    bytes.withUnsafeBytes {
      buffer.baseAddress!.copyMemory(from: $0.baseAddress! + offset, byteCount: count)
    }
    offset += count
    return count
  }
}

/// Every byte of `source`, read to its end.
func readToEnd(_ source: ByteSource) throws -> [UInt8] {
  var bytes = [UInt8]()
  var block = [UInt8](repeating: 0, count: 4096)
  while true {
    let n = try block.withUnsafeMutableBytes { try source.read(into: $0) }
    if n == 0 { return bytes }
    bytes.append(contentsOf: block[0..<n])
  }
}

/// JSONL lines with the given texts, one record each.
func jsonLines(_ texts: [String]) -> String {
  texts.map { "{\"text\": \"\($0)\"}\n" }.joined()
}

/// JSONL text laid out in a buffer of its own and cut into one batch, as the batcher would
/// hand it over; the buffer lives as long as this.
final class LaidOutBatch {
  private let buffer: UnsafeMutableRawBufferPointer
  let batch: RecordBatch

  init(_ text: String, input: Int32 = 0) {
    let bytes = Array(text.utf8)
    buffer = .allocate(byteCount: max(1, bytes.count), alignment: 16)
    buffer.copyBytes(from: bytes)
    let view = UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count])
    var splitter = LineSplitter()
    var records = [RawRecord]()
    _ = splitter.split(view, isFinal: true, into: &records)
    batch = RecordBatch(
      view: view, records: records, input: input, header: nil, headerViolation: nil)
  }

  deinit {
    buffer.deallocate()
  }
}
