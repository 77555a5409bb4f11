import ArgumentParser
import OpenLedgerKit

struct Count: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Count a phrase's occurrences in a Datanet's attribution index.",
    discussion: """
      The phrase is cut into tokens as model outputs are (case, Unicode forms and whitespace do \
      not matter), and counted exactly by the suffix arrays of every segment of the index: an \
      occurrence lies inside one record, and records removed since they were indexed do not \
      count. Run `openledger index build` first; `openledger search` lists the records.
      """)

  @OptionGroup var global: GlobalOptions

  @OptionGroup var target: DatanetArgument

  @Argument(help: "The phrase to count.")
  var phrase: String

  func validate() throws {
    guard !CorpusQuery.tokens(of: phrase).isEmpty else {
      throw ValidationError("the phrase has no words or punctuation to count")
    }
  }

  /// What `--format json` prints.
  struct Report: Encodable {
    var datanet: Digest
    var phrase: String
    var tokens: [String]
    var occurrences: Int
    var segments: [Digest]
  }

  func run(_ context: Context) throws {
    let (state, index) = try context.attributionIndex(target.datanet, " and are not counted")
    let query = try index.corpusQuery()
    let report = Report(
      datanet: state.id, phrase: phrase, tokens: CorpusQuery.tokens(of: phrase),
      occurrences: query.count(phrase), segments: query.segments.map(\.id).sorted())
    if context.output.isJSON {
      try context.output.json(report)
      return
    }
    context.output.line(
      "\(report.occurrences) occurrence(s) of \"\(DisplayText.escaped(phrase))\" "
        + "(\(report.tokens.count) token(s)) in \(DisplayText.escaped(state.name))")
  }
}
