import Foundation

extension InputPath {
  /// The bytes ingestion will read from `inputs`, when that is known before reading: the sizes
  /// of the plain files named, and of the files in named folders whose names the format reads.
  /// Nil when standard input, an archive or a compressed file is among them, whose content's
  /// size shows only as it is read. A progress bar's total; decided bytes count toward it.
  public static func knownBytes(_ inputs: [InputPath], format: RecordFormat) -> Int? {
    var total = 0
    for input in inputs {
      guard case .path(let path) = input else { return nil }
      var info = stat()
      guard stat(path, &info) == 0 else { return nil }
      if (info.st_mode & S_IFMT) == S_IFDIR {
        guard let bytes = folderBytes(path, format: format) else { return nil }
        total += bytes
      } else {
        guard (try? ArchiveReader.detect(path: path)) == .plain else { return nil }
        total += Int(info.st_size)
      }
    }
    return total
  }

  /// The files of a folder the format reads, by name; nil when one looks like an archive.
  private static func folderBytes(_ directory: String, format: RecordFormat) -> Int? {
    var total = 0
    for name in (try? FileSystem.list(directory)) ?? [] {
      let path = "\(directory)/\(name)"
      var info = stat()
      guard lstat(path, &info) == 0 else { continue }
      switch info.st_mode & S_IFMT {
      case S_IFDIR:
        guard let bytes = folderBytes(path, format: format) else { return nil }
        total += bytes
      case S_IFREG:
        let lower = name.lowercased()
        if Self.archiveSuffixes.contains(where: { lower.hasSuffix($0) }) { return nil }
        if case .skip = InputFilter.verdict(path, format: format) { continue }
        total += Int(info.st_size)
      default: continue
      }
    }
    return total
  }

  private static let archiveSuffixes = [
    ".tar", ".tgz", ".tbz2", ".txz", ".tzst", ".zip", ".7z", ".rar", ".cpio", ".iso", ".gz",
    ".bz2", ".xz", ".zst", ".lz4", ".lzma", ".z",
  ]
}
