/// A regular file inside an archive, as the reader yields it.
public struct ArchiveEntry: Sendable, Equatable {
  /// The entry's path: relative, `/`-separated, without empty or `.` components (`./a//b` is
  /// `a/b`). For a compressed single file, the file's name without its compression suffix.
  public let path: String
  /// The size the archive declares for the entry, when it declares one. Not trusted: the reader
  /// counts the bytes it delivers, and stops at the limits whatever the header said.
  public let declaredSize: Int64?
}

/// The checks on an entry's path as the archive spells it.
enum EntryPath {
  /// The longest path accepted, in bytes: Linux's `PATH_MAX`. Longer ones are not file names
  /// anyone meant (libarchive accepts names of up to a megabyte).
  static let maxLength = 4096

  /// The normalized form of `raw`, or the error that rejects it.
  ///
  /// Both `/` and `\` count as separators for the checks, so a path made on Windows cannot slip
  /// `..\` or `C:\` past them.
  static func normalize(_ raw: String, archive: String, isDirectory: Bool) throws(ArchiveError)
    -> String
  {
    let bytes = Array(raw.utf8)
    guard bytes.count <= maxLength else {
      throw .invalidPath(
        archive: archive, entry: String(raw.prefix(100)) + "...",
        reason: "it is \(bytes.count) bytes long; the limit is \(maxLength)")
    }
    if DisplayText.hasControlCharacters(raw) {
      throw .invalidPath(
        archive: archive, entry: raw,
        reason: "it holds control characters or line breaks, which would reach the terminals of "
          + "the people it is shown to")
    }
    let isSeparator = { (byte: UInt8) in byte == UInt8(ascii: "/") || byte == UInt8(ascii: "\\") }
    if let first = bytes.first, isSeparator(first) {
      throw .absolutePath(archive: archive, entry: raw)
    }
    if bytes.count >= 3, bytes[1] == UInt8(ascii: ":"), isSeparator(bytes[2]),
      (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[0] & 0xDF)
    {
      throw .absolutePath(archive: archive, entry: raw)
    }
    if bytes.split(whereSeparator: isSeparator).contains(where: { $0.elementsEqual("..".utf8) }) {
      throw .pathTraversal(archive: archive, entry: raw)
    }
    let components = raw.split(separator: "/").filter { $0 != "." }
    if components.isEmpty && !isDirectory {
      throw .invalidPath(archive: archive, entry: raw, reason: "it is empty")
    }
    return components.joined(separator: "/")
  }

  /// The name a compressed single file's content goes by: the file's own name without its
  /// directory and its compression suffix (`dir/data.jsonl.gz` is `data.jsonl`).
  static func decompressedName(of name: String) -> String {
    let base = name.split(separator: "/").last.map(String.init) ?? name
    let suffixes = [
      ".gz", ".gzip", ".bz2", ".bzip2", ".xz", ".lzma", ".lz", ".lz4", ".zst", ".zstd", ".Z",
    ]
    for suffix in suffixes where base.count > suffix.count && base.hasSuffix(suffix) {
      return String(base.dropLast(suffix.count))
    }
    return base
  }
}
