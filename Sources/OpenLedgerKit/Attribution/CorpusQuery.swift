import Foundation

/// Exact phrase queries over a Datanet's attribution index: how often a phrase occurs, and
/// which records hold it (what `openledger count` and `openledger search` print).
///
/// A phrase is tokenized as outputs are (Docs/Attribution.md), and found by the suffix arrays
/// of all the segments: an occurrence is a run of the phrase's tokens inside one record (no
/// match crosses records), and occurrences in removed (masked) records do not count.
public final class CorpusQuery: Sendable {
  public let segments: [IndexSegment]
  private let masks: [SegmentMask]

  /// Queries over `segments`, with the records `removed` masked.
  public init(segments: [IndexSegment], removed: Set<RecordID> = []) {
    self.segments = segments
    masks = segments.map { SegmentMask(segment: $0, removed: removed) }
  }

  /// The normalized tokens of `phrase`, as the index holds them.
  public static func tokens(of phrase: String) -> [String] {
    Tokenizer.tokens(of: phrase).map(\.normalized)
  }

  /// How often `phrase` occurs in the index's unmasked records (0 for a phrase with no tokens).
  public func count(_ phrase: String) -> Int {
    let output = OutputTokens(phrase)
    guard output.count > 0 else { return 0 }
    var total = 0
    for s in segments.indices {
      let query = output.ids(in: segments[s])
      defer { query.deallocate() }
      guard let range = segments[s].range(of: UnsafeBufferPointer(query)) else { continue }
      total += range.count
      let mask = masks[s]
      guard mask.isActive else { continue }
      for rank in range where mask.isMasked(position: segments[s].position(ofRank: rank)) {
        total -= 1
      }
    }
    return total
  }

  /// A record that holds the phrase.
  public struct Match: Sendable, Equatable {
    public var record: RecordID
    public var contributor: AccountID
    public var contribution: Digest
    /// How many times the phrase occurs in the record.
    public var occurrences: Int
    /// The index of the first occurrence's first token among the record's tokens.
    public var firstToken: Int
  }

  /// The records holding `phrase`, the `limit` with the smallest record ids (so the answer
  /// does not depend on how the index is split into segments), and whether more records hold
  /// it.
  public func search(_ phrase: String, limit: Int) -> (matches: [Match], more: Bool) {
    let output = OutputTokens(phrase)
    guard output.count > 0, limit > 0 else { return ([], false) }
    var matches = [Match]()
    var more = false
    for s in segments.indices {
      let query = output.ids(in: segments[s])
      defer { query.deallocate() }
      let found = search(UnsafeBufferPointer(query), in: s, limit: limit)
      matches += found.matches
      more = more || found.more
    }
    matches.sort { $0.record < $1.record }
    // A record in two segments (never written so, but possible by hand) is one record.
    var distinct = [Match]()
    for match in matches {
      if let last = distinct.last, last.record == match.record {
        distinct[distinct.count - 1].occurrences += match.occurrences
      } else {
        distinct.append(match)
      }
    }
    if distinct.count > limit {
      distinct.removeLast(distinct.count - limit)
      more = true
    }
    return (distinct, more)
  }

  /// The first `limit` unmasked records of segment `s` holding `query`, by record id, and
  /// whether it has more.
  ///
  /// Records lie in the token array in record-id order, so the records with the smallest ids
  /// are those of the smallest positions: the occurrences' positions are taken smallest first
  /// from a heap, which costs a pass over them and a pop for each occurrence in those records.
  private func search(_ query: UnsafeBufferPointer<UInt32>, in s: Int, limit: Int) -> (
    matches: [Match], more: Bool
  ) {
    let segment = segments[s]
    guard let range = segment.range(of: query) else { return ([], false) }
    var heap = PositionHeap(range.map { UInt32(segment.position(ofRank: $0)) })
    let mask = masks[s]
    var matches = [Match]()
    var record = -1
    while let position = heap.popMinimum() {
      let found = segment.record(containing: Int(position))
      if found == record {
        matches[matches.count - 1].occurrences += 1
        continue
      }
      if mask.isMasked(record: found) { continue }
      if matches.count == limit { return (matches, true) }
      record = found
      matches.append(
        Match(
          record: segment.recordID(found), contributor: segment.contributor(ofRecord: found),
          contribution: segment.contribution(ofRecord: found), occurrences: 1,
          firstToken: Int(position) - segment.recordStart(found)))
    }
    return (matches, false)
  }
}

/// A binary min-heap of token positions, built in linear time.
private struct PositionHeap {
  private var items: [UInt32]

  init(_ items: [UInt32]) {
    self.items = items
    var index = items.count / 2
    while index > 0 {
      index -= 1
      siftDown(index)
    }
  }

  mutating func popMinimum() -> UInt32? {
    guard let first = items.first else { return nil }
    let last = items.removeLast()
    if !items.isEmpty {
      items[0] = last
      siftDown(0)
    }
    return first
  }

  private mutating func siftDown(_ start: Int) {
    var index = start
    let count = items.count
    while true {
      let left = 2 * index + 1
      guard left < count else { return }
      var child = left
      if left + 1 < count, items[left + 1] < items[left] { child = left + 1 }
      guard items[child] < items[index] else { return }
      items.swapAt(child, index)
      index = child
    }
  }
}

extension OutputTokens {
  /// The tokens of `text`.
  init(_ text: String) {
    var text = text
    self = text.withUTF8 { OutputTokens(UnsafeRawBufferPointer($0)) }
  }
}
