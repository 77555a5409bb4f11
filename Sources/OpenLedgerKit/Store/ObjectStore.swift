import Crypto
import Foundation

/// Immutable blobs named by the SHA-256 of their bytes, under a two-hex-digit fan-out.
public struct ObjectStore: Sendable {
  /// `objects/sha256` inside the store.
  public let root: String
  /// `tmp` inside the store, on the same file system, for atomic renames.
  public let staging: String

  public init(root: String, staging: String) {
    self.root = root
    self.staging = staging
  }

  /// Where the object `id` lives (whether or not it exists).
  public func path(for id: Digest) -> String {
    let hex = id.hex
    return "\(root)/\(hex.prefix(2))/\(hex.dropFirst(2))"
  }

  public func contains(_ id: Digest) -> Bool {
    FileSystem.exists(path(for: id))
  }

  /// Stores `data` and returns its id. Storing bytes that exist already writes nothing.
  @discardableResult
  public func put(_ data: Data) throws -> Digest {
    let writer = try makeWriter()
    try writer.append(data)
    return try writer.finish()
  }

  /// Stores `data`, which the caller has just hashed to `id` (an object fetched and checked
  /// against its name), without hashing it again; around the file cache when nothing will read
  /// it back soon. Storing bytes that exist already writes nothing.
  public func put(_ data: Data, hashedAs id: Digest, aroundCache: Bool = false) throws {
    let writer = try ObjectWriter(store: self, aroundCache: aroundCache, id: id)
    try writer.append(data)
    _ = try writer.finish()
  }

  /// A writer that streams a large object (a shard) to disk while hashing it; `aroundCache`
  /// when nothing will read it back soon (see `StagedFile.writeAroundCache`).
  public func makeWriter(aroundCache: Bool = false) throws -> ObjectWriter {
    try ObjectWriter(store: self, aroundCache: aroundCache)
  }

  /// The bytes of object `id`, re-hashed unless `verify` is false. `mapped` maps the file
  /// into memory rather than reading it: for a large object read once (a shard being indexed),
  /// which then costs no copy and no fresh memory. The mapping lives as long as the returned
  /// value; objects are never rewritten in place, and `gc` deletes them only under the
  /// exclusive store lock.
  public func read(_ id: Digest, verify: Bool = true, mapped: Bool = false) throws -> Data {
    let data: Data
    do {
      let path = path(for: id)
      data = try mapped ? MappedFile(path: path).data : FileSystem.read(path)
    } catch let error as SystemError where error.kind == .notFound {
      throw StoreError.objectMissing(id)
    }
    if verify {
      let actual = Digest.of(data)
      guard actual == id else { throw StoreError.objectCorrupt(id, actual: actual) }
    }
    return data
  }

  /// Opens object `id`'s file for reading: its descriptor, which the caller closes, and its path.
  private func openObject(_ id: Digest) throws -> (fd: Int32, path: String) {
    let filePath = path(for: id)
    let fd = open(filePath, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      if errno == ENOENT { throw StoreError.objectMissing(id) }
      throw SystemError("cannot open", path: filePath, code: errno)
    }
    return (fd, filePath)
  }

  /// The first `count` bytes of object `id` (fewer when it is shorter), unverified: enough to
  /// tell what kind of object it is without reading it all.
  public func readPrefix(_ id: Digest, count: Int) throws -> Data {
    let (fd, filePath) = try openObject(id)
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: count)
    var filled = 0
    while filled < count {
      let n = buffer.withUnsafeMutableBytes {
        Glibc.read(fd, $0.baseAddress! + filled, count - filled)
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw SystemError("cannot read", path: filePath, code: errno)
      }
      if n == 0 { break }
      filled += n
    }
    return Data(buffer[0..<filled])
  }

  /// Re-hashes the object's file as it is on disk, streaming, and returns the digest of its bytes.
  public func hashOnDisk(_ id: Digest) throws -> Digest {
    let (fd, filePath) = try openObject(id)
    defer { close(fd) }
    var hasher = SHA256()
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
    defer { buffer.deallocate() }
    while true {
      let n = Glibc.read(fd, buffer.baseAddress!, buffer.count)
      if n < 0 {
        if errno == EINTR { continue }
        throw SystemError("cannot read", path: filePath, code: errno)
      }
      if n == 0 { break }
      hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
    }
    return Digest(bytes: hasher.finalize())
  }

  /// Every object file's name, in order; `malformed` collects paths that are not object names.
  public func allObjects(malformed: inout [String]) throws -> [Digest] {
    var ids = [Digest]()
    for fan in try FileSystem.list(root) {
      let directory = "\(root)/\(fan)"
      guard fan.utf8.count == 2, Hex.isLowercaseHex(fan), FileSystem.isDirectory(directory) else {
        malformed.append(directory)
        continue
      }
      for name in try FileSystem.list(directory) {
        if let id = Digest(hex: fan + name), id.hex == fan + name {
          ids.append(id)
        } else {
          malformed.append("\(directory)/\(name)")
        }
      }
    }
    return ids
  }

  /// The size in bytes of object `id`.
  public func size(of id: Digest) throws -> Int {
    var info = stat()
    guard stat(path(for: id), &info) == 0 else {
      if errno == ENOENT { throw StoreError.objectMissing(id) }
      throw SystemError("cannot stat", path: path(for: id), code: errno)
    }
    return Int(info.st_size)
  }

  /// Deletes object `id`; deleting a missing object is not an error.
  public func remove(_ id: Digest) throws {
    try FileSystem.remove(path(for: id))
  }
}

/// Streams bytes into a new object: a staged temporary file that is hashed as it is written and
/// renamed to its name when finished. Dropped unfinished, it leaves nothing behind.
public final class ObjectWriter {
  private let store: ObjectStore
  private let file: StagedFile
  private var hasher = SHA256()
  /// The id the caller already knows the bytes have, when it does: then they are not hashed.
  private let known: Digest?
  /// Small appends are gathered here and written in large blocks.
  private var pending: [UInt8] = []
  private static let blockSize = 1 << 20
  public private(set) var count = 0

  init(store: ObjectStore, aroundCache: Bool, id: Digest? = nil) throws {
    self.store = store
    self.known = id
    self.file = try StagedFile(in: store.staging, mode: 0o444)
    if aroundCache { file.writeAroundCache() }
    pending.reserveCapacity(Self.blockSize)
  }

  public func append(_ data: Data) throws {
    try data.withUnsafeBytes { try append($0) }
  }

  public func append(_ bytes: UnsafeRawBufferPointer) throws {
    if known == nil { hasher.update(bufferPointer: bytes) }
    count += bytes.count
    if pending.count + bytes.count > Self.blockSize { try flush() }
    if bytes.count >= Self.blockSize {
      try file.write(bytes)
    } else {
      pending.append(contentsOf: bytes)
    }
  }

  private func flush() throws {
    guard !pending.isEmpty else { return }
    try pending.withUnsafeBytes { try file.write($0) }
    pending.removeAll(keepingCapacity: true)
  }

  /// Moves the object into place and returns its id.
  public func finish() throws -> Digest {
    try flush()
    let id = known ?? Digest(bytes: hasher.finalize())
    let destination = store.path(for: id)
    if FileSystem.exists(destination) { return id }
    try FileSystem.makeDirectory((destination as NSString).deletingLastPathComponent)
    try file.commit(to: destination)
    return id
  }
}
