/// Failures reading an archive: it is missing or unreadable, damaged, encrypted, hostile, or it
/// expands past the limits.
///
/// Each names the archive as the user gave it and, where there is one, the entry; entry paths come
/// from untrusted input, so messages show them quoted with control characters escaped.
public enum ArchiveError: OpenLedgerError, Equatable {
  /// Nothing exists at the path given.
  case notFound(archive: String)
  /// The operating system failed to read the input (an I/O error, a directory, no permission).
  case unreadable(archive: String, at: ArchivePosition, reason: String)
  /// The input is neither an archive libarchive reads nor a compressed file.
  case unrecognizedFormat(archive: String)
  /// The archive's format keeps its directory at the end (7z), so it cannot be read from a pipe.
  case needsSeekableInput(archive: String, format: String)
  /// libarchive found the archive damaged or cut short; `message` is libarchive's.
  case corrupt(archive: String, at: ArchivePosition, message: String)
  /// An entry, or the archive's directory, is encrypted.
  case encrypted(archive: String, at: ArchivePosition)
  /// An entry's path starts at the root (`/etc/passwd`, `\share`, `C:`).
  case absolutePath(archive: String, entry: String)
  /// An entry's path has a `..` component, so it could point outside the archive ("zip slip").
  case pathTraversal(archive: String, entry: String)
  /// An entry's path is empty or not valid UTF-8.
  case invalidPath(archive: String, entry: String, reason: String)
  /// A symbolic link, which could point anywhere once extracted.
  case symbolicLink(archive: String, entry: String, target: String)
  /// A hard link to another entry of the archive.
  case hardLink(archive: String, entry: String, target: String)
  /// A device, FIFO or socket entry, or one of a type libarchive does not name.
  case specialFile(archive: String, entry: String, type: SpecialFileType)
  /// The archive crossed one of its `ArchiveLimits`; reading stopped there.
  case limitExceeded(
    archive: String, at: ArchivePosition, limit: ArchiveLimits.Limit, limits: ArchiveLimits,
    expandedBytes: Int64, compressedBytes: Int64)
  /// An entry read whole into memory was longer than the caller allows.
  case entryTooLargeToBuffer(archive: String, entry: String, maxBytes: Int)

  /// The archive (or compressed file) concerned.
  public var archive: String {
    switch self {
    case .notFound(let archive), .unreadable(let archive, _, _), .unrecognizedFormat(let archive),
      .needsSeekableInput(let archive, _), .corrupt(let archive, _, _),
      .encrypted(let archive, _), .absolutePath(let archive, _), .pathTraversal(let archive, _),
      .invalidPath(let archive, _, _), .symbolicLink(let archive, _, _),
      .hardLink(let archive, _, _), .specialFile(let archive, _, _),
      .limitExceeded(let archive, _, _, _, _, _), .entryTooLargeToBuffer(let archive, _, _):
      archive
    }
  }

  public var kind: FailureKind {
    switch self {
    case .notFound: .notFound
    case .unreadable: .ioError
    case .needsSeekableInput: .usage
    case .unrecognizedFormat, .corrupt, .encrypted, .absolutePath, .pathTraversal, .invalidPath,
      .symbolicLink, .hardLink, .specialFile, .limitExceeded, .entryTooLargeToBuffer:
      .dataError
    }
  }

  public var description: String {
    switch self {
    case .notFound(let archive):
      "\(archive) does not exist; check the path"
    case .unreadable(let archive, let position, let reason):
      "cannot read \(archive)\(position.phrase): \(reason)"
    case .unrecognizedFormat(let archive):
      "\(archive) is not an archive openledger can read (tar, zip, 7z, cpio, ar, ISO 9660, rar, "
        + "xar, cab, lha, warc, optionally compressed) nor a compressed file (gzip, bzip2, xz, lzma, "
        + "lzip, lz4, zstd, compress); contribute it as a plain file, or repack it"
    case .needsSeekableInput(let archive, let format):
      "\(archive) is a \(format) archive, which can only be read from a file, not from a pipe: "
        + "save it to a file and pass its path"
    case .corrupt(let archive, let position, let message):
      "\(archive) is damaged or incomplete\(position.phrase): \(message); "
        + "check that the archive was copied whole, or create it again"
    case .encrypted(let archive, let position):
      "\(archive) is encrypted\(position.phrase): encrypted entries cannot be read; "
        + "decrypt it first (extract it with its password and pack it again without one)"
    case .absolutePath(let archive, let entry):
      "\(archive): entry \(quoted(entry)) has an absolute path; an archive for contribution holds "
        + "only relative paths, so pack it again from inside its top folder"
    case .pathTraversal(let archive, let entry):
      "\(archive): entry \(quoted(entry)) has a '..' component, so it points outside the "
        + "archive; openledger refuses such archives: pack it again without '..' in any path"
    case .invalidPath(let archive, let entry, let reason):
      "\(archive): entry \(quoted(entry)) has an unusable path (\(reason)); "
        + "rename it and pack the archive again"
    case .symbolicLink(let archive, let entry, let target):
      "\(archive): entry \(quoted(entry)) is a symbolic link (to \(quoted(target))); archives for "
        + "contribution hold only regular files and folders: pack it again with the link "
        + "replaced by the file it points to (e.g. `tar --dereference`)"
    case .hardLink(let archive, let entry, let target):
      "\(archive): entry \(quoted(entry)) is a hard link (to \(quoted(target))); archives for "
        + "contribution hold only regular files and folders: pack it again with "
        + "`tar --hard-dereference`, or leave the duplicate out"
    case .specialFile(let archive, let entry, let type):
      "\(archive): entry \(quoted(entry)) is \(type.phrase), not a regular file; archives for "
        + "contribution hold only regular files and folders: pack it again without it"
    case .limitExceeded(let archive, let position, let limit, let limits, let expanded, let input):
      Self.describe(
        limit, archive: archive, position: position, limits: limits, expanded: expanded,
        compressed: input)
    case .entryTooLargeToBuffer(let archive, let entry, let maxBytes):
      "\(archive): entry \(quoted(entry)) is larger than \(describeBytes(Int64(maxBytes))), the "
        + "most read into memory at once; split it into smaller files"
    }
  }

  private static func describe(
    _ limit: ArchiveLimits.Limit, archive: String, position: ArchivePosition,
    limits: ArchiveLimits, expanded: Int64, compressed: Int64
  ) -> String {
    let what: String
    switch limit {
    case .expandedSize:
      what =
        "\(archive) expands to more than \(describeBytes(limits.maxExpandedBytes)), the limit "
        + "for a whole archive\(position.phrase)"
    case .entrySize:
      what =
        "\(archive): entry \(quoted(position.entry ?? "")) expands to more than "
        + "\(describeBytes(limits.maxEntryBytes)), the limit for one entry"
    case .entryCount:
      what =
        "\(archive) has more than \(limits.maxEntries) entries, the most allowed\(position.phrase)"
    case .ratio:
      what =
        "\(archive) expanded \(describeBytes(expanded)) from \(describeBytes(compressed)) of "
        + "input\(position.phrase): more than \(limits.maxRatio) times, like a decompression bomb"
    }
    return "\(what); reading stopped there. If the archive is genuine, raise the limit with "
      + "\(limit.flag)"
  }
}

/// Where in an archive a failure happened, for messages.
public enum ArchivePosition: Sendable, Equatable {
  /// Opening the archive or reading its first header.
  case start
  /// Reading the data of this entry.
  case entry(String)
  /// Reading the header that follows this entry.
  case after(String)
  /// Past the last entry: the end of the compressed stream, its checksums.
  case end

  /// The entry concerned, if any.
  public var entry: String? {
    switch self {
    case .start, .end: nil
    case .entry(let path), .after(let path): path
    }
  }

  var phrase: String {
    switch self {
    case .start: " (at its start)"
    case .end: " (at its end)"
    case .entry(let path): " (in entry \(quoted(path)))"
    case .after(let path): " (in the entry after \(quoted(path)))"
    }
  }
}

/// The kinds of entry that are neither files, folders nor links.
public enum SpecialFileType: Sendable, Equatable {
  case characterDevice
  case blockDevice
  case fifo
  case socket
  /// A type libarchive reports by its mode bits only.
  case unknown(mode: UInt32)

  var phrase: String {
    switch self {
    case .characterDevice: "a character device"
    case .blockDevice: "a block device"
    case .fifo: "a FIFO (named pipe)"
    case .socket: "a socket"
    case .unknown(let mode): "an entry of unknown type (mode \(String(mode, radix: 8)))"
    }
  }
}

/// `text` in single quotes with control characters escaped (`DisplayText`), so a hostile entry
/// name cannot rewrite the terminal it is printed to; quotes and backslashes inside are escaped
/// too, so the quoted name reads back unambiguously.
func quoted(_ text: String) -> String {
  var result = "'"
  for scalar in text.unicodeScalars {
    if scalar == "'" || scalar == "\\" {
      result += "\\"
      result.unicodeScalars.append(scalar)
    } else if let escape = DisplayText.escape(scalar) {
      result += escape
    } else {
      result.unicodeScalars.append(scalar)
    }
  }
  return result + "'"
}

/// A byte count for people: `512 bytes`, `33.1 KiB`, `8 GiB`.
func describeBytes(_ count: Int64) -> String {
  let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
  guard count >= 1024 else { return count == 1 ? "1 byte" : "\(count) bytes" }
  var value = Double(count)
  var unit = -1
  while value >= 1024 && unit < units.count - 1 {
    value /= 1024
    unit += 1
  }
  let tenths = (value * 10).rounded() / 10
  let text = tenths == tenths.rounded() ? String(Int(tenths)) : String(tenths)
  return "\(text) \(units[unit])"
}
