import Foundation

/// A file mapped read-only into memory, unmapped when the value goes away.
public final class MappedFile: @unchecked Sendable {
  public let path: String
  public let bytes: UnsafeRawBufferPointer

  public init(path: String) throws {
    self.path = path
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemError("cannot open", path: path, code: errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw SystemError("cannot stat", path: path, code: errno) }
    let size = Int(info.st_size)
    if size == 0 {
      bytes = UnsafeRawBufferPointer(start: nil, count: 0)
      return
    }
    let address = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0)
    guard let address, address != MAP_FAILED else {
      throw SystemError("cannot map", path: path, code: errno)
    }
    bytes = UnsafeRawBufferPointer(start: address, count: size)
  }

  /// The mapped bytes as `Data`, without a copy: the mapping lives as long as the value does.
  public var data: Data {
    guard let base = bytes.baseAddress else { return Data() }
    return Data(
      bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: bytes.count,
      deallocator: .custom { _, _ in withExtendedLifetime(self) {} })
  }

  deinit {
    if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
  }
}
