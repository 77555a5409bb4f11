/// Which spans of an output count as attribution.
///
/// The defaults suit word-level tokens over a Datanet-sized index. A span must be at least
/// 8 tokens (about six words with their punctuation): shorter runs are too often idioms or
/// stock phrases that a model writes without having read any one record. A span that occurs
/// more than 10 times is common language, or boilerplate that many records share; splitting a
/// token's credit more than ten ways would also leave each record a share too small to mean
/// anything.
public struct AttributionSettings: Codable, Sendable, Equatable {
  public static let defaultMinSpan = 8
  public static let defaultMaxOccurrences = 10

  /// The fewest tokens a span needs to count.
  public var minSpan: Int
  /// The most occurrences in the index a span may have to count.
  public var maxOccurrences: Int

  public init(
    minSpan: Int = AttributionSettings.defaultMinSpan,
    maxOccurrences: Int = AttributionSettings.defaultMaxOccurrences
  ) {
    self.minSpan = minSpan
    self.maxOccurrences = maxOccurrences
  }

  /// Throws when a setting is out of range (both must be at least 1).
  public func validate() throws {
    guard minSpan >= 1 else {
      throw AttributionError.invalidSettings("the minimum span must be 1 token or more")
    }
    guard maxOccurrences >= 1 else {
      throw AttributionError.invalidSettings("the maximum occurrences must be 1 or more")
    }
  }
}

/// Where an output's tokens came from: its maximal spans found in the index, and the credit of
/// DESIGN §6 in exact integers.
///
/// Every output token is worth `unitsPerToken` units. A token covered by a kept span belongs to
/// the longest span covering it (of equal lengths, the one that starts first); its units are split
/// among the distinct records that contain that span by the largest-remainder method: each gets
/// `unitsPerToken / k`, and the `unitsPerToken % k` left over go one each to the records with the
/// smallest ids. A token no kept span covers is unattributed. So the record units plus
/// `unattributedUnits` always equal `tokens × unitsPerToken`.
public struct Attribution: Codable, Sendable, Equatable {
  /// The units of credit one output token carries.
  public static let unitsPerToken: UInt64 = 1_000_000_000

  /// One kept span: a maximal run of output tokens found verbatim in the index.
  public struct Span: Codable, Sendable, Equatable {
    /// The UTF-8 byte range of the span in the output.
    public var byteStart: Int
    public var byteEnd: Int
    /// The index of its first token in the output, and its length in tokens.
    public var tokenStart: Int
    public var tokens: Int
    /// Occurrences in the index (masked records not counted).
    public var count: Int
    /// Tokens of the span whose credit it holds (a token covered by a longer span is that
    /// span's). They are contiguous: earlier spans can take only its start, later ones its end.
    public var creditedTokens: Int
    /// The UTF-8 byte range of those tokens in the output (empty when it holds none).
    public var creditedByteStart: Int
    public var creditedByteEnd: Int
    /// The distinct records it occurs in, by record id.
    public var records: [SpanRecord]
    /// The output's text in `byteStart..<byteEnd`: what the span covers, exactly as given.
    public var text = ""
  }

  /// A record a span occurs in.
  public struct SpanRecord: Codable, Sendable, Equatable {
    public var record: Digest
    public var contributor: AccountID
    /// How many times the span occurs in this record.
    public var occurrences: Int
  }

  /// A record's credit.
  public struct RecordCredit: Codable, Sendable, Equatable {
    public var record: Digest
    public var contributor: AccountID
    /// The contribution that brought the record.
    public var contribution: Digest
    public var units: UInt64
  }

  /// A contributor's credit: the sum over their records.
  public struct ContributorCredit: Codable, Sendable, Equatable {
    public var account: AccountID
    public var units: UInt64
    /// Their records with credit.
    public var records: Int
  }

  public var settings: AttributionSettings
  /// Output tokens.
  public var tokens: Int
  /// Output tokens covered by a kept span.
  public var attributedTokens: Int
  public var unitsPerToken: UInt64
  /// `(tokens - attributedTokens) × unitsPerToken`.
  public var unattributedUnits: UInt64
  /// Kept spans in output order.
  public var spans: [Span]
  /// Records with credit, by record id.
  public var records: [RecordCredit]
  /// Contributors with credit, by account id.
  public var contributors: [ContributorCredit]

  /// All units of the output: `tokens × unitsPerToken`.
  public var totalUnits: UInt64 { UInt64(tokens) * unitsPerToken }

  /// Sets each span's `text` from `output`, the UTF-8 bytes the spans' byte ranges point into.
  mutating func quoteSpans(from output: UnsafeRawBufferPointer) {
    for index in spans.indices {
      let span = spans[index]
      spans[index].text = String(
        decoding: UnsafeRawBufferPointer(rebasing: output[span.byteStart..<span.byteEnd]),
        as: UTF8.self)
    }
  }
}
