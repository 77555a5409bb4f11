import CDirectIO
import Foundation

/// Writes to a file around the kernel's file cache (Linux `O_DIRECT`, macOS `F_NOCACHE`), for
/// a large file written once and synced anyway: writing through the cache costs a copy of every
/// byte and a fresh cache page every 4 KiB (on a virtual machine, several times the copy).
///
/// Direct writes need aligned memory, offsets and lengths. Bytes gather in an aligned buffer
/// that goes to the disk each time it fills, whatever the sizes of the writes that filled it;
/// `finish` writes the rest padded to a whole block and cuts the padding off. Aligned memory,
/// with nothing waiting in the buffer, goes to the disk as it is but for a last part shorter
/// than a block, which waits in the buffer (a pulled shard's body: no copy). Where a write is
/// refused (a file system without direct I/O answers `EINVAL`), the file goes back to the cache
/// and `isOn` turns false; what follows is written through the cache, every byte kept.
final class DirectWrites {
  /// The alignment of memory, offsets and lengths.
  static let alignment = 4096
  static let bufferSize = 8 << 20

  private let fd: Int32
  private let path: String
  private let buffer: UnsafeMutableRawBufferPointer
  /// Bytes at the start of `buffer` not yet written.
  private var buffered = 0
  /// False once the file went back to writing through the cache.
  private(set) var isOn = true

  /// Turns direct writes on for `fd` (named `path` in errors), which nothing was written to;
  /// nil where the platform or the file system does not allow them.
  init?(fd: Int32, path: String) {
    guard ol_set_direct_io(fd, 1) == 0 else { return nil }
    self.fd = fd
    self.path = path
    self.buffer = .allocate(byteCount: Self.bufferSize, alignment: Self.alignment)
  }

  deinit { buffer.deallocate() }

  /// Writes `bytes` after the bytes written before; what does not fill the buffer waits there
  /// for the next write or `finish`.
  func write(_ bytes: UnsafeRawBufferPointer) throws {
    guard !bytes.isEmpty else { return }
    var offset = 0
    if buffered == 0, Int(bitPattern: bytes.baseAddress) % Self.alignment == 0 {
      offset = bytes.count - bytes.count % Self.alignment
      if offset > 0 { try writeOut(UnsafeRawBufferPointer(rebasing: bytes[0..<offset])) }
    }
    while offset < bytes.count {
      let part = min(bytes.count - offset, buffer.count - buffered)
      (buffer.baseAddress! + buffered).copyMemory(
        from: bytes.baseAddress! + offset, byteCount: part)
      buffered += part
      offset += part
      if buffered == buffer.count {
        try writeOut(UnsafeRawBufferPointer(buffer))
        buffered = 0
      }
    }
  }

  /// Writes what waits in the buffer, padded to a whole block, and cuts the file to `length`,
  /// the bytes it was given in all.
  func finish(length: Int) throws {
    guard buffered > 0 else { return }
    let waiting = buffered
    let padded = isOn ? (waiting + Self.alignment - 1) / Self.alignment * Self.alignment : waiting
    (buffer.baseAddress! + waiting).initializeMemory(
      as: UInt8.self, repeating: 0, count: padded - waiting)
    buffered = 0
    try writeOut(UnsafeRawBufferPointer(rebasing: buffer[0..<padded]))
    guard padded != waiting, ftruncate(fd, off_t(length)) != 0 else { return }
    throw SystemError("cannot write", path: path, code: errno)
  }

  /// Writes `bytes` directly, or through the cache once direct writes were refused.
  private func writeOut(_ bytes: UnsafeRawBufferPointer) throws {
    if isOn {
      if try FileSystem.writeAll(bytes, to: fd, path: path, refusable: true) { return }
      // Refused before any byte of `bytes` was written: the file ends on a block boundary.
      isOn = false
      guard ol_set_direct_io(fd, 0) == 0 else {
        throw SystemError("cannot write", path: path, code: errno)
      }
    }
    _ = try FileSystem.writeAll(bytes, to: fd, path: path)
  }
}

extension FileSystem {
  /// Writes all of `bytes` to `fd` (named `path` in errors). With `refusable`, a direct write
  /// the file system refuses before any byte is written returns false instead of throwing.
  static func writeAll(
    _ bytes: UnsafeRawBufferPointer, to fd: Int32, path: String, refusable: Bool = false
  ) throws -> Bool {
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
      if n < 0 {
        if errno == EINTR { continue }
        if refusable && errno == EINVAL && offset == 0 { return false }
        throw SystemError("cannot write", path: path, code: errno)
      }
      offset += n
    }
    return true
  }
}
