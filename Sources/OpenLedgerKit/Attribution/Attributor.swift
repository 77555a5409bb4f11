import Foundation

/// Attributes outputs to the records of a Datanet's index: opened once over the index's
/// segments (mapped), then asked about any number of outputs, from any number of threads.
///
/// For each output token position, the longest run of output tokens starting there that occurs
/// in the index is found by a binary search of each segment's suffix array; its length is the
/// longest over the segments. Such a run is kept when no run starting earlier contains it, it has
/// at least `minSpan` tokens, and it occurs at most `maxOccurrences` times in all segments
/// together. Runs never cross records: a separator that no output token equals ends every record.
/// Under credit rule 2, a kept span does not credit its tokens that lie in a common window (a
/// run of `minSpan` tokens inside it occurring more than `maxOccurrences` times), nor pieces
/// shorter than `minSpan` left between such windows (Docs/Attribution.md).
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
    let queries = segments.map { output.ids(in: $0) }
    defer { for query in queries { query.deallocate() } }
    var probes = Probes(starts: output.count, segments: segments.count)
    let spans = maximalSpans(queries: queries, probes: &probes)
    var common = CommonWindows(count: output.count)
    let credited = spans.map { span in
      creditedRuns(of: span, queries: queries, probes: probes, common: &common)
    }
    var attribution = credit(spans, credited: credited, output: output)
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

  /// For each output position and segment: the longest run starting there that the segment
  /// holds outside masked records, and a suffix-array rank where it occurs.
  struct Probes {
    let segments: Int
    var lengths: [Int]
    var anchors: [Int]

    init(starts: Int, segments: Int) {
      self.segments = segments
      lengths = [Int](repeating: 0, count: starts * segments)
      anchors = [Int](repeating: 0, count: starts * segments)
    }

    func length(_ start: Int, _ segment: Int) -> Int { lengths[start * segments + segment] }
    func anchor(_ start: Int, _ segment: Int) -> Int { anchors[start * segments + segment] }
  }

  /// The kept maximal spans of the output whose ids in each segment are `queries`, in order;
  /// fills `probes` for every position.
  func maximalSpans(
    queries: [UnsafeMutableBufferPointer<UInt32>], probes: inout Probes
  ) -> [FoundSpan] {
    let count = queries.first?.count ?? 0
    var found = [FoundSpan]()
    var previousEnd = 0
    var anchors = [Int](repeating: 0, count: segments.count)
    var lengths = [Int](repeating: 0, count: segments.count)
    for start in 0..<count {
      var longest = 0
      for s in segments.indices {
        let query = UnsafeBufferPointer(rebasing: queries[s][start...])
        let (length, anchor) = longestUnmasked(query, in: s)
        lengths[s] = length
        anchors[s] = anchor
        probes.lengths[start * segments.count + s] = length
        probes.anchors[start * segments.count + s] = anchor
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
    var span = FoundSpan(start: start, length: length, count: 0, records: [:])
    for s in segments.indices where lengths[s] == length {
      let query = UnsafeBufferPointer(rebasing: queries[s][start..<(start + length)])
      let within = forEachOccurrence(of: query, in: s, around: anchors[s], counted: span.count) {
        span.records[RecordKey(segment: s, record: $0), default: 0] += 1
      }
      guard let within else { return nil }
      span.count = within
    }
    return span
  }

  /// Calls `body` with the record of each occurrence of `query` in segment `s` outside masked
  /// records, given a rank `anchor` where it occurs and the `counted` occurrences found in other
  /// segments: the new total, or nil as soon as it passes `maxOccurrences`.
  private func forEachOccurrence(
    of query: UnsafeBufferPointer<UInt32>, in s: Int, around anchor: Int, counted: Int,
    _ body: (Int) -> Void
  ) -> Int? {
    let limit = settings.maxOccurrences
    let segment = segments[s]
    let mask = masks[s]
    // Masked occurrences do not count, so the range may hold that many more.
    let allowed = limit - counted + mask.maskedPositions
    guard let range = segment.occurrences(of: query, around: anchor, limit: allowed) else {
      return nil
    }
    var count = counted
    for rank in range {
      let record = segment.record(containing: segment.position(ofRank: rank))
      if mask.isMasked(record: record) { continue }
      count += 1
      if count > limit { return nil }
      body(record)
    }
    return count
  }

  // MARK: - Common runs (credit rule 2)

  /// What is known of each output position's window: the run of `minSpan` tokens starting there.
  struct CommonWindows {
    /// 0 not asked yet, 1 rare (at most `maxOccurrences` occurrences), 2 common.
    var states: [UInt8]

    init(count: Int) { states = [UInt8](repeating: 0, count: count) }
  }

  /// Whether the run of `minSpan` tokens at `start` occurs more than `maxOccurrences` times in
  /// all segments together, outside masked records. The run is known to occur (it lies inside
  /// a span).
  private func isCommon(
    window start: Int, queries: [UnsafeMutableBufferPointer<UInt32>], probes: Probes,
    common: inout CommonWindows
  ) -> Bool {
    if common.states[start] != 0 { return common.states[start] == 2 }
    let length = settings.minSpan
    var count = 0
    var isCommon = false
    for s in segments.indices where probes.length(start, s) >= length {
      let query = UnsafeBufferPointer(rebasing: queries[s][start..<(start + length)])
      guard
        let within = forEachOccurrence(
          of: query, in: s, around: probes.anchor(start, s), counted: count, { _ in })
      else {
        isCommon = true
        break
      }
      count = within
    }
    common.states[start] = isCommon ? 2 : 1
    return isCommon
  }

  /// The runs of `span`'s tokens that it credits: under credit rule 1 all of them; under rule 2
  /// those that no common window inside the span covers, in runs of at least `minSpan` tokens.
  private func creditedRuns(
    of span: FoundSpan, queries: [UnsafeMutableBufferPointer<UInt32>], probes: Probes,
    common: inout CommonWindows
  ) -> [Range<Int>] {
    let end = span.start + span.length
    let length = settings.minSpan
    // A span of `minSpan` tokens is its only window, and it is rare: it was kept.
    guard settings.creditRule >= 2, span.length > length else { return [span.start..<end] }
    var runs = [Range<Int>]()
    // The first token of the run of uncovered tokens under way, and the end of the common
    // windows seen so far.
    var runStart: Int?
    var coveredUntil = span.start
    for token in span.start..<end {
      if token + length <= end,
        isCommon(window: token, queries: queries, probes: probes, common: &common)
      {
        coveredUntil = token + length
      }
      if token < coveredUntil {
        if let start = runStart, token - start >= length { runs.append(start..<token) }
        runStart = nil
      } else if runStart == nil {
        runStart = token
      }
    }
    if let start = runStart, end - start >= length { runs.append(start..<end) }
    return runs
  }

  // MARK: - Credit

  /// The credit of the `found` spans, each crediting the runs of tokens `credited` gives it.
  private func credit(_ found: [FoundSpan], credited: [[Range<Int>]], output: OutputTokens)
    -> Attribution
  {
    // Each credited token belongs to the longest span crediting it; the earlier span on a tie,
    // since spans are visited in order and only a strictly longer one takes a token over.
    var owner = [Int](repeating: -1, count: output.count)
    for (index, span) in found.enumerated() {
      for run in credited[index] {
        for token in run where owner[token] < 0 || found[owner[token]].length < span.length {
          owner[token] = index
        }
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
      var runs = [Attribution.TokenRun]()
      for token in span.start..<(span.start + span.length) where owner[token] == index {
        if let previous = runs.last, previous.tokenStart + previous.tokens == token {
          runs[runs.count - 1].tokens += 1
          runs[runs.count - 1].byteEnd = output.ranges[token].upperBound
        } else {
          runs.append(
            Attribution.TokenRun(
              tokenStart: token, tokens: 1, byteStart: output.ranges[token].lowerBound,
              byteEnd: output.ranges[token].upperBound))
        }
      }
      let heldBytes =
        runs.isEmpty
        ? first.lowerBound..<first.lowerBound
        : runs.first!.byteStart..<runs.last!.byteEnd
      spans.append(
        Attribution.Span(
          byteStart: first.lowerBound, byteEnd: last.upperBound, tokenStart: span.start,
          tokens: span.length, count: span.count, creditedTokens: owned[index],
          creditedByteStart: heldBytes.lowerBound, creditedByteEnd: heldBytes.upperBound,
          creditedRuns: runs, records: spanRecords))
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
