import Foundation

/// Which files in folders and archives are read for a format (files named explicitly always
/// are): hidden files never; files named for the format always; for text, any other file whose
/// content is UTF-8 text.
enum InputFilter {
  enum Verdict: Equatable {
    case read
    /// Read it if its first bytes are text.
    case sniff
    case skip(SkippedFile.Reason)
  }

  static func verdict(_ path: String, format: RecordFormat) -> Verdict {
    let name = (path as NSString).lastPathComponent.lowercased()
    if name.hasPrefix(".") { return .skip(.hidden) }
    if extensions(format).contains(where: { name.hasSuffix($0) }) { return .read }
    return format == .text ? .sniff : .skip(.otherFormat)
  }

  /// The names a format's files end in.
  static func extensions(_ format: RecordFormat) -> [String] {
    switch format {
    case .jsonl: [".jsonl", ".ndjson", ".json"]
    case .csv: [".csv"]
    case .text: [".txt", ".text", ".md", ".markdown", ".rst"]
    }
  }
}
