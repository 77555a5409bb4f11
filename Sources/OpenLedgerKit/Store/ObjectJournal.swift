import Foundation
import GRDB

/// The objects one write is about to make the catalog reference, listed before they are stored
/// so that a write killed between storing them and committing the catalog can be undone.
///
/// Objects are the truth the catalog is rebuilt from, so a signed event stored but never
/// committed is not harmless litter: a replay would apply it. A review of 40 contributions
/// killed midway left 10 signed reviews that `validate` reported as 22 errors and
/// `rebuild-catalog` applied, accepting 10 of the 40. With a journal, a write is all or none:
///
/// 1. `begin` writes `journal/<random>.json` (the ids, synced) and holds an exclusive `flock`
///    on it for as long as the writer lives;
/// 2. the writer stores the objects and commits the catalog;
/// 3. `finish` removes the journal.
///
/// A journal nobody holds belongs to a writer that died. Its objects that the catalog does not
/// reference never took effect, and `recover` (run at the start of every write, by `gc` and
/// before `rebuild-catalog`) deletes them; replays leave out the objects any journal lists
/// until then (`listedButUnreferenced`).
public final class ObjectJournal {
  public let path: String
  private let fd: Int32
  private let store: Store
  private let ids: [Digest]
  private var open = true

  static func directory(of store: Store) -> String { "\(store.root)/journal" }

  private init(path: String, fd: Int32, store: Store, ids: [Digest]) {
    self.path = path
    self.fd = fd
    self.store = store
    self.ids = ids
  }

  deinit {
    if open { close(fd) }
  }

  /// Lists `ids` in a new journal of `store`, held until `finish` or `abort`.
  public static func begin(_ ids: [Digest], in store: Store) throws -> ObjectJournal {
    let directory = directory(of: store)
    try FileSystem.makeDirectory(directory)
    let name = Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255) })
    // Written under a name `recover` does not read, locked, then renamed: a journal by its
    // final name is always whole and, while its writer lives, held.
    let temporary = "\(directory)/.\(name).tmp"
    let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SystemError("cannot create", path: temporary, code: errno) }
    let journal = ObjectJournal(
      path: "\(directory)/\(name).json", fd: fd, store: store, ids: ids)
    _ = flock(fd, LOCK_EX | LOCK_NB)
    let text = Data((ids.map(\.hex).joined(separator: "\n") + "\n").utf8)
    try text.withUnsafeBytes { bytes in
      var offset = 0
      while offset < bytes.count {
        let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
        if n < 0, errno == EINTR { continue }
        guard n > 0 else { throw SystemError("cannot write", path: temporary, code: errno) }
        offset += n
      }
    }
    guard fsync(fd) == 0, rename(temporary, journal.path) == 0 else {
      let code = errno
      unlink(temporary)
      throw SystemError("cannot write", path: journal.path, code: code)
    }
    try FileSystem.syncDirectory(directory)
    return journal
  }

  /// The catalog committed: the journal goes.
  public func finish() {
    guard open else { return }
    unlink(path)
    close(fd)
    open = false
  }

  /// The catalog did not commit: the listed objects it does not reference are deleted, then
  /// the journal.
  public func abort() {
    guard open else { return }
    _ = try? Self.undo(ids, in: store)
    finish()
  }

  /// The journals of writers that died: each listed object the catalog does not reference is
  /// deleted, then the journal. Returns how many objects were deleted. Journals whose writer
  /// lives are left alone.
  @discardableResult
  public static func recover(in store: Store) throws -> Int {
    var deleted = 0
    for name in try FileSystem.list(directory(of: store)) where name.hasSuffix(".tmp") {
      // Killed while writing its journal: it stored no object yet.
      let path = "\(directory(of: store))/\(name)"
      if !FileSystem.isHeldByALiveProcess(path) { try FileSystem.remove(path) }
    }
    for (path, ids) in try stale(in: store) {
      deleted += try undo(ids, in: store)
      try FileSystem.remove(path)
    }
    return deleted
  }

  /// Objects any journal lists that the catalog does not reference: a write under way (its
  /// writer alive) or one that died (`stale`), which a replay must leave out either way.
  public static func listedButUnreferenced(in store: Store) throws -> (
    underWay: Set<Digest>, interrupted: Set<Digest>
  ) {
    var underWay = Set<Digest>()
    var interrupted = Set<Digest>()
    let staleJournals = Dictionary(try stale(in: store), uniquingKeysWith: { a, _ in a })
    for name in try FileSystem.list(directory(of: store)) where name.hasSuffix(".json") {
      let path = "\(directory(of: store))/\(name)"
      let ids = try staleJournals[path] ?? read(path)
      let unreferenced = try unreferencedAmong(ids, in: store)
      if staleJournals[path] != nil {
        interrupted.formUnion(unreferenced)
      } else {
        underWay.formUnion(unreferenced)
      }
    }
    return (underWay, interrupted)
  }

  /// The journals nobody holds, with the ids they list.
  static func stale(in store: Store) throws -> [(path: String, ids: [Digest])] {
    let directory = directory(of: store)
    var found = [(path: String, ids: [Digest])]()
    for name in try FileSystem.list(directory) where name.hasSuffix(".json") {
      let path = "\(directory)/\(name)"
      if !FileSystem.isHeldByALiveProcess(path) { found.append((path, try read(path))) }
    }
    return found
  }

  private static func read(_ path: String) throws -> [Digest] {
    let data: Data
    do {
      data = try FileSystem.read(path)
    } catch let error as SystemError where error.kind == .notFound {
      return []
    }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap {
      Digest(hex: String($0))
    }
  }

  private static func unreferencedAmong(_ ids: [Digest], in store: Store) throws -> [Digest] {
    guard !ids.isEmpty else { return [] }
    let referenced = try store.catalog.read { db in
      try Set(
        String.fetchAll(
          db,
          sql:
            "SELECT id FROM objects WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
          arguments: StatementArguments(ids.map(\.hex))))
    }
    return ids.filter { !referenced.contains($0.hex) }
  }

  private static func undo(_ ids: [Digest], in store: Store) throws -> Int {
    let unreferenced = try unreferencedAmong(ids, in: store)
    for id in unreferenced { try store.objects.remove(id) }
    return unreferenced.count
  }
}
