import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct AttributorTests {
  /// The ids of `tokens` in `segment`, unknown tokens as `UInt32.max`.
  private func ids(_ tokens: [String], in segment: IndexSegment) -> [UInt32] {
    tokens.map { token in
      Array(token.utf8).withUnsafeBytes { segment.tokenID($0) } ?? UInt32.max
    }
  }

  private func essays() throws -> ReferenceCorpus {
    let text = try String(contentsOfFile: input("attribution/essays.txt"), encoding: .utf8)
    var corpus = ReferenceCorpus()
    for (index, paragraph) in text.components(separatedBy: "\n\n").enumerated() {
      corpus.add(paragraph, contributor: index % 4, contribution: index % 3)
    }
    return corpus
  }

  @Test func ngramCountsMatchTheReference() throws {
    let directory = try TemporaryDirectory()
    for (seed, corpus) in [(1, ReferenceCorpus.random(seed: 1, records: 60)), (2, try essays())] {
      let segment = try corpus.build(into: "\(directory.path)/\(seed)")[0]
      #expect(segment.recordCount == corpus.records.count)
      #expect(segment.tokenCount == corpus.records.reduce(0) { $0 + $1.tokens.count })
      var random = SplitMix64(seed: UInt64(seed))
      for _ in 0..<400 {
        let record = corpus.records.randomElement(using: &random)!
        guard !record.tokens.isEmpty else { continue }
        let from = Int.random(in: 0..<record.tokens.count, using: &random)
        let to = min(record.tokens.count, from + Int.random(in: 1...6, using: &random))
        var ngram = Array(record.tokens[from..<to])
        // Sometimes a token from elsewhere, so that some n-grams do not occur at all.
        if Int.random(in: 0..<4, using: &random) == 0 {
          ngram[ngram.count - 1] = corpus.records.randomElement(using: &random)!.tokens.first ?? "x"
        }
        let query = ids(ngram, in: segment)
        let counted = query.withUnsafeBufferPointer { segment.count($0) }
        #expect(counted == corpus.count(ngram), "n-gram \(ngram)")
      }
    }
  }

  @Test func unigramCountsMatchTheReference() throws {
    let directory = try TemporaryDirectory()
    let corpus = try essays()
    let segment = try corpus.build(into: directory.path)[0]
    var expected = [String: Int]()
    for record in corpus.records {
      for token in record.tokens { expected[token, default: 0] += 1 }
    }
    let vocabulary = segment.vocabulary()
    #expect(vocabulary.count == expected.count)
    for (token, count) in vocabulary { #expect(expected[token] == count, "token \(token)") }
    #expect(
      vocabulary.map(\.token)
        == vocabulary.map(\.token).sorted {
          Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8))
        })
    // The most frequent token has id 1.
    let mostFrequent = expected.max {
      $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key)
    }!
    #expect(Array(mostFrequent.key.utf8).withUnsafeBytes { segment.tokenID($0) } != nil)
  }

  @Test(arguments: [1, 2, 3])
  func maximalSpansMatchTheReference(segments: Int) throws {
    let directory = try TemporaryDirectory()
    let corpus = ReferenceCorpus.random(seed: 5, records: 80)
    let index = try corpus.build(into: directory.path, segments: segments)
    var random = SplitMix64(seed: 99)
    for rule in AttributionSettings.knownCreditRules {
      for settings in [
        AttributionSettings(minSpan: 1, maxOccurrences: 1000, creditRule: rule),
        AttributionSettings(minSpan: 3, maxOccurrences: 4, creditRule: rule),
        AttributionSettings(minSpan: 2, maxOccurrences: 2, creditRule: rule),
        AttributionSettings(minSpan: 6, maxOccurrences: 1, creditRule: rule),
      ] {
        let attributor = try Attributor(segments: index, settings: settings)
        for _ in 0..<40 {
          let output = corpus.randomOutput(&random, tokens: Int.random(in: 0...60, using: &random))
          let result = attributor.attribute(output.joined(separator: " "))
          let expected = corpus.maximalSpans(output, settings: settings)
          #expect(result.tokens == output.count)
          #expect(result.spans.map(\.reference) == expected, "output \(output)")
          let units = corpus.units(expected, output: output, settings: settings)
          #expect(
            Dictionary(uniqueKeysWithValues: result.records.map { (RecordID($0.record), $0.units) })
              == units.records.filter { $0.value > 0 })
          #expect(result.unattributedUnits == units.unattributed)
          #expect(
            result.spans.reduce(0) { $0 + $1.creditedRuns.reduce(0) { $0 + $1.tokens } }
              == result.attributedTokens)
        }
      }
    }
  }

  @Test func realCorpusSpansMatchTheReference() throws {
    let directory = try TemporaryDirectory()
    let corpus = try essays()
    let index = try corpus.build(into: directory.path, segments: 2)
    var random = SplitMix64(seed: 3)
    for settings in [
      AttributionSettings(), AttributionSettings(minSpan: 2, maxOccurrences: 3),
    ] {
      let attributor = try Attributor(segments: index, settings: settings)
      for _ in 0..<25 {
        let output = corpus.randomOutput(&random, tokens: 80)
        let result = attributor.attribute(output.joined(separator: " "))
        #expect(result.spans.map(\.reference) == corpus.maximalSpans(output, settings: settings))
      }
    }
  }

  @Test func plantedSpansAreFoundWithTheirRecords() throws {
    let directory = try TemporaryDirectory()
    let corpus = try essays()
    let attributor = try Attributor(segments: try corpus.build(into: directory.path))
    var random = SplitMix64(seed: 17)
    for _ in 0..<30 {
      let record = corpus.records.randomElement(using: &random)!
      let tokens = Tokenizer.tokens(of: record.text)
      let from = Int.random(in: 0..<(tokens.count - 12), using: &random)
      let to = from + Int.random(in: 10...min(25, tokens.count - from), using: &random)
      let bytes = Array(record.text.utf8)
      let planted = String(
        decoding: bytes[tokens[from].range.lowerBound..<tokens[to - 1].range.upperBound],
        as: UTF8.self)
      let prefix = "Zebra quasar nebula; "
      let output = prefix + planted + " — xylophone quokka marmalade."
      let result = attributor.attribute(output)
      let span = try #require(
        result.spans.first { $0.records.contains { $0.record == record.id.digest } })
      // The whole planted run is one span, and its bytes are exactly the planted text.
      #expect(span.tokens == to - from)
      let outputBytes = Array(output.utf8)
      #expect(
        String(decoding: outputBytes[span.byteStart..<span.byteEnd], as: UTF8.self) == planted)
      #expect(
        span.records.first { $0.record == record.id.digest }?.contributor == record.contributor)
      #expect(result.contributors.contains { $0.account == record.contributor })
    }
  }

  @Test func aSpanNeverCrossesTwoRecords() throws {
    let directory = try TemporaryDirectory()
    var corpus = ReferenceCorpus()
    corpus.add("alpha beta gamma delta", contributor: 0)
    corpus.add("epsilon zeta eta theta", contributor: 1)
    let index = try corpus.build(into: directory.path)
    let attributor = try Attributor(
      segments: index, settings: AttributionSettings(minSpan: 1, maxOccurrences: 10))
    // The two records are adjacent in the token array (ordered by id), in one order or the other.
    for output in ["gamma delta epsilon zeta", "theta alpha beta"] {
      let result = attributor.attribute(output)
      for span in result.spans { #expect(span.records.count == 1) }
      #expect(result.spans.map(\.tokens).max()! <= 2)
      #expect(result.attributedTokens == output.split(separator: " ").count)
    }
  }

  @Test func creditIsSplitInExactIntegers() throws {
    let directory = try TemporaryDirectory()
    var corpus = ReferenceCorpus()
    // The same sentence in three records; one record also has a longer run.
    corpus.add("one two three four five six", contributor: 0)
    corpus.add("one two three four five six seven eight", contributor: 1)
    corpus.add("zero one two three four five six", contributor: 2)
    let attributor = try Attributor(
      segments: try corpus.build(into: directory.path),
      settings: AttributionSettings(minSpan: 3, maxOccurrences: 5))
    let result = attributor.attribute("one two three four five six seven eight nine")
    // Maximal: "one … eight" (8 tokens, 1 record). "nine" is unattributed.
    #expect(result.spans.map(\.tokens) == [8])
    #expect(result.tokens == 9)
    #expect(result.attributedTokens == 8)
    #expect(result.unattributedUnits == Attribution.unitsPerToken)
    #expect(result.records.count == 1)
    #expect(result.records[0].units == 8 * Attribution.unitsPerToken)

    let shared = attributor.attribute("one two three four five six")
    #expect(shared.spans.count == 1)
    #expect(shared.spans[0].count == 3)
    let sorted = corpus.records.map(\.id).sorted()
    // 10^9 / 3 = 333,333,333 remainder 1: the smallest record id gets the extra unit per token.
    let expected = Dictionary(
      uniqueKeysWithValues: sorted.enumerated().map { rank, id in
        (id.digest, 6 * (333_333_333 + (rank == 0 ? 1 : 0)) as UInt64)
      })
    #expect(
      Dictionary(uniqueKeysWithValues: shared.records.map { ($0.record, $0.units) }) == expected)
    #expect(shared.records.reduce(0) { $0 + $1.units } == shared.totalUnits)
    #expect(shared.contributors.count == 3)
    #expect(shared.contributors.map(\.account) == shared.contributors.map(\.account).sorted())
  }

  @Test func maskedRecordsAreIgnoredAsIfNeverIndexed() throws {
    let directory = try TemporaryDirectory()
    let corpus = ReferenceCorpus.random(seed: 8, records: 70)
    let index = try corpus.build(into: "\(directory.path)/all", segments: 2)
    var random = SplitMix64(seed: 4)
    let removed = Set(corpus.records.shuffled(using: &random).prefix(20).map(\.id))
    var kept = ReferenceCorpus()
    kept.records = corpus.records.filter { !removed.contains($0.id) }
    let rebuilt = try kept.build(into: "\(directory.path)/kept")
    let settings = AttributionSettings(minSpan: 2, maxOccurrences: 3)
    let masked = try Attributor(segments: index, removed: removed, settings: settings)
    let clean = try Attributor(segments: rebuilt, settings: settings)
    for _ in 0..<60 {
      let output = corpus.randomOutput(&random, tokens: 50).joined(separator: " ")
      let result = masked.attribute(output)
      #expect(result == clean.attribute(output))
      let tokens = Tokenizer.tokens(of: output).map(\.normalized)
      let spans = corpus.maximalSpans(tokens, settings: settings, removed: removed)
      #expect(result.spans.map(\.reference) == spans)
      let units = corpus.units(spans, output: tokens, settings: settings, removed: removed)
      #expect(
        Dictionary(uniqueKeysWithValues: result.records.map { (RecordID($0.record), $0.units) })
          == units.records.filter { $0.value > 0 })
    }
  }

  @Test func resultsDoNotDependOnSegmentsOrRecordOrder() throws {
    let directory = try TemporaryDirectory()
    let corpus = try essays()
    var reversed = corpus
    reversed.records.reverse()
    let one = try corpus.build(into: "\(directory.path)/a")
    let again = try reversed.build(into: "\(directory.path)/b")
    #expect(one[0].id == again[0].id)
    let three = try corpus.build(into: "\(directory.path)/c", segments: 3)
    let output = corpus.records[5].text + " and then " + corpus.records[1].text
    let first = try CanonicalEncoder.encode(try Attributor(segments: one).attribute(output))
    let second = try CanonicalEncoder.encode(try Attributor(segments: three).attribute(output))
    #expect(first == second)
    #expect(try CanonicalEncoder.encode(try Attributor(segments: one).attribute(output)) == first)
  }

  @Test func emptyOutputsAndEmptyIndexes() throws {
    let directory = try TemporaryDirectory()
    let corpus = try essays()
    let attributor = try Attributor(segments: try corpus.build(into: directory.path))
    let empty = attributor.attribute("")
    #expect(empty.tokens == 0 && empty.spans.isEmpty && empty.unattributedUnits == 0)
    let none = try Attributor(segments: []).attribute("The committee met on Thursday.")
    #expect(none.tokens == 6 && none.spans.isEmpty)
    #expect(none.unattributedUnits == 6 * Attribution.unitsPerToken)
  }

  @Test func settingsOutOfRangeAreRefused() {
    #expect(throws: AttributionError.self) {
      try Attributor(segments: [], settings: AttributionSettings(minSpan: 0))
    }
    #expect(throws: AttributionError.self) {
      try Attributor(segments: [], settings: AttributionSettings(maxOccurrences: 0))
    }
  }
}
