import Foundation

/// A private directory for the targets that read files: made once per process under
/// `$TMPDIR` (else `/tmp`), emptied before each input, removed at exit.
public final class ScratchDirectory: @unchecked Sendable {
  public let path: String

  /// The process's scratch directory.
  public static let shared = ScratchDirectory()

  private init() {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
    var template = Array("\(base ?? "/tmp")/openledger-fuzz.XXXXXX".utf8CString)
    guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
      fatalError("cannot make a scratch directory under \(base ?? "/tmp"): errno \(errno)")
    }
    path = String(cString: made)
    atexit { ScratchDirectory.removeShared() }
  }

  private static func removeShared() {
    try? FileManager.default.removeItem(atPath: shared.path)
  }

  /// Removes everything in the directory.
  public func clear() {
    for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
      try? FileManager.default.removeItem(atPath: "\(path)/\(name)")
    }
  }

  /// Writes `bytes` to `name` inside the directory (folders in `name` must exist) and returns
  /// the file's path.
  @discardableResult
  public func write(_ bytes: [UInt8], to name: String) -> String {
    let file = "\(path)/\(name)"
    let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { fatalError("cannot create \(file): errno \(errno)") }
    defer { close(fd) }
    bytes.withUnsafeBytes { raw in
      var offset = 0
      while offset < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
        guard n > 0 else { fatalError("cannot write \(file): errno \(errno)") }
        offset += n
      }
    }
    return file
  }

  /// Makes the folder `name` inside the directory and returns its path.
  @discardableResult
  public func makeFolder(_ name: String) -> String {
    let folder = "\(path)/\(name)"
    guard mkdir(folder, 0o700) == 0 || errno == EEXIST else {
      fatalError("cannot make \(folder): errno \(errno)")
    }
    return folder
  }
}
