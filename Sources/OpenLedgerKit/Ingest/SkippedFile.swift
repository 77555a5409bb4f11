/// A file of a folder or archive that ingestion passed over, and why. Files named on the
/// command line are always read; only those found inside folders and archives are chosen.
public struct SkippedFile: Codable, Sendable, Equatable {
  public enum Reason: String, Codable, Sendable, CaseIterable {
    /// Its name starts with a dot.
    case hidden
    /// A symbolic link, device or socket: never followed.
    case notAFile
    /// A `jsonl` or `csv` Datanet reads only files named for its format.
    case otherFormat
    /// A `text` Datanet reads files whose content is UTF-8 text; this one's is not.
    case notText
  }

  public var path: String
  public var reason: Reason

  public init(path: String, reason: Reason) {
    self.path = path
    self.reason = reason
  }

  /// The skipped files in one phrase, by reason, with a count and an example of each:
  /// `2 not UTF-8 text (e.g. data/logo.png), 1 hidden (e.g. data/.DS_Store)`. `show` writes a
  /// path as the reader should see it.
  public static func summary(
    _ files: [SkippedFile], format: RecordFormat, show: (String) -> String = { $0 }
  ) -> String {
    Reason.allCases.compactMap { reason in
      let matching = files.filter { $0.reason == reason }
      guard let first = matching.first else { return nil }
      return "\(matching.count) \(reason.explanation(format)) (e.g. \(show(first.path)))"
    }.joined(separator: ", ")
  }
}

extension SkippedFile.Reason {
  /// Why files were skipped, for a message.
  public func explanation(_ format: RecordFormat) -> String {
    switch self {
    case .hidden: "hidden (the name starts with '.')"
    case .notAFile: "not regular files (links, devices, sockets are not followed)"
    case .otherFormat:
      "not named for \(format.rawValue) (not "
        + InputFilter.extensions(format).joined(separator: ", ") + ")"
    case .notText: "binary: not UTF-8 text"
    }
  }
}

/// Tells text from binary content by its first bytes, as a `text` Datanet chooses the files of
/// folders and archives to read.
enum TextSniffer {
  /// How many leading bytes are looked at (git looks at 8,000 for its binary check).
  static let byteCount = 8192

  /// Whether `bytes` look like UTF-8 text: no NUL, and valid UTF-8 throughout, except for a
  /// sequence cut at the end when `whole` is false (the file goes on past what was read).
  static func isText(_ bytes: [UInt8], whole: Bool) -> Bool {
    if bytes.contains(0) { return false }
    return bytes.withUnsafeBytes { raw in
      guard let offset = UTF8Validation.firstInvalidOffset(raw) else { return true }
      // A multi-byte sequence cut by the end of what was read is not an error.
      return !whole && raw.count - offset < 4 && raw[offset] >= 0xC2
    }
  }
}
