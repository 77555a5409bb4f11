import ArgumentParser
import OpenLedgerKit

extension DatanetCommand {
  struct Show: ContextCommand {
    static let configuration = CommandConfiguration(abstract: "Show a Datanet's settings.")

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    func run(_ context: Context) throws {
      let (ledger, state) = try context.ledger(target.datanet)
      let statistics = try ledger.statistics(of: state.id)
      if context.output.isJSON {
        try context.output.json(DatanetDetails(state: state, statistics: statistics))
        return
      }
      let names = context.accountNames()
      let schema = state.schema
      var table = TextTable(["name", state.name])
      table.add(["id", state.id.hex])
      table.add(["description", state.description])
      table.add(["license", state.license])
      table.add(["owner", names.label(state.owner)])
      table.add(["curators", state.curators.map(names.label).joined(separator: ", ")])
      table.add([
        "model operators",
        state.operators.isEmpty ? "-" : state.operators.map(names.label).joined(separator: ", "),
      ])
      table.add([
        "record format",
        schema.format.rawValue + (schema.split.map { " (one record per \($0.rawValue))" } ?? ""),
      ])
      table.add(["text fields", schema.textFields.joined(separator: ", ")])
      table.add([
        "required", schema.required.isEmpty ? "-" : schema.required.joined(separator: ", "),
      ])
      table.add([
        "length",
        "\(schema.minLength ?? 0) to \(schema.maxLength.map(String.init) ?? "any") characters",
      ])
      table.add(["near duplicates", state.policy.nearDuplicate.rawValue])
      table.add([
        "inference logs",
        state.policy.requiresSignedLog
          ? "must be signed by a model operator" : "signed or unsigned",
      ])
      if let (split, token) = try? (state.policy.rewards ?? RewardSettings()).resolve(
        curators: state.curators, owner: state.owner)
      {
        let points = split.basisPoints
        table.add([
          "reward split",
          "contributors \(points.contributors), curators \(points.curators), protocol "
            + "\(points.protocolPart) basis points; protocol \(names.label(split.protocolAccount))"
            + ", unattributed \(names.label(split.unattributedAccount)); token \(token.symbol)",
        ])
      }
      table.add([
        "records",
        "\(statistics.records) (\(statistics.acceptedRecords) accepted, "
          + "\(statistics.removedRecords) removed)",
      ])
      let counts = statistics.contributions
      table.add([
        "contributions",
        ContributionStatus.allCases.map { "\(counts[$0.rawValue] ?? 0) \($0.rawValue)" }.joined(
          separator: ", "),
      ])
      table.add(["contributors", "\(statistics.contributors)"])
      table.add(["created", state.created])
      table.add(["updated", state.updated])
      context.output.line(table.rendered)
    }
  }
}

/// `datanet show --format json`: the state's fields and the statistics.
struct DatanetDetails: Encodable {
  var state: DatanetState
  var statistics: DatanetStatistics

  func encode(to encoder: Encoder) throws {
    try state.encode(to: encoder)
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(statistics, forKey: .statistics)
  }

  enum Keys: String, CodingKey { case statistics }
}
