import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct CorpusQueryTests {
  /// Brute force: each unmasked record holding `phrase`, by record id, with its occurrences and
  /// the token index of the first.
  private func reference(_ phrase: [String], in corpus: ReferenceCorpus, removed: Set<RecordID>)
    -> [(id: RecordID, occurrences: Int, first: Int)]
  {
    var found = [(id: RecordID, occurrences: Int, first: Int)]()
    for record in corpus.records where !removed.contains(record.id) {
      let tokens = record.tokens
      guard !phrase.isEmpty, tokens.count >= phrase.count else { continue }
      let starts = (0...(tokens.count - phrase.count)).filter {
        Array(tokens[$0..<($0 + phrase.count)]) == phrase
      }
      if let first = starts.first { found.append((record.id, starts.count, first)) }
    }
    return found.sorted { $0.id < $1.id }
  }

  /// Random phrases: runs of records, runs across two records adjacent in id order (which
  /// must not match), and runs with a token changed.
  private func phrases(_ corpus: ReferenceCorpus, _ random: inout SplitMix64, count: Int)
    -> [[String]]
  {
    let byID = corpus.records.sorted { $0.id < $1.id }.filter { !$0.tokens.isEmpty }
    var result = [[String]]()
    while result.count < count {
      let index = Int.random(in: 0..<byID.count, using: &random)
      let tokens = byID[index].tokens
      let length = Int.random(in: 1...6, using: &random)
      switch Int.random(in: 0..<4, using: &random) {
      case 0 where index + 1 < byID.count:
        // The end of one record and the start of the next: adjacent in the token array.
        let tail = Array(tokens.suffix(Int.random(in: 1...3, using: &random)))
        result.append(tail + byID[index + 1].tokens.prefix(Int.random(in: 1...3, using: &random)))
      case 1:
        var phrase = Array(tokens.prefix(length))
        phrase[phrase.count - 1] = ["w3", ",", "novel", "."].randomElement(using: &random)!
        result.append(phrase)
      default:
        let from = Int.random(in: 0..<tokens.count, using: &random)
        result.append(Array(tokens[from..<min(tokens.count, from + length)]))
      }
    }
    return result
  }

  @Test(arguments: [1, 3])
  func countAndSearchAgreeWithBruteForce(segments: Int) throws {
    let directory = try TemporaryDirectory()
    let corpus = ReferenceCorpus.random(seed: 11, records: 90)
    let index = try corpus.build(into: directory.path, segments: segments)
    var random = SplitMix64(seed: 7)
    let removed = Set(corpus.records.shuffled(using: &random).prefix(15).map(\.id))
    let query = CorpusQuery(segments: index, removed: removed)
    var boundaryChecked = 0
    for phrase in phrases(corpus, &random, count: 300) {
      let text = phrase.joined(separator: " ")
      let expected = reference(phrase, in: corpus, removed: removed)
      #expect(query.count(text) == expected.reduce(0) { $0 + $1.occurrences }, "\(phrase)")
      let limit = Int.random(in: 1...5, using: &random)
      let (matches, more) = query.search(text, limit: limit)
      #expect(matches.map(\.record) == expected.prefix(limit).map(\.id), "\(phrase)")
      #expect(matches.map(\.occurrences) == expected.prefix(limit).map(\.occurrences))
      #expect(matches.map(\.firstToken) == expected.prefix(limit).map(\.first))
      #expect(more == (expected.count > limit))
      for match in matches {
        let record = try #require(corpus.records.first { $0.id == match.record })
        #expect(match.contributor == record.contributor)
        #expect(match.contribution == record.contribution)
      }
      if expected.isEmpty { boundaryChecked += 1 }
    }
    // Some phrases occur nowhere (across records, or changed).
    #expect(boundaryChecked > 20)
  }

  @Test func aPhraseAcrossTwoRecordsIsNotFound() throws {
    let directory = try TemporaryDirectory()
    var corpus = ReferenceCorpus()
    corpus.add("alpha beta gamma", contributor: 0)
    corpus.add("delta epsilon zeta", contributor: 1)
    let query = CorpusQuery(segments: try corpus.build(into: directory.path))
    #expect(query.count("gamma delta") == 0 && query.count("zeta alpha") == 0)
    #expect(query.count("Beta  GAMMA") == 1)
    #expect(query.search("gamma delta", limit: 5).matches.isEmpty)
    #expect(query.count("") == 0)
  }

  @Test func contextIsCutAtWhitespaceAroundTheMatch() {
    let text = Array("One two three four five six seven eight nine ten.".utf8)
    let context = AttributionIndex.context(of: 4..<6, in: text, bytes: 12)
    #expect(context.match == "five six")
    #expect(context.before == "three four ")
    #expect(context.after == " seven eight")
    let whole = AttributionIndex.context(of: 0..<1, in: text, bytes: 1000)
    #expect(whole.before.isEmpty && whole.match == "One")
    #expect(whole.after == " two three four five six seven eight nine ten.")
  }
}
