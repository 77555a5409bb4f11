import ArgumentParser
import Foundation
import OpenLedgerKit

struct Attribute: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Find which records and contributors a model output came from.",
    discussion: """
      Finds the output's maximal spans that occur verbatim in the Datanet's attribution index \
      (at least --min-span tokens, at most --max-occurrences occurrences), and splits each \
      covered token's credit among the records its longest span occurs in. Credit is in units: \
      1,000,000,000 per output token. Text output marks the spans in the output ([[n: …]] in a \
      pipe, colour on a terminal); --format json gives every span (with its text: the output's \
      bytes it covers, as given), record and contributor. Run \
      `openledger index build` first. Docs/Attribution.md explains the method and its limits.

      Each segment's records, contributors, contributions, vocabulary and counts are re-hashed \
      against its manifest first: one changed on disk stops the command (exit 74) before it \
      credits anyone. The token and suffix arrays, most of the index, are not re-hashed; the \
      output says so (text: its last line; JSON: "integrity"), and `openledger validate` \
      re-hashes them.
      """)

  @OptionGroup var global: GlobalOptions

  @OptionGroup var target: DatanetArgument

  @Option(help: "The output to attribute.")
  var text: String?

  @Option(help: "A file holding the output to attribute ('-' for standard input).")
  var file: String?

  @Option(help: "An inference log: JSONL lines {\"id\", \"output\", \"fee\"}.")
  var inferences: String?

  @OptionGroup var attribution: AttributionOptions

  func validate() throws {
    let given = [text, file, inferences].compactMap { $0 }.count
    guard given == 1 else {
      throw ValidationError("give exactly one of --text, --file and --inferences")
    }
    try attribution.check()
  }

  /// What `--format json` prints.
  struct Report: Encodable {
    struct Result: Encodable {
      /// The inference's id and line, for `--inferences`.
      var id: String?
      var line: Int?
      var attribution: Attribution
    }
    var datanet: Digest
    var segments: [Digest]
    /// Which of the segments' files were re-hashed before the queries.
    var integrity: SegmentIntegrity
    var results: [Result]
  }

  func run(_ context: Context) throws {
    let (state, index) = try context.attributionIndex(target.datanet, "")
    let attributor = try index.attributor(settings: attribution.settings)
    var outputs = [(id: String?, line: Int?, text: String)]()
    if let text {
      outputs.append((nil, nil, text))
    } else if let file {
      outputs.append((nil, nil, try readOutput(file, context: context)))
    } else if let inferences {
      outputs = try InferenceLog.read(path: context.absolute(inferences)).map {
        ($0.id, $0.line, $0.output)
      }
    }
    let results = outputs.map { output in
      Report.Result(
        id: output.id, line: output.line, attribution: attributor.attribute(output.text))
    }
    if context.output.isJSON {
      try context.output.json(
        Report(
          datanet: state.id, segments: attributor.segmentIDs, integrity: attributor.integrity,
          results: results))
      return
    }
    let printer = AttributionPrinter(
      output: context.output, names: context.accountNames(),
      color: context.output.stdoutIsTerminal && context.output.colorAllowed)
    for (index, result) in results.enumerated() {
      if let id = result.id {
        if index > 0 { context.output.line() }
        context.output.line("== inference \(id) (line \(result.line ?? 0))")
      }
      printer.print(result.attribution, text: outputs[index].text)
    }
    if let note = Self.integrityNote(
      attributor.integrity, segments: attributor.segments.count, datanet: state.name)
    {
      context.output.line(note)
    }
  }

  /// What the text output says about the files the query trusted without re-hashing them.
  static func integrityNote(_ integrity: SegmentIntegrity, segments: Int, datanet: String)
    -> String?
  {
    guard !integrity.notRehashed.isEmpty else { return nil }
    let list = { (names: [String]) in
      names.count < 2
        ? names.joined()
        : names.dropLast().joined(separator: ", ") + " and " + names.last!
    }
    return "\(segments) index segment(s): \(list(integrity.rehashed)) re-hashed; not re-hashed: "
      + "\(list(integrity.notRehashed)) (\(formatBytes(integrity.notRehashedBytes))), which "
      + "`openledger validate --datanet \(datanet)` re-hashes"
  }

  private func readOutput(_ file: String, context: Context) throws -> String {
    let data =
      file == "-"
      ? FileHandle.standardInput.readDataToEndOfFile()
      : try FileSystem.read(context.absolute(file))
    return String(decoding: data, as: UTF8.self)
  }
}

/// Prints an attribution for people: the output with its spans marked, the spans, and the
/// credit per contributor and per record.
struct AttributionPrinter {
  let output: Output
  let names: AccountNames
  let color: Bool

  private static let colors = ["\u{1B}[1;33m", "\u{1B}[1;36m", "\u{1B}[1;35m", "\u{1B}[1;32m"]
  private static let reset = "\u{1B}[0m"

  func print(_ attribution: Attribution, text: String) {
    output.line(marked(attribution, text: text.hasSuffix("\n") ? String(text.dropLast()) : text))
    output.line()
    let share = { (units: UInt64) -> String in
      attribution.totalUnits == 0
        ? "0.00%"
        : String(format: "%.2f%%", Double(units) * 100 / Double(attribution.totalUnits))
    }
    output.line(
      "\(attribution.tokens) tokens, \(attribution.attributedTokens) attributed in "
        + "\(attribution.spans.count) span(s) (min span \(attribution.settings.minSpan), "
        + "max occurrences \(attribution.settings.maxOccurrences))")
    for (index, span) in attribution.spans.enumerated() {
      let records = span.records.map { "\($0.record.short) (\(names.label($0.contributor)))" }
      output.line(
        "  [\(index + 1)] bytes \(span.byteStart)..<\(span.byteEnd), \(span.tokens) tokens, "
          + "\(span.count) occurrence(s), credits \(span.creditedTokens) token(s): "
          + records.joined(separator: ", "))
    }
    let tokens = { (units: UInt64) in RewardsTable.tokens(TokenAmount(units)) }
    var table = TextTable(["CONTRIBUTOR", "RECORDS", "TOKENS", "SHARE"])
    for contributor in attribution.contributors {
      table.add([
        names.label(contributor.account), "\(contributor.records)", tokens(contributor.units),
        share(contributor.units),
      ])
    }
    table.add([
      "unattributed", "", tokens(attribution.unattributedUnits),
      share(attribution.unattributedUnits),
    ])
    output.line(table.rendered)
    if !attribution.records.isEmpty {
      var records = TextTable(["RECORD", "CONTRIBUTOR", "TOKENS", "SHARE"])
      for record in attribution.records {
        records.add([
          record.record.short, names.label(record.contributor), tokens(record.units),
          share(record.units),
        ])
      }
      output.line(records.rendered)
    }
  }

  /// The output with each span's credited runs marked: `[[n: …]]`, or a colour on a terminal.
  /// The output's own control characters are escaped; only the colours are sent as they are.
  func marked(_ attribution: Attribution, text: String) -> TerminalText {
    let bytes = Array(text.utf8)
    var result = TerminalText()
    let piece = { (range: Range<Int>) in String(decoding: bytes[range], as: UTF8.self) }
    var position = 0
    // Runs of different spans never overlap; in output order, they are marked one by one.
    let runs = attribution.spans.enumerated().flatMap { index, span in
      span.creditedRuns.map { (index, $0) }
    }.sorted { $0.1.tokenStart < $1.1.tokenStart }
    for (index, run) in runs {
      result.append(piece(position..<run.byteStart))
      if color {
        result.appendStyle(Self.colors[index % Self.colors.count])
      } else {
        result.append("[[\(index + 1): ")
      }
      result.append(piece(run.byteStart..<run.byteEnd))
      if color { result.appendStyle(Self.reset) } else { result.append("]]") }
      position = run.byteEnd
    }
    result.append(piece(position..<bytes.count))
    return result
  }
}
