import ArgumentParser
import Foundation
import OpenLedgerKit

/// Measures what the credit rules credit on `boilerplate.py`'s corpus and outputs: how much of
/// the quoted boilerplate earns credit under each rule, and whether planted quotes are still
/// found with their record, side by side in one run.
struct Credit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Credit of boilerplate and planted quotes under each credit rule.")

  @Option(help: "The corpus: JSONL lines {\"name\", \"text\"}, one record each.")
  var corpus: String

  @Option(help: "The outputs: JSONL lines {\"kind\", \"prefix\", \"text\", \"regions\"}.")
  var outputs: String

  @Option(help: "Where to build the segment.")
  var work: String

  @Option(help: "The fewest tokens a span needs.")
  var minSpan = AttributionSettings.defaultMinSpan

  @Option(help: "The most occurrences a span may have.")
  var maxOccurrences = AttributionSettings.defaultMaxOccurrences

  /// A labelled byte range of an output.
  struct Region: Decodable {
    var kind: String
    var start: Int
    var end: Int
    var record: Int?
  }

  struct Output: Decodable {
    var kind: String
    var prefix: String
    var text: String
    var regions: [Region]
  }

  struct Line: Decodable {
    var text: String
  }

  func run() throws {
    let decoder = JSONDecoder()
    let lines = { (path: String) in
      try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
        Data($0.utf8)
      }
    }
    let texts = try lines(corpus).map { try decoder.decode(Line.self, from: $0).text }
    let items = try lines(outputs).map { try decoder.decode(Output.self, from: $0) }
    let contributor = AccountID(hex: String(repeating: "ab", count: 32))!
    let contribution = Digest(hex: String(repeating: "cd", count: 32))!
    let builder = SegmentBuilder()
    var recordIDs = [RecordID]()
    for text in texts {
      let id = Array(text.utf8).withUnsafeBytes { RecordID(of: $0) }
      recordIDs.append(id)
      builder.add(record: id, contributor: contributor, contribution: contribution, text: text)
    }
    try FileManager.default.createDirectory(
      atPath: "\(work)/tmp", withIntermediateDirectories: true)
    let (id, manifest) = try builder.write(into: work, stagingDirectory: "\(work)/tmp")
    let segment = try IndexSegment(directory: "\(work)/\(id.hex)")
    note("segment: \(manifest.records) records, \(manifest.tokens) tokens")

    var report: [String: Any] = [
      "records": manifest.records, "tokens": manifest.tokens, "outputs": items.count,
      "min_span": minSpan, "max_occurrences": maxOccurrences,
    ]
    for rule in AttributionSettings.knownCreditRules {
      let attributor = try Attributor(
        segments: [segment],
        settings: AttributionSettings(
          minSpan: minSpan, maxOccurrences: maxOccurrences, creditRule: rule))
      var tally = Tally()
      for item in items {
        tally.add(item, attributor.attribute(item.text), records: recordIDs)
      }
      report["rule_\(rule)"] = tally.summary
    }
    print(try jsonLine(report))
  }

  /// Counts over the outputs, by region kind and prefix.
  struct Tally {
    /// Boilerplate tokens, and those credited to some record, by prefix kind.
    var boilerplate: [String: (tokens: Int, credited: Int)] = [:]
    /// Prefix tokens credited, by prefix kind.
    var prefixCredited: [String: (tokens: Int, credited: Int)] = [:]
    /// Boilerplate outputs, and those crediting any record at all.
    var boilerplateOutputs = 0
    var boilerplateOutputsCrediting = 0
    /// Planted quotes; found: its record credited for at least one of its tokens; most: for
    /// more than half of them.
    var quotes = 0
    var quotesFound = 0
    var quotesMostlyFound = 0
    var quoteTokens = 0
    var quoteTokensToTheirRecord = 0
    /// Tokens of quote outputs outside the quotes, and those credited to some record.
    var outsideTokens = 0
    var outsideCredited = 0

    mutating func add(_ output: Output, _ result: Attribution, records: [RecordID]) {
      // Which records each token's credit went to.
      let tokens = Tokenizer.tokens(of: output.text)
      var credited = [[Digest]](repeating: [], count: tokens.count)
      for span in result.spans {
        for run in span.creditedRuns {
          for token in run.tokenStart..<(run.tokenStart + run.tokens) {
            credited[token] = span.records.map(\.record)
          }
        }
      }
      let region = { (token: Int) -> Region? in
        output.regions.first {
          $0.start <= tokens[token].range.lowerBound
            && tokens[token].range.lowerBound < $0.end
        }
      }
      if output.kind == "boilerplate" {
        boilerplateOutputs += 1
        if result.attributedTokens > 0 { boilerplateOutputsCrediting += 1 }
        for token in tokens.indices {
          switch region(token)?.kind {
          case "boilerplate":
            boilerplate[output.prefix, default: (0, 0)].tokens += 1
            if !credited[token].isEmpty {
              boilerplate[output.prefix, default: (0, 0)].credited += 1
            }
          case "prefix":
            prefixCredited[output.prefix, default: (0, 0)].tokens += 1
            if !credited[token].isEmpty {
              prefixCredited[output.prefix, default: (0, 0)].credited += 1
            }
          default: break
          }
        }
        return
      }
      var perQuote = [Int: (tokens: Int, toRecord: Int)]()
      for token in tokens.indices {
        guard let region = region(token), region.kind == "quote", let record = region.record
        else {
          outsideTokens += 1
          if !credited[token].isEmpty { outsideCredited += 1 }
          continue
        }
        perQuote[region.start, default: (0, 0)].tokens += 1
        if credited[token].contains(records[record].digest) {
          perQuote[region.start, default: (0, 0)].toRecord += 1
        }
      }
      for (_, quote) in perQuote {
        quotes += 1
        quoteTokens += quote.tokens
        quoteTokensToTheirRecord += quote.toRecord
        if quote.toRecord > 0 { quotesFound += 1 }
        if 2 * quote.toRecord > quote.tokens { quotesMostlyFound += 1 }
      }
    }

    var summary: [String: Any] {
      let share = { (part: Int, whole: Int) in whole == 0 ? 0 : Double(part) / Double(whole) }
      var byPrefix = [String: Any]()
      for (prefix, value) in boilerplate {
        let prefixTokens = prefixCredited[prefix] ?? (0, 0)
        byPrefix[prefix] = [
          "boilerplate_tokens": value.tokens, "boilerplate_credited": value.credited,
          "boilerplate_credited_share": share(value.credited, value.tokens),
          "prefix_tokens": prefixTokens.tokens, "prefix_credited": prefixTokens.credited,
        ]
      }
      let allTokens = boilerplate.values.reduce(0) { $0 + $1.tokens }
      let allCredited = boilerplate.values.reduce(0) { $0 + $1.credited }
      return [
        "boilerplate_by_prefix": byPrefix,
        "boilerplate_tokens": allTokens,
        "boilerplate_credited_share": share(allCredited, allTokens),
        "boilerplate_outputs": boilerplateOutputs,
        "boilerplate_outputs_crediting_a_record": boilerplateOutputsCrediting,
        "quotes": quotes,
        "quote_recall": share(quotesFound, quotes),
        "quote_recall_majority_of_tokens": share(quotesMostlyFound, quotes),
        "quote_tokens_credited_to_their_record": share(quoteTokensToTheirRecord, quoteTokens),
        "tokens_outside_quotes": outsideTokens,
        "false_credit_share_outside_quotes": share(outsideCredited, outsideTokens),
      ]
    }
  }
}
