import ArgumentParser
import OpenLedgerKit

struct Search: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "List the records of a Datanet that contain a phrase, with the match in context.",
    discussion: """
      The phrase is cut into tokens as model outputs are and found exactly by the suffix arrays \
      of every segment of the attribution index; records removed since they were indexed are \
      left out. Records are listed by record id (so the answer does not depend on how the \
      index is split into segments), each with its contributor, how often it holds the phrase, \
      and its first match with the text around it. Run `openledger index build` first.
      """)

  @OptionGroup var global: GlobalOptions

  @OptionGroup var target: DatanetArgument

  @Argument(help: "The phrase to look for.")
  var phrase: String

  @Option(help: "The most records to list.")
  var limit = 10

  func validate() throws {
    guard limit >= 1 else { throw ValidationError("--limit must be 1 or more") }
    guard !CorpusQuery.tokens(of: phrase).isEmpty else {
      throw ValidationError("the phrase has no words or punctuation to look for")
    }
  }

  /// What `--format json` prints: the search, and the contributors' local identity names.
  struct Report: Encodable {
    /// A record of the search, and the name of the local identity holding its contributor's
    /// key, when there is one.
    struct Record: Encodable {
      var record: PhraseSearch.Record
      var contributorName: String?

      private enum Keys: String, CodingKey {
        case contributorName
      }

      func encode(to encoder: Encoder) throws {
        try record.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(contributorName, forKey: .contributorName)
      }
    }
    var datanet: Digest
    var phrase: String
    var tokens: [String]
    var occurrences: Int
    var records: [Record]
    var more: Bool
  }

  func run(_ context: Context) throws {
    let (state, index) = try context.attributionIndex(target.datanet, " and are not searched")
    let search = try index.search(phrase, limit: limit)
    let names = context.accountNames()
    if context.output.isJSON {
      try context.output.json(
        Report(
          datanet: search.datanet, phrase: search.phrase, tokens: search.tokens,
          occurrences: search.occurrences,
          records: search.records.map {
            Report.Record(record: $0, contributorName: names.names[$0.contributor])
          }, more: search.more))
      return
    }
    let shown = search.more ? "the first \(search.records.count) by record id" : "all"
    context.output.line(
      "\(search.occurrences) occurrence(s) of \"\(DisplayText.escaped(phrase))\" in "
        + "\(DisplayText.escaped(state.name)); records holding it: \(shown)")
    for record in search.records {
      context.output.line(
        "\(record.record.short)  \(DisplayText.escaped(names.label(record.contributor)))  "
          + "\(record.occurrences) occurrence(s)")
      context.output.line(
        "  …\(DisplayText.escaped(record.before))[[\(DisplayText.escaped(record.match))]]"
          + "\(DisplayText.escaped(record.after))…")
    }
    if search.more {
      context.output.note("more records hold it: raise --limit to list more")
    }
  }
}
