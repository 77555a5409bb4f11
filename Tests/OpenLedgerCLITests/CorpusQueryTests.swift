import Foundation
import OpenLedgerKit
import Testing

/// End-to-end tests of boilerplate credit (`attribute`), `count` and `search`.
@Suite struct CorpusQueryTests {
  static let disclaimer =
    "distributed in the hope that it will be useful, but WITHOUT ANY WARRANTY; without even "
    + "the implied warranty of MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE. See the GNU "
    + "General Public License for more details."

  /// Fourteen licence headers sharing the GPL disclaimer, each with its own copyright line:
  /// eleven say "This program is", one "It is", two "The software is".
  static let headers: [String] = (0..<14).map { index in
    let subject = index == 0 ? "It is" : index < 3 ? "The software is" : "This program is"
    return "Copyright \(1990 + index) Holder Number\(index) of Town\(index). \(subject) "
      + disclaimer
  }

  static let unique =
    "The orchard keeper wrote that the quinces ripened late, after the first frost had silvered the grass."

  func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  /// A store where alice curates `licences`, with `texts` contributed by bob (and `more` by
  /// carol, in a second segment), accepted and indexed.
  func setUp(_ texts: [String], more: [String] = []) throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    for name in ["alice", "bob", "carol"] { try sandbox.ok(["identity", "new", name]) }
    try sandbox.ok([
      "datanet", "create", "licences", "--as", "alice", "--record-format", "jsonl",
      "--require", "text", "--license", "CC0-1.0",
    ])
    for (name, lines) in [("bob", texts), ("carol", more)] where !lines.isEmpty {
      let body = try lines.map { line in
        String(decoding: try JSONSerialization.data(withJSONObject: ["text": line]), as: UTF8.self)
          + "\n"
      }.joined()
      try sandbox.write("\(name).jsonl", body)
      let result = try json(
        try sandbox.ok([
          "contribute", "licences", "\(name).jsonl", "--as", name, "--format", "json",
        ])
      )
      try sandbox.ok([
        "review", "accept", try #require(result["contribution"] as? String), "--as", "alice",
      ])
      try sandbox.ok(["index", "build", "licences"])
    }
    return sandbox
  }

  @Test func boilerplateUnderAnyPrefixCreditsNoRecord() throws {
    let sandbox = try setUp(Self.headers + [Self.unique])
    for prefix in ["It is", "The software is", "This program is", "Zorblax quentin is"] {
      let output = "As the notice says: \(prefix) \(Self.disclaimer) Thanks for reading."
      let report = try json(
        try sandbox.ok(["attribute", "licences", "--text", output, "--format", "json"]))
      let result = try #require((report["results"] as? [[String: Any]])?.first)
      let attribution = try #require(result["attribution"] as? [String: Any])
      #expect(attribution["attributedTokens"] as? Int == 0, "\(prefix): \(attribution)")
      #expect((attribution["records"] as? [Any])?.isEmpty == true, "\(prefix)")
      #expect((attribution["settings"] as? [String: Any])?["creditRule"] as? Int == 2)
    }
    // A quote of one record is still credited to it, whole, around the boilerplate.
    let quoted = "Before: \(Self.unique) And then: It is \(Self.disclaimer)"
    let report = try json(
      try sandbox.ok(["attribute", "licences", "--text", quoted, "--format", "json"]))
    let attribution = try #require(
      ((report["results"] as? [[String: Any]])?.first)?["attribution"] as? [String: Any])
    let records = try #require(attribution["records"] as? [[String: Any]])
    #expect(records.count == 1)
    let id = recordID(Self.unique)
    #expect(records.first?["record"] as? String == id.hex)
    #expect(attribution["attributedTokens"] as? Int == Tokenizer.tokens(of: Self.unique).count)
    // The text output marks only the credited run.
    let text = try sandbox.ok(["attribute", "licences", "--text", quoted])
    #expect(text.contains("[[1: \(Self.unique)]]"), "\(text)")
  }

  /// The id of the JSONL record `{"text": text}`: the SHA-256 of its canonical JSON (the texts
  /// here need no escaping).
  private func recordID(_ text: String) -> RecordID {
    Array("{\"text\":\"\(text)\"}".utf8).withUnsafeBytes { RecordID(of: $0) }
  }

  /// Random phrases from the records, across two records, and changed; each counted and
  /// searched by the binary and checked against the records themselves.
  @Test func countAndSearchAgreeWithTheRecords() throws {
    let bob = [
      "The ferry left at dawn, and the ferry came back at dusk with the mail.",
      "Gulls followed the ferry; the mail came late on windy days.",
      "At dusk the harbour lights came on one by one.",
    ]
    let carol = [
      "The mail came late on windy days, and the ferry waited at the pier.",
      "Nobody on the island minded the wait for the mail.",
    ]
    let sandbox = try setUp(bob, more: carol)
    // Carol's second record is taken down: it no longer counts.
    let takenDown = recordID(carol[1])
    try sandbox.ok([
      "takedown", "licences", "--record", takenDown.hex, "--reason", "test", "--as", "alice",
    ])
    let live = (bob + [carol[0]]).map { Tokenizer.tokens(of: $0).map(\.normalized) }
    let all = (bob + carol).map { Tokenizer.tokens(of: $0).map(\.normalized) }
    var random = SplitMix64(seed: 3)
    var phrases = ["the mail", "THE FERRY", "wait for the mail", "dusk with the mail . gulls"]
    for _ in 0..<8 {
      let tokens = all.randomElement(using: &random)!
      let from = Int.random(in: 0..<tokens.count, using: &random)
      phrases.append(
        tokens[from..<min(tokens.count, from + Int.random(in: 1...5, using: &random))]
          .joined(separator: " "))
    }
    for phrase in phrases {
      let wanted = Tokenizer.tokens(of: phrase).map(\.normalized)
      var expected = 0
      var holding = 0
      for tokens in live where tokens.count >= wanted.count {
        let found = (0...(tokens.count - wanted.count)).filter {
          Array(tokens[$0..<($0 + wanted.count)]) == wanted
        }.count
        expected += found
        holding += found > 0 ? 1 : 0
      }
      let count = try json(
        try sandbox.ok(["count", "licences", phrase, "--format", "json"]))
      #expect(count["occurrences"] as? Int == expected, "\(phrase)")
      #expect(count["tokens"] as? [String] == wanted)
      let search = try json(
        try sandbox.ok(["search", "licences", phrase, "--limit", "10", "--format", "json"]))
      let records = try #require(search["records"] as? [[String: Any]])
      #expect(records.count == holding, "\(phrase)")
      #expect(search["occurrences"] as? Int == expected)
      #expect(records.reduce(0) { $0 + ($1["occurrences"] as? Int ?? 0) } == expected)
      for record in records {
        let match = try #require(record["match"] as? String)
        #expect(Tokenizer.tokens(of: match).map(\.normalized) == wanted, "\(phrase)")
        #expect(["bob", "carol"].contains(record["contributorName"] as? String))
      }
    }
    // Text output: the match in context, and the contributor by name.
    let text = try sandbox.ok(["search", "licences", "windy days", "--limit", "1"])
    #expect(text.contains("[[windy days]]"), "\(text)")
    #expect(text.contains("bob") || text.contains("carol"))
    #expect(try sandbox.ok(["count", "licences", "the mail"]).hasPrefix("3 occurrence(s)"))
    // Bad input: no phrase, a bad limit.
    #expect(try sandbox.run(["count", "licences", "  "]).status == 64)
    #expect(try sandbox.run(["search", "licences", "mail", "--limit", "0"]).status == 64)
  }
}
