import ArgumentParser
import BenchSupport
import Foundation
import OpenLedgerKit

/// Times `count` and `search` (the index part of `openledger count` and `openledger search`,
/// the search with the tokens it shows of each record) on phrases drawn from a segment, and writes the phrases as text and as infini-gram ids so
/// that `infinigram_peer.py` times its `count` and `search_docs` on the same ones.
struct Phrases: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Time phrase counts and searches over a segment; write the phrases for the peer.")

  @Argument(help: "A segment directory.")
  var segment: String

  @Option(help: "How many phrases.")
  var count = 1000

  @Option(help: "The records a search lists.")
  var limit = 10

  @Option(help: "Timed passes over all phrases, after one warm-up pass.")
  var repeats = 3

  @Option(help: "Write each phrase's text and count here, one JSON line each.")
  var phrasesOut: String?

  @Option(help: "Write each phrase as infini-gram u16 ids here, one JSON array a line.")
  var idsOut: String?

  /// Reads the tokens a search shows of each record, as infini-gram's `search_docs` returns
  /// up to `max_disp_len` (100) tokens of each document: up to half of them before the match,
  /// the rest from there on, inside the record. Returns a sum of the ids read.
  private func display(_ matches: [CorpusQuery.Match], in index: IndexSegment) -> Int {
    var sum = 0
    for match in matches {
      let range = index.recordRange(index.recordIndex(of: match.record)!)
      let at = range.lowerBound + match.firstToken
      let from = max(range.lowerBound, at - 50)
      for position in from..<min(range.upperBound, from + 100) {
        sum &+= Int(index.token(at: position))
      }
    }
    return sum
  }

  func run() throws {
    let index = try IndexSegment(directory: segment)
    let query = CorpusQuery(segments: [index])
    var tokenByID = [UInt32: String]()
    for entry in index.vocabulary() {
      let id = Array(entry.token.utf8).withUnsafeBytes { index.tokenID($0) }!
      tokenByID[id] = entry.token
    }
    // Phrases of 1 to 8 tokens starting at random positions (a run stops at a record's end),
    // one in five with its last token replaced by a random one, so that some do not occur.
    var random = SplitMix64(seed: 2024)
    var phrases = [(text: String, ids: [UInt32])]()
    while phrases.count < count {
      let start = Int.random(in: 0..<index.positionCount, using: &random)
      let length = Int.random(in: 1...8, using: &random)
      var ids = [UInt32]()
      for position in start..<min(start + length, index.positionCount) {
        let id = index.token(at: position)
        if id == 0 { break }
        ids.append(id)
      }
      guard !ids.isEmpty else { continue }
      if Int.random(in: 0..<5, using: &random) == 0 {
        ids[ids.count - 1] = UInt32.random(
          in: 1...UInt32(index.manifest.vocabulary), using: &random)
      }
      phrases.append((ids.map { tokenByID[$0]! }.joined(separator: " "), ids))
    }
    var counts = phrases.map { query.count($0.text) }
    var found = phrases.map { query.search($0.text, limit: limit).matches.count }
    var countTimes = [Double]()
    var searchTimes = [Double]()
    let clock = ContinuousClock()
    // A checksum of the tokens displayed, so that reading them is not optimized away.
    var shown = 0
    for _ in 0..<repeats {
      for (number, phrase) in phrases.enumerated() {
        var start = clock.now
        counts[number] = query.count(phrase.text)
        countTimes.append((clock.now - start).seconds * 1_000_000)
        start = clock.now
        let matches = query.search(phrase.text, limit: limit).matches
        shown &+= display(matches, in: index)
        searchTimes.append((clock.now - start).seconds * 1_000_000)
        found[number] = matches.count
      }
    }
    countTimes.sort()
    searchTimes.sort()
    let sortedCounts = counts.sorted()
    print(
      try jsonLine([
        "phrases": phrases.count, "limit": limit,
        "count_median_us": countTimes[countTimes.count / 2],
        "count_p90_us": countTimes[countTimes.count * 9 / 10],
        "search_median_us": searchTimes[searchTimes.count / 2],
        "search_p90_us": searchTimes[searchTimes.count * 9 / 10],
        "phrases_not_found": counts.filter { $0 == 0 }.count,
        "median_occurrences": sortedCounts[sortedCounts.count / 2],
        "max_occurrences": sortedCounts.last ?? 0,
        "records_listed": found.reduce(0, +), "displayed_checksum": shown,
      ]))
    if let phrasesOut {
      let lines = try zip(phrases, counts).map { phrase, count in
        try jsonLine(["phrase": phrase.text, "count": count])
      }
      try (lines.joined(separator: "\n") + "\n").write(
        toFile: phrasesOut, atomically: true, encoding: .utf8)
    }
    if let idsOut {
      let vocabulary = index.manifest.vocabulary
      let lines = try phrases.map { phrase in
        String(
          decoding: try JSONSerialization.data(
            withJSONObject: phrase.ids.map { Int(InfiniGramIDs.map($0, vocabulary: vocabulary)) }),
          as: UTF8.self)
      }
      try (lines.joined(separator: "\n") + "\n").write(
        toFile: idsOut, atomically: true, encoding: .utf8)
    }
  }
}
