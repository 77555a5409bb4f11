import Crypto
import Foundation

/// Failures of `export`.
public enum ExportError: OpenLedgerError {
  case outputNotEmpty(String)
  case outputNotADirectory(String)
  /// The output is a symbolic link to nothing.
  case outputDanglingLink(String, target: String)
  case nothingToExport(datanet: String)

  public var kind: FailureKind {
    switch self {
    case .outputNotEmpty, .outputNotADirectory, .outputDanglingLink: .cannotCreate
    case .nothingToExport: .dataError
    }
  }

  public var description: String {
    switch self {
    case .outputNotEmpty(let path):
      "\(path) exists and is not empty; choose another --out, or pass --force to replace it"
    case .outputNotADirectory(let path):
      "\(path) exists and is not a directory; choose another --out"
    case .outputDanglingLink(let path, let target):
      "\(path) is a symbolic link to \(target), which does not exist; create the directory it "
        + "points to, or choose another --out"
    case .nothingToExport(let datanet):
      "Datanet \(datanet) has no accepted records to export; curators accept contributions "
        + "with `openledger review accept`"
    }
  }
}

/// A file an export wrote.
public struct ExportedFile: Codable, Sendable, Equatable {
  /// Relative to the export directory.
  public var path: String
  public var sha256: Digest
  public var bytes: Int
  public var records: Int
}

/// What an export wrote.
public struct ExportReport: Codable, Sendable {
  public var datanet: Digest
  public var name: String
  /// The export directory.
  public var directory: String
  /// The Datanet's ledger heads the export reflects.
  public var heads: [Digest]
  public var records: Int
  public var contributors: Int
  /// The record shards, then `datapackage.json` and `croissant.json`.
  public var files: [ExportedFile]
  /// Staging directories of earlier exports into the same place that were interrupted (killed),
  /// removed before this one started: their names, beside the export directory.
  public var staleStagingRemoved: [String]
}

/// Exports a Datanet's published records (`DatanetRecords`) as a dataset for training:
///
/// ```
/// DIR/data/records-00000.jsonl …   the records, with their provenance, in shards
/// DIR/datapackage.json             Frictionless Data Package: files, sizes, SHA-256, schema
/// DIR/croissant.json               MLCommons Croissant 1.0: files with SHA-256, a RecordSet
/// ```
///
/// Each JSONL line is canonical JSON (sorted keys, no spaces): `record_id`, `contribution`,
/// `contributor`, `contributor_name` (the local identity's name, or null), `source` (the file,
/// archive entry and line the record was read from, or null when its contribution did not keep
/// it), `text` (the record's text fields), and for JSON and CSV Datanets `record`, the record
/// itself: its canonical JSON, embedded as a JSON value, whose bytes hash to `record_id` (for
/// text Datanets the SHA-256 of `text` does). The same ledger state and local identity names
/// always give the same bytes. The export is
/// written in a staging directory beside DIR and renamed into place when complete, so a
/// failure leaves nothing half written; a staging directory a killed export left is removed by
/// the next export into DIR (`ExportStaging`). DIR may be a symbolic link to a directory: the
/// export goes where it points.
public struct DatanetExport: Sendable {
  public let store: Store

  public init(store: Store) {
    self.store = store
  }

  /// A new shard is started before one would pass this many bytes.
  public static let defaultShardBytes = 256 << 20

  /// Exports Datanet `reference` into `directory`. Contributors are named in the records and
  /// the metadata by `names` (the local identities' names, by account) where it has them.
  public func export(
    _ reference: String, to directory: String, shardBytes: Int = defaultShardBytes,
    force: Bool = false, names: [AccountID: String] = [:],
    progress: (_ records: Int, _ total: Int) -> Void = { _, _ in }
  ) throws -> ExportReport {
    let state = try Ledger(store: store).datanet(reference)
    let destination = try ExportError.resolveOutput(directory)
    try ExportError.checkOutput(destination, force: force)
    let published = try DatanetRecords(store: store, datanet: state)
    let count = try published.count()
    if count.records == 0 { throw ExportError.nothingToExport(datanet: state.name) }
    let ledger = try published.ledgerState()

    let parent = (destination as NSString).deletingLastPathComponent
    try FileSystem.makeDirectory(parent.isEmpty ? "." : parent)
    let staleRemoved = ExportStaging.removeStale(beside: destination)
    let staging = try ExportStaging(beside: destination)
    try FileSystem.makeDirectory("\(staging.path)/data")

    var writer = ShardFileWriter(
      directory: staging.path, shardBytes: max(shardBytes, 1),
      withRecord: state.schema.format != .text)
    var text = RecordText(schema: state.schema)
    var contributors = [AccountID: Int]()
    // The total counts removed records too; they are few, and the bar ends at the last record.
    let total = try published.contributions().reduce(0) { $0 + $1.records }
    var written = 0
    try published.forEachRecord(sources: true) { record in
      contributors[record.contributor, default: 0] += 1
      written += 1
      progress(written, total)
      try writer.append(
        record, text: text.extract(record.bytes), contributorName: names[record.contributor])
    }
    var files = try writer.finish()

    let metadata = ExportMetadata(
      state: state, ledger: ledger, files: files, contributors: contributors,
      withRecord: state.schema.format != .text, names: names)
    for (name, value) in [
      ("datapackage.json", try metadata.dataPackage()),
      ("croissant.json", try metadata.croissant()),
    ] {
      let file = try StagedFile(in: staging.path)
      try file.write(value)
      try file.commit(to: "\(staging.path)/\(name)")
      files.append(
        ExportedFile(path: name, sha256: Digest.of(value), bytes: value.count, records: 0))
    }
    try FileSystem.syncDirectory("\(staging.path)/data")
    try staging.move(to: destination, replacing: force)
    return ExportReport(
      datanet: state.id, name: state.name, directory: directory, heads: ledger.heads,
      records: files.reduce(0) { $0 + $1.records }, contributors: contributors.count,
      files: files, staleStagingRemoved: staleRemoved)
  }
}

/// Writes the JSONL shards of an export, hashing them as it goes.
private struct ShardFileWriter {
  let directory: String
  let shardBytes: Int
  let withRecord: Bool
  private var file: StagedFile?
  private var hasher = SHA256()
  private var buffer = [UInt8]()
  private var bytes = 0
  private var records = 0
  private var line = [UInt8]()
  private(set) var files = [ExportedFile]()

  init(directory: String, shardBytes: Int, withRecord: Bool) {
    self.directory = directory
    self.shardBytes = shardBytes
    self.withRecord = withRecord
  }

  mutating func append(
    _ record: DatanetRecords.Record, text: [UInt8], contributorName: String?
  ) throws {
    line.removeAll(keepingCapacity: true)
    func key(_ name: String, first: Bool = false) {
      line.append(contentsOf: Array((first ? "{\"" : ",\"").utf8))
      line.append(contentsOf: Array(name.utf8))
      line.append(contentsOf: Array("\":".utf8))
    }
    func string(_ value: [UInt8]) {
      line.append(UInt8(ascii: "\""))
      JSONCanonicalizer.escape(value, into: &line)
      line.append(UInt8(ascii: "\""))
    }
    // Keys in sorted order, so each line is canonical JSON.
    key("contribution", first: true)
    string(Array(record.contribution.hex.utf8))
    key("contributor")
    string(Array(record.contributor.hex.utf8))
    key("contributor_name")
    if let contributorName {
      string(Array(contributorName.utf8))
    } else {
      line.append(contentsOf: Array("null".utf8))
    }
    if withRecord {
      // The record's canonical JSON is canonical inside the line too.
      key("record")
      line.append(contentsOf: record.bytes)
    }
    key("record_id")
    string(Array(record.id.hex.utf8))
    key("source")
    if let source = record.source {
      // {"entry", "line", "path"}, sorted; the first two only when there are.
      var first = true
      if let entry = source.entry {
        key("entry", first: true)
        string(Array(entry.utf8))
        first = false
      }
      if let number = source.line {
        key("line", first: first)
        line.append(contentsOf: Array(String(number).utf8))
        first = false
      }
      key("path", first: first)
      string(Array(source.path.utf8))
      line.append(UInt8(ascii: "}"))
    } else {
      line.append(contentsOf: Array("null".utf8))
    }
    key("text")
    string(text)
    line.append(contentsOf: Array("}\n".utf8))
    if file != nil, records > 0, bytes + line.count > shardBytes { try close() }
    if file == nil { file = try StagedFile(in: directory) }
    buffer.append(contentsOf: line)
    bytes += line.count
    records += 1
    if buffer.count >= 1 << 20 { try flush() }
  }

  private mutating func flush() throws {
    guard let file, !buffer.isEmpty else { return }
    try buffer.withUnsafeBytes { raw in
      hasher.update(bufferPointer: raw)
      try file.write(raw)
    }
    buffer.removeAll(keepingCapacity: true)
  }

  private mutating func close() throws {
    try flush()
    guard let file else { return }
    let path = String(format: "data/records-%05d.jsonl", files.count)
    try file.commit(to: "\(directory)/\(path)")
    files.append(
      ExportedFile(
        path: path, sha256: Digest(bytes: hasher.finalize()), bytes: bytes, records: records))
    self.file = nil
    hasher = SHA256()
    bytes = 0
    records = 0
  }

  mutating func finish() throws -> [ExportedFile] {
    try close()
    return files
  }
}

/// A staging directory: created beside an export's destination, written, and renamed into
/// place, or removed on failure.
///
/// A killed export cannot remove its own, so the next export into the same place removes
/// them. It tells a live export's staging directory from a dead one's by a lock: while an export
/// runs it holds an exclusive `flock` on its staging directory, which the kernel releases when
/// the process ends, however it ends. A directory named like a staging directory whose lock can
/// be taken at once belongs to no running export.
private final class ExportStaging {
  let path: String
  /// The directory, open, holding the lock.
  private let descriptor: Int32
  private var moved = false

  /// `.NAME.export-`: the start of the names of the staging directories of `destination`.
  static func prefix(of destination: String) -> String {
    ".\((destination as NSString).lastPathComponent).export-"
  }

  init(beside destination: String) throws {
    let parent = (destination as NSString).deletingLastPathComponent
    while true {
      var template = Array(
        "\(parent.isEmpty ? "." : parent)/\(Self.prefix(of: destination))XXXXXX".utf8CString)
      guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
        throw SystemError(
          "cannot create a temporary directory beside", path: destination, code: errno)
      }
      let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
      let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
      guard descriptor >= 0 else {
        throw SystemError("cannot open the temporary directory", path: path, code: errno)
      }
      // Another export may have found it unlocked between mkdtemp and here and removed it:
      // its lock is then released with the directory gone (no links left), and this one
      // starts again.
      var info = stat()
      guard flock(descriptor, LOCK_EX) == 0, fstat(descriptor, &info) == 0 else {
        let code = errno
        close(descriptor)
        throw SystemError("cannot lock the temporary directory", path: path, code: code)
      }
      if info.st_nlink == 0 {
        close(descriptor)
        continue
      }
      self.path = path
      self.descriptor = descriptor
      fchmod(descriptor, 0o755)
      return
    }
  }

  deinit {
    if !moved { try? FileManager.default.removeItem(atPath: path) }
    close(descriptor)
  }

  /// Renames the directory to `destination`. An empty directory there is replaced; a non-empty
  /// one only when `replacing`: it is moved into a staging directory of its own first (locked,
  /// so never taken for a stale one while this runs) and deleted with it.
  func move(to destination: String, replacing: Bool) throws {
    let parent = (destination as NSString).deletingLastPathComponent
    var aside: (staging: ExportStaging, path: String)?
    if replacing, FileSystem.exists(destination), !(try FileSystem.list(destination)).isEmpty {
      let trash = try ExportStaging(beside: destination)
      let old = "\(trash.path)/replaced"
      guard rename(destination, old) == 0 else {
        throw SystemError("cannot move aside", path: destination, code: errno)
      }
      aside = (trash, old)
    }
    guard rename(path, destination) == 0 else {
      let code = errno
      if let aside { rename(aside.path, destination) }
      throw SystemError("cannot move the export to", path: destination, code: code)
    }
    moved = true
    try FileSystem.syncDirectory(parent.isEmpty ? "." : parent)
  }

  /// Removes the staging directories beside `destination` that no running export holds, and
  /// returns their names. Names that only look like ours (not `NAME.export-` and six letters
  /// or digits, as `mkdtemp` makes them, or that with `.old`, which older versions left when
  /// killed during `--force`), symbolic links, and anything that cannot be removed are left.
  static func removeStale(beside destination: String) -> [String] {
    let parent = (destination as NSString).deletingLastPathComponent
    let directory = parent.isEmpty ? "." : parent
    let prefix = prefix(of: destination)
    var removed = [String]()
    for name in (try? FileSystem.list(directory)) ?? [] where name.hasPrefix(prefix) {
      var suffix = name.dropFirst(prefix.count)
      if suffix.hasSuffix(".old") { suffix = suffix.dropLast(4) }
      guard suffix.count == 6, suffix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
      else { continue }
      let path = "\(directory)/\(name)"
      let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
      guard descriptor >= 0 else { continue }
      defer { close(descriptor) }
      guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }  // a running export's
      if (try? FileManager.default.removeItem(atPath: path)) != nil { removed.append(name) }
    }
    return removed
  }
}

extension ExportError {
  /// Where an export into `directory` goes: `directory` itself, or where it points when it is
  /// a symbolic link (to a directory to fill, or to replace with --force).
  static func resolveOutput(_ directory: String) throws -> String {
    var info = stat()
    guard lstat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else {
      return directory
    }
    guard let resolved = realpath(directory, nil) else {
      let code = errno
      guard code == ENOENT else {
        throw SystemError("cannot follow the symbolic link", path: directory, code: code)
      }
      let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: directory)) ?? "?"
      throw outputDanglingLink(directory, target: target)
    }
    defer { free(resolved) }
    return String(cString: resolved)
  }

  /// Refuses an output `directory` that is a file, or (unless `force`) a directory that is not
  /// empty: no stale file of another export may sit beside the new one.
  static func checkOutput(_ directory: String, force: Bool) throws {
    guard FileSystem.exists(directory) else { return }
    guard FileSystem.isDirectory(directory) else { throw outputNotADirectory(directory) }
    if !force, !(try FileSystem.list(directory)).isEmpty { throw outputNotEmpty(directory) }
  }
}
