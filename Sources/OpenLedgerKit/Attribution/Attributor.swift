import Foundation

/// Attributes outputs to the records of a Datanet's index: opened once over the index's
/// segments (mapped), then asked about any number of outputs, from any number of threads.
///
/// For each output token position, the longest run of output tokens starting there that occurs
/// in the index is found by a binary search of each segment's suffix array; its length is the
/// longest over the segments. Such a run is kept when no run starting earlier contains it, it has
/// at least `minSpan` tokens, and it occurs at most `maxOccurrences` times in all segments
/// together. Runs never cross records: a separator that no output token equals ends every record.
/// Records in `removed` (taken down, withdrawn) are masked: their occurrences do not count, so
/// results are as if they had never been indexed.
public final class Attributor: Sendable {
  public let segments: [IndexSegment]
  public let settings: AttributionSettings
  private let masks: [SegmentMask]

  /// An attributor over `segments`, with the records `removed` masked.
  public init(
    segments: [IndexSegment], removed: Set<RecordID> = [],
    settings: AttributionSettings = AttributionSettings()
  ) throws {
    try settings.validate()
    self.segments = segments
    self.settings = settings
    masks = segments.map { SegmentMask(segment: $0, removed: removed) }
  }

  /// The ids of the segments, sorted: what a result depends on besides the output and settings.
  public var segmentIDs: [Digest] { segments.map(\.id).sorted() }

  /// Which of the segments' files were re-hashed when they were opened, and which were not.
  public var integrity: SegmentIntegrity { SegmentIntegrity(segments) }

  /// Records and tokens the segments hold, masked records included.
  public var recordCount: Int { segments.reduce(0) { $0 + $1.recordCount } }
  public var tokenCount: Int { segments.reduce(0) { $0 + $1.tokenCount } }

  /// Attributes `text`.
  public func attribute(_ text: String) -> Attribution {
    var text = text
    return text.withUTF8 { attribute(utf8: UnsafeRawBufferPointer($0)) }
  }

  /// Attributes the UTF-8 bytes `text` (invalid sequences become U+FFFD tokens).
  public func attribute(utf8 text: UnsafeRawBufferPointer) -> Attribution {
    let output = OutputTokens(text)
    let spans = maximalSpans(output)
    var attribution = credit(spans, output: output)
    attribution.quoteSpans(from: text)
    return attribution
  }

  // MARK: - Spans

  /// A kept span before credit: its token range, count, and occurrences by record.
  struct FoundSpan {
    var start: Int
    var length: Int
    var count: Int
    /// Occurrences per record, the records identified by (segment, record index).
    var records: [RecordKey: Int]
  }

  /// A record of one of the segments.
  struct RecordKey: Hashable {
    var segment: Int
    var record: Int
  }

  /// The kept maximal spans of `output`, in order.
  func maximalSpans(_ output: OutputTokens) -> [FoundSpan] {
    let queries = segments.map { output.ids(in: $0) }
    defer { for query in queries { query.deallocate() } }
    var found = [FoundSpan]()
    var previousEnd = 0
    var anchors = [Int](repeating: 0, count: segments.count)
    var lengths = [Int](repeating: 0, count: segments.count)
    for start in 0..<output.count {
      var longest = 0
      for s in segments.indices {
        let query = UnsafeBufferPointer(rebasing: queries[s][start...])
        let (length, anchor) = longestUnmasked(query, in: s)
        lengths[s] = length
        anchors[s] = anchor
        longest = max(longest, length)
      }
      let end = start + longest
      defer { previousEnd = max(previousEnd, end) }
      // Ends never decrease from one start to the next, so a run is contained in an earlier one
      // exactly when it ends where the previous run ended.
      guard longest >= settings.minSpan, end > previousEnd else { continue }
      if let span = occurrences(
        queries: queries, start: start, length: longest, lengths: lengths, anchors: anchors)
      {
        found.append(span)
      }
    }
    return found
  }

  /// The longest prefix of `query` that occurs in segment `s` outside masked records, and a
  /// suffix-array rank where it does.
  private func longestUnmasked(_ query: UnsafeBufferPointer<UInt32>, in s: Int) -> (
    length: Int, rank: Int
  ) {
    let segment = segments[s]
    var (length, rank) = segment.longestPrefix(of: query)
    let mask = masks[s]
    guard mask.isActive else { return (length, rank) }
    while length > 0 {
      let prefix = UnsafeBufferPointer(rebasing: query[..<length])
      let range = segment.occurrences(of: prefix, around: rank, limit: Int.max)!
      for candidate in range where !mask.isMasked(position: segment.position(ofRank: candidate)) {
        return (length, candidate)
      }
      length -= 1
    }
    return (0, 0)
  }

  /// The occurrences of the run of `length` tokens at `start`, or nil when it occurs more than
  /// `maxOccurrences` times in all segments together.
  private func occurrences(
    queries: [UnsafeMutableBufferPointer<UInt32>], start: Int, length: Int, lengths: [Int],
    anchors: [Int]
  ) -> FoundSpan? {
    let limit = settings.maxOccurrences
    var span = FoundSpan(start: start, length: length, count: 0, records: [:])
    for s in segments.indices where lengths[s] == length {
      let segment = segments[s]
      let mask = masks[s]
      let query = UnsafeBufferPointer(rebasing: queries[s][start..<(start + length)])
      // Masked occurrences do not count, so the range may hold that many more.
      let allowed = limit - span.count + mask.maskedPositions
      guard let range = segment.occurrences(of: query, around: anchors[s], limit: allowed) else {
        return nil
      }
      for rank in range {
        let position = segment.position(ofRank: rank)
        let record = segment.record(containing: position)
        if mask.isMasked(record: record) { continue }
        span.count += 1
        if span.count > limit { return nil }
        span.records[RecordKey(segment: s, record: record), default: 0] += 1
      }
    }
    return span
  }

  // MARK: - Credit

  private func credit(_ found: [FoundSpan], output: OutputTokens) -> Attribution {
    // Each covered token belongs to the longest span covering it; the earlier span on a tie,
    // since spans are visited in order and only a strictly longer one takes a token over.
    var owner = [Int](repeating: -1, count: output.count)
    for (index, span) in found.enumerated() {
      for token in span.start..<(span.start + span.length) {
        if owner[token] < 0 || found[owner[token]].length < span.length { owner[token] = index }
      }
    }
    var owned = [Int](repeating: 0, count: found.count)
    var attributed = 0
    for index in owner where index >= 0 {
      owned[index] += 1
      attributed += 1
    }

    struct Credit {
      var contributor: AccountID
      var contribution: Digest
      var units: UInt64
    }
    var credits = [RecordID: Credit]()
    var spans = [Attribution.Span]()
    let unit = Attribution.unitsPerToken
    for (index, span) in found.enumerated() {
      var records = [(id: RecordID, key: RecordKey, occurrences: Int)]()
      for (key, occurrences) in span.records {
        records.append((segments[key.segment].recordID(key.record), key, occurrences))
      }
      records.sort { $0.id < $1.id }
      // A record in two segments (never written so, but possible by hand) is one record.
      var distinct = [(id: RecordID, key: RecordKey, occurrences: Int)]()
      for record in records {
        if let last = distinct.last, last.id == record.id {
          distinct[distinct.count - 1].occurrences += record.occurrences
        } else {
          distinct.append(record)
        }
      }
      let k = UInt64(distinct.count)
      let share = unit / k
      let leftover = unit % k
      let tokens = UInt64(owned[index])
      var spanRecords = [Attribution.SpanRecord]()
      for (rank, record) in distinct.enumerated() {
        let segment = segments[record.key.segment]
        let contributor = segment.contributor(ofRecord: record.key.record)
        spanRecords.append(
          Attribution.SpanRecord(
            record: record.id.digest, contributor: contributor, occurrences: record.occurrences))
        guard tokens > 0 else { continue }
        let units = tokens * (share + (UInt64(rank) < leftover ? 1 : 0))
        credits[
          record.id,
          default: Credit(
            contributor: contributor,
            contribution: segment.contribution(ofRecord: record.key.record), units: 0)
        ].units += units
      }
      let first = output.ranges[span.start]
      let last = output.ranges[span.start + span.length - 1]
      let held = (span.start..<(span.start + span.length)).filter { owner[$0] == index }
      let heldBytes =
        held.isEmpty
        ? first.lowerBound..<first.lowerBound
        : output.ranges[held.first!].lowerBound..<output.ranges[held.last!].upperBound
      spans.append(
        Attribution.Span(
          byteStart: first.lowerBound, byteEnd: last.upperBound, tokenStart: span.start,
          tokens: span.length, count: span.count, creditedTokens: owned[index],
          creditedByteStart: heldBytes.lowerBound, creditedByteEnd: heldBytes.upperBound,
          records: spanRecords))
    }

    let records = credits.sorted { $0.key < $1.key }.map { id, credit in
      Attribution.RecordCredit(
        record: id.digest, contributor: credit.contributor, contribution: credit.contribution,
        units: credit.units)
    }
    var byContributor = [AccountID: (units: UInt64, records: Int)]()
    for record in records {
      byContributor[record.contributor, default: (0, 0)].units += record.units
      byContributor[record.contributor, default: (0, 0)].records += 1
    }
    let contributors = byContributor.sorted { $0.key < $1.key }.map {
      Attribution.ContributorCredit(
        account: $0.key, units: $0.value.units, records: $0.value.records)
    }
    return Attribution(
      settings: settings, tokens: output.count, attributedTokens: attributed, unitsPerToken: unit,
      unattributedUnits: UInt64(output.count - attributed) * unit, spans: spans, records: records,
      contributors: contributors)
  }
}

/// The records of one segment that are masked, as a bit per record.
struct SegmentMask: @unchecked Sendable {
  private let segment: IndexSegment
  private let bits: [UInt64]
  /// Whether any record of the segment is masked.
  let isActive: Bool
  /// Token positions in masked records.
  let maskedPositions: Int

  init(segment: IndexSegment, removed: Set<RecordID>) {
    self.segment = segment
    var bits = [UInt64](repeating: 0, count: removed.isEmpty ? 0 : (segment.recordCount + 63) / 64)
    var positions = 0
    var any = false
    for id in removed {
      guard let index = segment.recordIndex(of: id) else { continue }
      bits[index >> 6] |= 1 << UInt64(index & 63)
      positions += segment.recordRange(index).count
      any = true
    }
    self.bits = bits
    isActive = any
    maskedPositions = positions
  }

  @inline(__always)
  func isMasked(record: Int) -> Bool {
    isActive && bits[record >> 6] >> UInt64(record & 63) & 1 != 0
  }

  func isMasked(position: Int) -> Bool {
    isActive && isMasked(record: segment.record(containing: position))
  }
}

/// An output's tokens: their byte ranges, and their normalized forms, distinct ones numbered.
struct OutputTokens {
  /// The byte range of each token in the output.
  private(set) var ranges: [Range<Int>] = []
  /// The distinct-form number of each token.
  private(set) var forms: [Int] = []
  /// The normalized bytes of each distinct form.
  private(set) var distinct: [[UInt8]] = []

  init(_ text: UnsafeRawBufferPointer) {
    var numbers = [[UInt8]: Int]()
    Tokenizer.forEachToken(in: text) { _, normalized, range in
      let bytes = [UInt8](normalized)
      let number: Int
      if let known = numbers[bytes] {
        number = known
      } else {
        number = distinct.count
        numbers[bytes] = number
        distinct.append(bytes)
      }
      forms.append(number)
      ranges.append(range)
    }
  }

  var count: Int { forms.count }

  /// The tokens as `segment`'s ids; a token it does not hold gets `UInt32.max`, which no text
  /// token equals. The caller deallocates the buffer.
  func ids(in segment: IndexSegment) -> UnsafeMutableBufferPointer<UInt32> {
    let formIDs = distinct.map { bytes in
      bytes.withUnsafeBytes { segment.tokenID($0) } ?? UInt32.max
    }
    let ids = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: forms.count)
    for (index, form) in forms.enumerated() { ids[index] = formIDs[form] }
    return ids
  }
}
