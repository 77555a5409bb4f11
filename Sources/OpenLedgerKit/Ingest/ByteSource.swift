import Foundation

/// Something an input's bytes are read from: a file, stdin, or an archive entry.
protocol ByteSource: AnyObject {
  /// Reads up to `buffer.count` bytes; 0 at the end.
  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// Reads a file descriptor with read(2).
final class FileByteSource: ByteSource {
  let fd: Int32
  let name: String
  private let owned: Bool

  /// Opens `path` for reading.
  init(path: String) throws {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw IngestError.cannotRead(path: path, code: errno) }
    self.fd = fd
    self.name = path
    self.owned = true
  }

  /// Reads an already open descriptor (stdin), without closing it.
  init(fd: Int32, name: String) {
    self.fd = fd
    self.name = name
    self.owned = false
  }

  deinit {
    if owned { close(fd) }
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    while true {
      let n = Glibc.read(fd, buffer.baseAddress!, buffer.count)
      if n >= 0 { return n }
      if errno != EINTR { throw IngestError.cannotRead(path: name, code: errno) }
    }
  }
}

/// Bytes already in memory, read before the rest of a stream (the sniffed start of stdin).
final class PrefixedByteSource: ByteSource {
  private var prefix: [UInt8]
  private var offset = 0
  private let rest: ByteSource

  init(prefix: [UInt8], rest: ByteSource) {
    self.prefix = prefix
    self.rest = rest
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    if offset < prefix.count {
      let count = min(buffer.count, prefix.count - offset)
      prefix.withUnsafeBytes { bytes in
        buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
      }
      offset += count
      return count
    }
    return try rest.read(into: buffer)
  }
}

/// The bytes of the current entry of an archive.
final class ArchiveEntrySource: ByteSource {
  private let reader: ArchiveReader
  private var pending = UnsafeRawBufferPointer(start: nil, count: 0)

  init(reader: ArchiveReader) {
    self.reader = reader
  }

  func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
    if pending.isEmpty {
      guard let chunk = try reader.readChunk() else { return 0 }
      pending = chunk
    }
    let count = min(buffer.count, pending.count)
    buffer.baseAddress!.copyMemory(from: pending.baseAddress!, byteCount: count)
    pending = UnsafeRawBufferPointer(rebasing: pending[count...])
    return count
  }
}
