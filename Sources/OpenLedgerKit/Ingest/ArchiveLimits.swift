/// How much an archive may expand before the reader stops, so a decompression bomb costs a few
/// megabytes of work instead of filling memory, disk or hours.
///
/// Every limit is checked while the archive is read, after each block of at most 64 KiB, so the
/// reader never expands much more than a limit allows. Commands expose them as flags
/// (`--max-expanded-size`, `--max-entry-size`, `--max-entries`, `--max-ratio`).
public struct ArchiveLimits: Sendable, Equatable {
  /// The most bytes all entries together may expand to. Default 8 GiB.
  public var maxExpandedBytes: Int64
  /// The most bytes one entry may expand to. Default 4 GiB.
  public var maxEntryBytes: Int64
  /// The most entries (files, directories and anything else) an archive may hold. Default
  /// 1,000,000.
  public var maxEntries: Int
  /// The most bytes of output per byte of compressed input, over the whole archive. Default 200.
  ///
  /// Text and JSON compress by 3 to 20 times, rarely more than 100; a bomb expands a thousand
  /// times or more.
  public var maxRatio: Int64
  /// The ratio is checked only past this much output (default 1 MiB), so small archives of
  /// very repetitive text are not flagged.
  public var ratioThresholdBytes: Int64

  public init(
    maxExpandedBytes: Int64 = 8 << 30,
    maxEntryBytes: Int64 = 4 << 30,
    maxEntries: Int = 1_000_000,
    maxRatio: Int64 = 200,
    ratioThresholdBytes: Int64 = 1 << 20
  ) {
    self.maxExpandedBytes = maxExpandedBytes
    self.maxEntryBytes = maxEntryBytes
    self.maxEntries = maxEntries
    self.maxRatio = maxRatio
    self.ratioThresholdBytes = ratioThresholdBytes
  }

  /// One of the limits, named for messages.
  public enum Limit: Sendable, Equatable {
    case expandedSize
    case entrySize
    case entryCount
    case ratio

    /// The command-line flag that raises this limit.
    public var flag: String {
      switch self {
      case .expandedSize: "--max-expanded-size"
      case .entrySize: "--max-entry-size"
      case .entryCount: "--max-entries"
      case .ratio: "--max-ratio"
      }
    }
  }

  /// The first limit that `expanded` bytes of output from `compressed` bytes of input crosses.
  func exceeded(expanded: Int64, compressed: Int64) -> Limit? {
    if expanded > maxExpandedBytes { return .expandedSize }
    if expanded > ratioThresholdBytes {
      let (allowed, overflow) = maxRatio.multipliedReportingOverflow(by: max(compressed, 1))
      if !overflow && expanded > allowed { return .ratio }
    }
    return nil
  }
}
