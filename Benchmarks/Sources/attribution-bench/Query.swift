import ArgumentParser
import Foundation
import OpenLedgerKit

/// Attributes outputs over a segment on one core and reports the latency per output after a
/// warm-up pass; writes the spans found, and the outputs as infini-gram token ids.
struct Query: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Attribute the outputs of an inference log over segments; report latencies.")

  @Argument(help: "Segment directories.")
  var segments: [String]

  @Option(help: "The outputs: JSONL lines with an \"output\" field.")
  var outputs: String

  @Option(help: "The fewest tokens a span needs.")
  var minSpan = AttributionSettings.defaultMinSpan

  @Option(help: "The most occurrences a span may have.")
  var maxOccurrences = AttributionSettings.defaultMaxOccurrences

  @Option(help: "Timed passes over all outputs, after one warm-up pass.")
  var repeats = 5

  @Option(help: "The credit rule (1: every token of a kept span; 2: not those in common runs).")
  var creditRule = AttributionSettings.currentCreditRule

  @Option(help: "Write the spans of each output here, one JSON line each: [[l, r, count], ...].")
  var spansOut: String?

  @Option(help: "Write each output as infini-gram u16 ids here, one JSON array a line.")
  var idsOut: String?

  func run() throws {
    let clock = ContinuousClock()
    let openStart = clock.now
    let index = try segments.map { try IndexSegment(directory: $0) }
    let attributor = try Attributor(
      segments: index,
      settings: AttributionSettings(
        minSpan: minSpan, maxOccurrences: maxOccurrences, creditRule: creditRule))
    let openTime = (clock.now - openStart).seconds
    let texts = try String(contentsOfFile: outputs, encoding: .utf8).split(separator: "\n").map {
      line -> String in
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
      return object["output"] as! String
    }
    var results = texts.map { attributor.attribute($0) }
    var latencies = [Double]()
    for _ in 0..<repeats {
      for (index, text) in texts.enumerated() {
        let start = clock.now
        results[index] = attributor.attribute(text)
        latencies.append((clock.now - start).seconds * 1000)
      }
    }
    latencies.sort()
    let tokens = results.reduce(0) { $0 + $1.tokens }
    let spans = results.reduce(0) { $0 + $1.spans.count }
    let attributed = results.reduce(0) { $0 + $1.attributedTokens }
    let result: [String: Any] = [
      "outputs": texts.count, "mean_tokens": Double(tokens) / Double(texts.count),
      "open_seconds": openTime,
      "median_ms": latencies[latencies.count / 2],
      "p90_ms": latencies[latencies.count * 9 / 10],
      "max_ms": latencies.last!,
      "spans_per_output": Double(spans) / Double(texts.count),
      "attributed_share": Double(attributed) / Double(tokens),
      "min_span": minSpan, "max_occurrences": maxOccurrences, "credit_rule": creditRule,
      "format_version": index.map(\.manifest.version).max() ?? 0,
      "index_bytes": index.reduce(0) { $0 + $1.manifest.fileBytes },
    ]
    print(try jsonLine(result))
    if let spansOut {
      let lines = try results.map { result in
        String(
          decoding: try JSONSerialization.data(
            withJSONObject: result.spans.map {
              [$0.tokenStart, $0.tokenStart + $0.tokens, $0.count]
            }), as: UTF8.self)
      }
      try (lines.joined(separator: "\n") + "\n").write(
        toFile: spansOut, atomically: true, encoding: .utf8)
    }
    if let idsOut, let segment = index.first {
      precondition(index.count == 1, "ids are written for one segment")
      let lines = try texts.map { text -> String in
        var ids = [Int]()
        var text = text
        text.withUTF8 { bytes in
          Tokenizer.forEachToken(in: UnsafeRawBufferPointer(bytes)) { _, normalized, _ in
            let id = segment.tokenID(normalized) ?? UInt32.max
            ids.append(Int(InfiniGramIDs.map(id, vocabulary: segment.manifest.vocabulary)))
          }
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: ids), as: UTF8.self)
      }
      try (lines.joined(separator: "\n") + "\n").write(
        toFile: idsOut, atomically: true, encoding: .utf8)
    }
  }
}
