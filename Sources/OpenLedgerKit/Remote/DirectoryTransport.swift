import Foundation

/// A remote in a directory: a shared disk, NFS, a USB stick. Keys are paths under it; a write
/// goes through a staging file in `.staging/` and is linked into place, so it is create-only
/// and a reader never sees part of a file.
public struct DirectoryTransport: RemoteTransport {
  public let root: String
  public let location: String
  public var isWritable: Bool { true }

  /// `root` must exist to be read; `push` creates it when missing (`prepareForWriting`).
  public init(root: String, location: String? = nil) {
    self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    self.location = location ?? root
  }

  func path(_ key: String) throws -> String {
    guard RemoteKey.isValid(key) else {
      throw RemoteError.corrupt(location: location, key: key, reason: "not a valid key")
    }
    return "\(root)/\(key)"
  }

  public func list(prefix: String) throws -> [RemoteEntry] {
    // The directory that holds the keys with this prefix, and the part of the name after it.
    let slash = prefix.lastIndex(of: "/")
    let directoryKey = slash.map { String(prefix[..<$0]) } ?? ""
    let directory = directoryKey.isEmpty ? root : "\(root)/\(directoryKey)"
    try requireRoot()
    var entries = [RemoteEntry]()
    try walk(directory, key: directoryKey) { key, size in
      if key.hasPrefix(prefix) { entries.append(RemoteEntry(key: key, size: size)) }
    }
    return entries.sorted { $0.key < $1.key }
  }

  /// Refuses a root that is missing or not a directory: a wrong path, not a network failure.
  private func requireRoot() throws {
    var info = stat()
    if stat(root, &info) == 0 {
      if (info.st_mode & S_IFMT) == S_IFDIR { return }
      throw RemoteError.noDirectory(location: location, path: root, isFile: true)
    }
    let code = errno
    if code == ENOENT || code == ENOTDIR {
      throw RemoteError.noDirectory(location: location, path: root, isFile: false)
    }
    throw RemoteError.unreachable(
      location: location, detail: SystemError("cannot look at", path: root, code: code).description)
  }

  /// Refuses to write into an openledger store, or into the directory holding one (a remote
  /// named by the store's path): the push would mix the remote's files with the store's.
  private func requireNotAStore() throws {
    if let store = Self.store(at: root) {
      throw RemoteError.storeNotRemote(location: location, holding: store == root ? nil : store)
    }
  }

  /// The store at `directory` (a store's own directory, or one holding `.openledger/`), or nil.
  static func store(at directory: String) -> String? {
    if FileSystem.exists("\(directory)/config.json") { return directory }
    let held = "\(directory)/\(Store.directoryName)"
    return FileSystem.exists("\(held)/config.json") ? held : nil
  }

  /// Calls `body` with every regular file under `directory` (symbolic links and other kinds
  /// of file are not followed: the remote is untrusted), by key.
  private func walk(_ directory: String, key: String, _ body: (String, Int) throws -> Void)
    throws
  {
    for name in try FileSystem.list(directory) where !name.hasPrefix(".") {
      let path = "\(directory)/\(name)"
      let child = key.isEmpty ? name : "\(key)/\(name)"
      var info = stat()
      guard lstat(path, &info) == 0 else { continue }
      switch info.st_mode & S_IFMT {
      case S_IFDIR: try walk(path, key: child, body)
      case S_IFREG: if RemoteKey.isValid(child) { try body(child, Int(info.st_size)) }
      default: continue
      }
    }
  }

  public func has(_ key: String) throws -> Bool {
    var info = stat()
    return lstat(try path(key), &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
  }

  public func get(_ key: String, limit: Int?) throws -> Data {
    let path = try path(key)
    var info = stat()
    guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      try requireRoot()
      throw RemoteError.notFound(location: location, key: key)
    }
    let data: Data
    do {
      if let limit, Int(info.st_size) > limit { throw RemoteError.tooLong(location, key, limit) }
      data = try FileSystem.read(path)
    } catch let error as SystemError where error.kind == .notFound {
      throw RemoteError.notFound(location: location, key: key)
    }
    // The file may have grown between the two looks.
    if let limit, data.count > limit { throw RemoteError.tooLong(location, key, limit) }
    return data
  }

  public func put(_ key: String, contentsOf source: String) throws -> RemotePutOutcome {
    let destination = try path(key)
    try requireNotAStore()
    if try has(key) { return .existed }
    let staged = try stagedFile()
    let input = open(source, O_RDONLY | O_CLOEXEC)
    guard input >= 0 else { throw SystemError("cannot open", path: source, code: errno) }
    defer { close(input) }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let n = read(input, buffer.baseAddress!, buffer.count)
      if n < 0, errno == EINTR { continue }
      guard n >= 0 else { throw SystemError("cannot read", path: source, code: errno) }
      if n == 0 { break }
      try staged.write(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }
    return try commit(staged, to: destination)
  }

  public func put(_ key: String, data: Data) throws -> RemotePutOutcome {
    let destination = try path(key)
    try requireNotAStore()
    if try has(key) { return .existed }
    let staged = try stagedFile()
    try staged.write(data)
    return try commit(staged, to: destination)
  }

  public func delete(_ key: String) throws {
    let path = try path(key)
    try requireNotAStore()
    try FileSystem.remove(path)
  }

  /// Removes the staging files of writes killed midway, older than `age` seconds.
  public func removeAbandonedWrites(olderThan age: TimeInterval) throws -> (count: Int, bytes: Int)
  {
    let staging = "\(root)/.staging"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? []
    let now = Date().timeIntervalSince1970
    var removed = (count: 0, bytes: 0)
    for name in names {
      var info = stat()
      guard lstat("\(staging)/\(name)", &info) == 0, info.st_mode & S_IFMT == S_IFREG,
        now - Double(info.st_mtim.tv_sec) > age
      else { continue }
      try FileSystem.remove("\(staging)/\(name)")
      removed.count += 1
      removed.bytes += Int(info.st_size)
    }
    return removed
  }

  /// Creates the remote's directory when it does not exist yet (a first push).
  public func prepareForWriting() throws {
    try FileSystem.makeDirectory("\(root)/.staging")
  }

  private func stagedFile() throws -> StagedFile {
    try prepareForWriting()
    return try StagedFile(in: "\(root)/.staging", mode: 0o444)
  }

  private func commit(_ staged: StagedFile, to destination: String) throws -> RemotePutOutcome {
    try FileSystem.makeDirectory((destination as NSString).deletingLastPathComponent)
    do {
      try staged.commitExclusively(to: destination)
      return .created
    } catch let error as SystemError where error.code == EEXIST {
      return .existed
    }
  }
}
