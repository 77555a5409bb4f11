import Foundation
import Testing

@testable import OpenLedgerKit

/// A small corpus held in memory, with a brute-force answer to every question the index answers:
/// the reference the suffix-array code is tested against.
struct ReferenceCorpus {
  struct Record {
    var id: RecordID
    var contributor: AccountID
    var contribution: Digest
    var text: String
    var tokens: [String]
  }

  /// A span as the reference finds it.
  struct Span: Equatable, CustomStringConvertible {
    var start: Int
    var length: Int
    var count: Int
    var records: [RecordID]

    var description: String { "(\(start), \(length), count \(count), \(records.count) records)" }
  }

  var records: [Record] = []

  static let contributors = (1...4).map { AccountID(hex: String(repeating: "0\($0)", count: 32))! }
  static let contributions = (1...3).map { Digest(hex: String(repeating: "c\($0)", count: 32))! }

  /// Adds a record with `text`; a text already present is skipped (same id).
  mutating func add(_ text: String, contributor: Int = 0, contribution: Int = 0) {
    let id = Array(text.utf8).withUnsafeBytes { RecordID(of: $0) }
    guard !records.contains(where: { $0.id == id }) else { return }
    records.append(
      Record(
        id: id, contributor: Self.contributors[contributor % Self.contributors.count],
        contribution: Self.contributions[contribution % Self.contributions.count], text: text,
        tokens: Tokenizer.tokens(of: text).map(\.normalized)))
  }

  /// Builds segments over the records: the records are dealt into `segments` groups in turn.
  func build(into directory: String, segments: Int = 1) throws -> [IndexSegment] {
    let staging = "\(directory)/tmp"
    try FileSystem.makeDirectory(staging)
    var result = [IndexSegment]()
    for group in 0..<segments {
      let builder = SegmentBuilder()
      for (index, record) in records.enumerated() where index % segments == group {
        builder.add(
          record: record.id, contributor: record.contributor, contribution: record.contribution,
          text: record.text)
      }
      let (id, _) = try builder.write(into: "\(directory)/index", stagingDirectory: staging)
      result.append(try IndexSegment(directory: "\(directory)/index/\(id.hex)"))
    }
    return result
  }

  /// Occurrences of `ngram` inside records not in `removed`.
  func count(_ ngram: [String], removed: Set<RecordID> = []) -> Int {
    occurrences(ngram, removed: removed).count
  }

  private func occurrences(_ ngram: [String], removed: Set<RecordID>) -> [RecordID] {
    guard !ngram.isEmpty else { return [] }
    var found = [RecordID]()
    for record in records where !removed.contains(record.id) {
      let tokens = record.tokens
      guard tokens.count >= ngram.count else { continue }
      for start in 0...(tokens.count - ngram.count)
      where Array(tokens[start..<(start + ngram.count)]) == ngram {
        found.append(record.id)
      }
    }
    return found
  }

  /// The kept maximal spans of `output`, as infini-gram's attribution defines them: for each
  /// start, the longest run that occurs; kept when long enough and rare enough, and when it ends
  /// after every span kept before it.
  func maximalSpans(
    _ output: [String], settings: AttributionSettings, removed: Set<RecordID> = []
  ) -> [Span] {
    var spans = [Span]()
    var lastEnd = 0
    for start in output.indices {
      var longest = 0
      for record in records where !removed.contains(record.id) {
        let tokens = record.tokens
        for position in tokens.indices {
          var length = 0
          while start + length < output.count, position + length < tokens.count,
            output[start + length] == tokens[position + length]
          {
            length += 1
          }
          longest = max(longest, length)
        }
      }
      guard longest >= settings.minSpan else { continue }
      let found = occurrences(Array(output[start..<(start + longest)]), removed: removed)
      guard found.count <= settings.maxOccurrences else { continue }
      guard start + longest > lastEnd else { continue }
      lastEnd = start + longest
      spans.append(
        Span(
          start: start, length: longest, count: found.count,
          records: Array(Set(found)).sorted()))
    }
    return spans
  }

  /// The tokens of `span` that it credits under `settings`' credit rule: rule 1 all of them;
  /// rule 2 those that no run of `minSpan` tokens inside the span occurring more than
  /// `maxOccurrences` times covers, in pieces of at least `minSpan` tokens.
  func credited(
    _ span: Span, output: [String], settings: AttributionSettings, removed: Set<RecordID> = []
  ) -> Set<Int> {
    let tokens = span.start..<(span.start + span.length)
    guard settings.creditRule >= 2 else { return Set(tokens) }
    let m = settings.minSpan
    var covered = Set<Int>()
    for window in tokens where window + m <= tokens.upperBound {
      if count(Array(output[window..<(window + m)]), removed: removed) > settings.maxOccurrences {
        covered.formUnion(window..<(window + m))
      }
    }
    var result = Set<Int>()
    var piece = [Int]()
    for token in tokens {
      if covered.contains(token) {
        if piece.count >= m { result.formUnion(piece) }
        piece = []
      } else {
        piece.append(token)
      }
    }
    if piece.count >= m { result.formUnion(piece) }
    return result
  }

  /// The units of each record for `spans` of `output`, token by token: the owner of a token is
  /// the longest span crediting it, the first such on a tie; its units are split by the largest
  /// remainder.
  func units(
    _ spans: [Span], output: [String], settings: AttributionSettings,
    removed: Set<RecordID> = []
  ) -> (records: [RecordID: UInt64], unattributed: UInt64) {
    let unit = Attribution.unitsPerToken
    let credited = spans.map {
      self.credited($0, output: output, settings: settings, removed: removed)
    }
    var result = [RecordID: UInt64]()
    var unattributed: UInt64 = 0
    for token in output.indices {
      var owner: Span?
      for (index, span) in spans.enumerated() where credited[index].contains(token) {
        if owner == nil || span.length > owner!.length { owner = span }
      }
      guard let owner else {
        unattributed += unit
        continue
      }
      let k = UInt64(owner.records.count)
      for (rank, record) in owner.records.enumerated() {
        result[record, default: 0] += unit / k + (UInt64(rank) < unit % k ? 1 : 0)
      }
    }
    return (result, unattributed)
  }

  /// Random records over a small vocabulary, with stretches copied between records so that
  /// runs repeat, and some empty records.
  static func random(seed: UInt64, records count: Int, words: Int = 12) -> ReferenceCorpus {
    var random = SplitMix64(seed: seed)
    let vocabulary = (0..<words).map { "w\($0)" } + [",", "."]
    var corpus = ReferenceCorpus()
    var texts = [[String]]()
    for index in 0..<count {
      var tokens = [String]()
      let length = Int.random(in: 0...40, using: &random)
      while tokens.count < length {
        if let source = texts.randomElement(using: &random), !source.isEmpty,
          Int.random(in: 0..<3, using: &random) == 0
        {
          let from = Int.random(in: 0..<source.count, using: &random)
          let to = min(source.count, from + Int.random(in: 1...15, using: &random))
          tokens += source[from..<to]
        } else {
          tokens.append(vocabulary.randomElement(using: &random)!)
        }
      }
      texts.append(tokens)
      corpus.add(
        tokens.joined(separator: " "), contributor: index % 3, contribution: index % 2)
    }
    return corpus
  }

  /// A random output: runs copied from records between random tokens.
  func randomOutput(_ random: inout SplitMix64, tokens: Int, words: Int = 12) -> [String] {
    let vocabulary = (0..<words).map { "w\($0)" } + [",", ".", "novel"]
    var output = [String]()
    while output.count < tokens {
      if let record = records.randomElement(using: &random), !record.tokens.isEmpty,
        Bool.random(using: &random)
      {
        let from = Int.random(in: 0..<record.tokens.count, using: &random)
        let to = min(record.tokens.count, from + Int.random(in: 1...20, using: &random))
        output += record.tokens[from..<to]
      } else {
        output.append(vocabulary.randomElement(using: &random)!)
      }
    }
    return Array(output.prefix(tokens))
  }
}

extension Attribution.Span {
  /// The span as the reference describes it.
  var reference: ReferenceCorpus.Span {
    ReferenceCorpus.Span(
      start: tokenStart, length: tokens, count: count, records: records.map { RecordID($0.record) })
  }
}
