import CDirectIO
import Foundation

/// Writes to a file around the kernel's file cache (Linux `O_DIRECT`, macOS `F_NOCACHE`), for
/// a large file written once and synced anyway: writing through the cache costs a copy of every
/// byte and a fresh cache page every 4 KiB (on a virtual machine, several times the copy).
///
/// Direct writes need aligned memory, offsets and lengths, so bytes pass through an aligned
/// buffer and the last block is padded; `finish` cuts the padding off. Where a write is refused
/// (a file system without direct I/O answers `EINVAL`), the file goes back to the cache after
/// the bytes written so far and `isOn` turns false: the caller writes the rest as usual.
final class DirectWrites {
  /// The alignment of memory, offsets and lengths.
  static let alignment = 4096
  static let bufferSize = 8 << 20

  private let fd: Int32
  private let path: String
  private let buffer: UnsafeMutableRawBufferPointer
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

  /// Writes what it can of `bytes` directly, after the `length` bytes already in the file, and
  /// returns how many it wrote. Fewer than all means direct writes stopped (`isOn` is false) and
  /// the file is ready for the rest through the cache.
  func write(_ bytes: UnsafeRawBufferPointer, after length: Int) throws -> Int {
    guard isOn else { return 0 }
    // A padded block was written last: what follows cannot be aligned.
    if length % Self.alignment != 0 {
      try stop(at: length)
      return 0
    }
    // Aligned memory of whole blocks goes to the disk as it is, without the buffer's copy.
    if Int(bitPattern: bytes.baseAddress) % Self.alignment == 0,
      bytes.count % Self.alignment == 0
    {
      if try FileSystem.writeAll(bytes, to: fd, path: path, refusable: true) {
        return bytes.count
      }
      try stop(at: length)
      return 0
    }
    var offset = 0
    while offset < bytes.count {
      let part = min(bytes.count - offset, buffer.count)
      buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: part)
      let padded = (part + Self.alignment - 1) / Self.alignment * Self.alignment
      (buffer.baseAddress! + part).initializeMemory(
        as: UInt8.self, repeating: 0, count: padded - part)
      guard
        try FileSystem.writeAll(
          UnsafeRawBufferPointer(rebasing: buffer[0..<padded]), to: fd, path: path,
          refusable: true)
      else {
        try stop(at: length + offset)
        return offset
      }
      offset += part
    }
    return offset
  }

  /// Cuts off the last block's padding, so that the file is `length` bytes long.
  func finish(length: Int) throws {
    guard isOn, length % Self.alignment != 0 else { return }
    guard ftruncate(fd, off_t(length)) == 0 else {
      throw SystemError("cannot write", path: path, code: errno)
    }
  }

  /// Goes back to writing through the cache, after the file's first `length` bytes.
  private func stop(at length: Int) throws {
    isOn = false
    guard ol_set_direct_io(fd, 0) == 0, ftruncate(fd, off_t(length)) == 0,
      lseek(fd, off_t(length), SEEK_SET) >= 0
    else { throw SystemError("cannot write", path: path, code: errno) }
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
