import Foundation

/// Small, careful POSIX file operations: the only place the core opens, syncs and renames files.
public enum FileSystem {
  /// `path` relative to `directory` when it lies under it, as the user and CI tools name it;
  /// otherwise `path` as it is.
  public static func relative(_ path: String, to directory: String) -> String {
    path.hasPrefix(directory + "/") ? String(path.dropFirst(directory.count + 1)) : path
  }

  /// Whether anything exists at `path` (without following a final symlink).
  public static func exists(_ path: String) -> Bool {
    var info = stat()
    return lstat(path, &info) == 0
  }

  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Creates `path` and missing parents with `mode`; succeeds when it is already a directory.
  public static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
    if isDirectory(path) { return }
    let parent = (path as NSString).deletingLastPathComponent
    if !parent.isEmpty, parent != path, !isDirectory(parent) {
      try makeDirectory(parent, mode: mode)
    }
    if mkdir(path, mode) != 0, errno != EEXIST {
      throw SystemError("cannot create directory", path: path, code: errno)
    }
  }

  /// Reads the whole file at `path`.
  public static func read(_ path: String) throws -> Data {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemError("cannot open", path: path, code: errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw SystemError("cannot stat", path: path, code: errno) }
    var data = Data(count: Int(info.st_size))
    var filled = 0
    try data.withUnsafeMutableBytes { buffer in
      while filled < buffer.count {
        let n = Glibc.read(fd, buffer.baseAddress! + filled, buffer.count - filled)
        if n < 0 {
          if errno == EINTR { continue }
          throw SystemError("cannot read", path: path, code: errno)
        }
        if n == 0 { break }
        filled += n
      }
    }
    if filled < data.count { data.removeSubrange(filled...) }
    return data
  }

  /// Flushes the directory entry table of `path` to disk, so a rename in it survives a crash.
  public static func syncDirectory(_ path: String) throws {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    guard fd >= 0 else { throw SystemError("cannot open directory", path: path, code: errno) }
    defer { close(fd) }
    if fsync(fd) != 0 { throw SystemError("cannot sync directory", path: path, code: errno) }
  }

  /// Writes `data` to `path` atomically: a temporary file in `stagingDirectory`, fsync, rename,
  /// fsync of the directory. Readers see the old file or the new one, never a part.
  ///
  /// With `durable` false the two fsyncs are left out: the rename is still atomic, but a crash
  /// may lose the file. For outputs that can be written again (exports), not for the store.
  public static func writeAtomically(
    _ data: Data, to path: String, stagingDirectory: String, mode: mode_t = 0o644,
    durable: Bool = true
  ) throws {
    let file = try StagedFile(in: stagingDirectory, mode: mode)
    try file.write(data)
    try file.commit(to: path, durable: durable)
  }

  /// The permission bits of `path`.
  public static func mode(_ path: String) throws -> mode_t {
    var info = stat()
    guard stat(path, &info) == 0 else { throw SystemError("cannot stat", path: path, code: errno) }
    return info.st_mode & 0o7777
  }

  /// The names in directory `path`, sorted; an empty list when it does not exist.
  public static func list(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else {
      if errno == ENOENT { return [] }
      throw SystemError("cannot list", path: path, code: errno)
    }
    defer { closedir(dir) }
    var names = [String]()
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.baseAddress!.assumingMemoryBound(to: CChar.self))
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }

  public static func remove(_ path: String) throws {
    if unlink(path) != 0, errno != ENOENT {
      throw SystemError("cannot remove", path: path, code: errno)
    }
  }

  /// Whether a live process holds an exclusive `flock` on the file at `path`, as a
  /// `StagedFile` or a journal does while it is being written. False when the file is gone.
  public static func isHeldByALiveProcess(_ path: String) -> Bool {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    while flock(fd, LOCK_SH | LOCK_NB) != 0 {
      if errno == EINTR { continue }
      return errno == EWOULDBLOCK
    }
    flock(fd, LOCK_UN)
    return false
  }

  /// The size and the age in seconds (by its last modification) of the file at `path`.
  public static func sizeAndAge(_ path: String) -> (bytes: Int, age: Double)? {
    var info = stat()
    guard lstat(path, &info) == 0 else { return nil }
    let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    return (Int(info.st_size), Date().timeIntervalSince1970 - modified)
  }
}

/// A file being written under a temporary name, renamed into place only when complete.
///
/// A staged file that is dropped before `commit` is deleted, so an error midway leaves nothing.
public final class StagedFile {
  public let temporaryPath: String
  private let fd: Int32
  private let mode: mode_t
  private var finished = false
  /// Bytes written so far (some may still wait in the direct writes' buffer).
  private var length = 0
  /// While writing around the cache.
  private var direct: DirectWrites?

  public init(in stagingDirectory: String, mode: mode_t = 0o644) throws {
    var template = Array("\(stagingDirectory)/staged-XXXXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else {
      throw SystemError("cannot create a temporary file in", path: stagingDirectory, code: errno)
    }
    self.fd = fd
    self.mode = mode
    self.temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    // Held until the file is closed: a staging file nobody holds was left by a process that
    // died (`FileSystem.isHeldByALiveProcess`), and the next write may sweep it.
    _ = flock(fd, LOCK_EX | LOCK_NB)
  }

  deinit {
    if !finished {
      close(fd)
      unlink(temporaryPath)
    }
  }

  /// Makes the writes that follow go around the kernel's file cache where the platform and file
  /// system allow it (`DirectWrites`), for a large file written once: `commit` syncs it anyway.
  /// Where it is not allowed, or a write is refused, writing goes through the cache as usual.
  public func writeAroundCache() {
    guard direct == nil, length == 0 else { return }
    direct = DirectWrites(fd: fd, path: temporaryPath)
  }

  public func write(_ data: Data) throws {
    try data.withUnsafeBytes { try write($0) }
  }

  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    if let direct {
      try direct.write(bytes)
    } else {
      _ = try FileSystem.writeAll(bytes, to: fd, path: temporaryPath)
    }
    length += bytes.count
  }

  /// Whether writes still go around the cache (`writeAroundCache`, and none was refused).
  var isWritingAroundCache: Bool { direct?.isOn ?? false }

  /// Syncs the file, gives it its final mode, renames it to `path` and syncs the directory
  /// (the syncs only when `durable`).
  public func commit(to path: String, durable: Bool = true) throws {
    try prepareToCommit(durable: durable)
    guard rename(temporaryPath, path) == 0 else {
      throw SystemError("cannot move a finished file to", path: path, code: errno)
    }
    finished = true
    close(fd)
    if durable { try FileSystem.syncDirectory((path as NSString).deletingLastPathComponent) }
  }

  /// Like `commit`, but fails with `EEXIST` instead of replacing a file already at `path`.
  public func commitExclusively(to path: String) throws {
    try prepareToCommit()
    guard link(temporaryPath, path) == 0 else {
      throw SystemError("cannot create", path: path, code: errno)
    }
    finished = true
    close(fd)
    unlink(temporaryPath)
    try FileSystem.syncDirectory((path as NSString).deletingLastPathComponent)
  }

  private func prepareToCommit(durable: Bool = true) throws {
    precondition(!finished, "a staged file is committed once")
    try direct?.finish(length: length)
    guard fchmod(fd, mode) == 0 else {
      throw SystemError("cannot set the mode of", path: temporaryPath, code: errno)
    }
    if durable, fsync(fd) != 0 {
      throw SystemError("cannot sync", path: temporaryPath, code: errno)
    }
  }
}
