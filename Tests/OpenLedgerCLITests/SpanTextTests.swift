import Foundation
import Testing

/// `attribute --format json` quotes each span: the exact text of the output it covers.
@Suite struct SpanTextTests {
  @Test func attributeJSONQuotesEachSpan() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["datanet", "create", "papers", "--record-format", "jsonl"])
    try sandbox.write(
      "papers.jsonl",
      "{\"text\": \"MinHash estimates the Jaccard similarity of two sets.\"}\n"
        + "{\"text\": \"Suffix arrays index every substring of a corpus.\"}\n")
    let contributed = try #require(
      try decodeJSON(try sandbox.ok(["contribute", "papers", "papers.jsonl", "--format", "json"]))
        as? [String: Any])
    try sandbox.ok(["review", "accept", try #require(contributed["contribution"] as? String)])
    try sandbox.ok(["index", "build", "papers"])

    // Case and spacing as the output has them, not as the index normalizes them.
    let output = "Indeed, MINHASH  estimates the Jaccard similarity of two sets, they say."
    let report = try #require(
      try decodeJSON(
        try sandbox.ok(["attribute", "papers", "--text", output, "--format", "json"]))
        as? [String: Any])
    let attribution = try #require(
      (report["results"] as? [[String: Any]])?.first?["attribution"] as? [String: Any])
    let spans = try #require(attribution["spans"] as? [[String: Any]])
    #expect(spans.count == 1)
    let span = try #require(spans.first)
    #expect(span["text"] as? String == "MINHASH  estimates the Jaccard similarity of two sets")
    let bytes = Array(output.utf8)
    let start = try #require(span["byteStart"] as? Int)
    let end = try #require(span["byteEnd"] as? Int)
    #expect(String(decoding: bytes[start..<end], as: UTF8.self) == span["text"] as? String)
  }
}
