import Foundation

/// Raw records of one input, the bytes they lie in (part of a read buffer of the
/// `RecordBatcher`), and for CSV the header they are read by.
final class RecordBatch: @unchecked Sendable {
  let bytes: UnsafeRawBufferPointer
  /// The records, their ranges inside `bytes`.
  let records: [RawRecord]
  /// The input's position among those read (`RecordDecider.addInput`).
  let input: Int32
  let header: CSVHeader?
  /// Why the header row is refused, and its line, in the batch that read it.
  let headerViolation: (RecordViolation, Int)?

  /// The span of `view` the records cover, their ranges rebased onto it.
  init(
    view: UnsafeRawBufferPointer, records: [RawRecord], input: Int32, header: CSVHeader?,
    headerViolation: (RecordViolation, Int)?
  ) {
    let start = records.first?.range.lowerBound ?? 0
    let end = records.last?.range.upperBound ?? 0
    bytes = UnsafeRawBufferPointer(rebasing: view[start..<end])
    self.records = records.map { record in
      var moved = record
      moved.range = (record.range.lowerBound - start)..<(record.range.upperBound - start)
      return moved
    }
    self.input = input
    self.header = header
    self.headerViolation = headerViolation
  }
}

/// The size of an input read, and its SHA-256, hashed on a queue of its own while the input
/// was read and finished when `RecordBatcher.read` returns.
struct InputDigest {
  let size: Int
  fileprivate let digest: BackgroundDigest

  func finalize() -> Digest { digest.finalize() }
}

/// The second stage of ingestion: reads one input's bytes in blocks and cuts them into
/// records by the schema's format, handing over the whole records of each block as a batch.
/// A record is never split: the bytes of an unfinished one are carried to the next block, and
/// a record longer than a block makes the block grow, up to `maxRecordBytes`. A UTF-8 byte
/// order mark at the start is dropped; for CSV the first record is the header.
///
/// Input is read into two buffers in turn, and a batch's records are read where they lie, so
/// that one batch can be prepared while the next block is read: after a batch is handed over,
/// the rest of the input goes on in the other buffer. A batch's bytes therefore stay as they
/// are until the next batch has been handed over (the caller must be done with a batch by
/// the time it has taken the one after), or, for an input's last batch, until `read` is
/// called again. The input's SHA-256 is computed from the same bytes on another thread; every
/// change to a buffer waits until the bytes read before are hashed.
final class RecordBatcher {
  private let schema: DatanetSchema
  private let maxRecordBytes: Int
  /// The two buffers input is read into, in turn; they outlive any batch.
  private var buffers: [UnsafeMutableRawBufferPointer]

  /// Cuts records by `schema`'s format, in blocks of `blockSize` bytes (at least 4, so that a
  /// byte order mark fits).
  init(schema: DatanetSchema, maxRecordBytes: Int, blockSize: Int = 8 << 20) {
    precondition(blockSize >= 4, "a block holds at least a byte order mark and a byte")
    self.schema = schema
    self.maxRecordBytes = maxRecordBytes
    buffers = (0..<2).map { _ in .allocate(byteCount: blockSize, alignment: 16) }
  }

  deinit {
    for buffer in buffers { buffer.deallocate() }
  }

  /// Reads `source` to its end and hands each batch of its records, in order, to `take`.
  /// `name` names the input in errors; `input` is its position, passed on in the batches.
  func read(
    _ source: ByteSource, name: String, input: Int32, take: (RecordBatch) throws -> Void
  ) throws -> InputDigest {
    let digest = BackgroundDigest()
    // However reading ends, the digest no longer reads the buffers once this returns.
    defer { digest.wait() }
    var size = 0
    var splitter = makeSplitter()
    var header: CSVHeader?
    var expectsHeader = schema.format == .csv
    var current = 0
    var filled = 0
    var atStart = true
    while true {
      let buffer = buffers[current]
      let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
      digest.update(borrowing: UnsafeRawBufferPointer(rebasing: buffer[filled..<filled + n]))
      size += n
      filled += n
      let isFinal = n == 0
      if atStart {
        // A UTF-8 byte order mark says nothing about the records: it is dropped (the input's
        // SHA-256 still covers it), so the same text gets the same record id with or without.
        if filled < 3 && !isFinal { continue }
        atStart = false
        if filled >= 3, buffer[0] == 0xEF, buffer[1] == 0xBB, buffer[2] == 0xBF {
          digest.wait()
          buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + 3, byteCount: filled - 3)
          filled -= 3
        }
      }
      var records = [RawRecord]()
      let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
      let consumed = splitter.split(view, isFinal: isFinal, into: &records)
      var handedOver = false
      if !records.isEmpty {
        var headerViolation: (RecordViolation, Int)?
        if expectsHeader {
          expectsHeader = false
          let first = records.removeFirst()
          switch CSVHeader.parse(UnsafeRawBufferPointer(rebasing: view[first.range])) {
          case .success(let parsed): header = parsed
          case .failure(let violation): headerViolation = (violation, first.line)
          }
        }
        if let large = records.first(where: { $0.range.count > maxRecordBytes }) {
          throw IngestError.recordTooLarge(input: name, line: large.line, limit: maxRecordBytes)
        }
        if !records.isEmpty || headerViolation != nil {
          try take(
            RecordBatch(
              view: view, records: records, input: input, header: header,
              headerViolation: headerViolation))
          handedOver = true
        }
      }
      digest.wait()
      if handedOver {
        // The batch reads this buffer now; the rest of the input goes on in the other one,
        // free since the batch before was taken.
        let other = 1 - current
        if buffers[other].count < buffer.count {
          buffers[other].deallocate()
          buffers[other] = .allocate(byteCount: buffer.count, alignment: 16)
        }
        buffers[other].baseAddress!.copyMemory(
          from: buffer.baseAddress! + consumed, byteCount: filled - consumed)
        filled -= consumed
        current = other
      } else if consumed > 0 {
        buffer.baseAddress!.copyMemory(
          from: buffer.baseAddress! + consumed, byteCount: filled - consumed)
        filled -= consumed
      }
      if isFinal { break }
      if filled == buffers[current].count {
        let full = buffers[current]
        guard full.count < maxRecordBytes + 2 else {
          throw IngestError.recordTooLarge(
            input: name, line: splitter.pendingLine, limit: maxRecordBytes)
        }
        let larger = UnsafeMutableRawBufferPointer.allocate(
          byteCount: min(full.count * 2, maxRecordBytes + 2), alignment: 16)
        larger.baseAddress!.copyMemory(from: full.baseAddress!, byteCount: filled)
        full.deallocate()
        buffers[current] = larger
      }
    }
    return InputDigest(size: size, digest: digest)
  }

  private func makeSplitter() -> any RecordSplitter {
    switch schema.format {
    case .jsonl: LineSplitter()
    case .csv: CSVSplitter()
    case .text: schema.split == .paragraph ? ParagraphSplitter() : WholeSplitter()
    }
  }
}
