import Foundation

/// The record format of input that comes without a schema (`fingerprint` without `--datanet`),
/// told from the names of the files it holds: a folder's files, an archive's entries, a
/// compressed file's name without its suffix.
public enum RecordFormatGuess {
  /// The format the first named input points to. Files named for JSONL (`.jsonl`, `.ndjson`,
  /// `.json`) or CSV (`.csv`) choose that format; anything else is text. When a folder or an
  /// archive holds files named for more than one format, no guess is right, and the error says
  /// to choose with `--record-format`.
  public static func guess(_ inputs: [InputPath], limits: ArchiveLimits = ArchiveLimits()) throws
    -> RecordFormat
  {
    guard
      let path = inputs.lazy.compactMap({ input -> String? in
        if case .path(let path) = input { return path }
        return nil
      }).first
    else { return .text }
    let names = try fileNames(in: path, limits: limits)
    var counts = [RecordFormat: Int]()
    for name in names {
      guard let format = format(named: name) else { continue }
      counts[format, default: 0] += 1
    }
    let found = RecordFormat.allCases.filter { counts[$0] != nil }
    if found.count > 1 {
      throw IngestError.ambiguousFormat(
        input: path, counts: found.map { ($0, counts[$0]!) })
    }
    return found.first ?? .text
  }

  /// The format a file's name is for, if any.
  static func format(named name: String) -> RecordFormat? {
    let lower = (name as NSString).lastPathComponent.lowercased()
    if lower.hasPrefix(".") { return nil }
    return RecordFormat.allCases.first { format in
      InputFilter.extensions(format).contains { lower.hasSuffix($0) }
    }
  }

  /// The names of the files `path` stands for: itself, a folder's files (recursively), an
  /// archive's entries, or a compressed file's name without its suffix.
  private static func fileNames(in path: String, limits: ArchiveLimits) throws -> [String] {
    var info = stat()
    guard stat(path, &info) == 0 else { return [path] }  // ingestion names the problem
    if (info.st_mode & S_IFMT) == S_IFDIR {
      var names = [String]()
      for name in try FileSystem.list(path) {
        names += try fileNames(in: "\(path)/\(name)", limits: limits)
      }
      return names
    }
    switch try ArchiveReader.detect(path: path) {
    case .plain:
      return [path]
    case .compressedFile, .archive:
      let reader = try ArchiveReader(path: path, limits: limits)
      var names = [String]()
      while let entry = try reader.nextEntry() { names.append(entry.path) }
      return names
    }
  }
}
