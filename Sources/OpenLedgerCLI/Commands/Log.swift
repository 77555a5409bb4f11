import ArgumentParser
import OpenLedgerKit

struct Log: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List a Datanet's events, oldest first, each verified against its signature.")

  @OptionGroup var global: GlobalOptions

  @Argument(help: "The Datanet's name or id.")
  var datanet: String

  func run() throws {
    let context = Context(global)
    let store = try context.openStore()
    let ledger = Ledger(store: store)
    let state = try ledger.datanet(datanet)
    let events = try ledger.events(of: state.id)
    if context.output.isJSON {
      try context.output.json(events.map(EventListing.init))
      return
    }
    let names = context.accountNames()
    var table = TextTable(["TIME", "EVENT", "TYPE", "ACTOR", "SUMMARY"])
    for event in events {
      table.add([
        event.payload.time, event.id.short, event.payload.type.rawValue,
        names.label(event.payload.actor), EventSummary.line(event.payload.body, names: names),
      ])
    }
    context.output.line(table.rendered)
  }
}

/// An event as `log --format json` prints it.
struct EventListing: Encodable {
  var id: Digest
  var payload: EventPayload

  init(_ event: SignedEvent) {
    id = event.id
    payload = event.payload
  }

  func encode(to encoder: Encoder) throws {
    try payload.encode(to: encoder)
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(id, forKey: .id)
  }

  enum Keys: String, CodingKey { case id }
}

/// One line describing what an event did.
enum EventSummary {
  static func line(_ body: EventBody, names: AccountNames) -> String {
    switch body {
    case .datanetCreate(let create):
      return
        "created '\(create.name)' (\(create.schema.format.rawValue), license \(create.license))"
    case .datanetUpdate(let update):
      var parts = [String]()
      if let description = update.description { parts.append("description \"\(description)\"") }
      if let license = update.license { parts.append("license \(license)") }
      if let policy = update.policy {
        parts.append("near duplicates \(policy.nearDuplicate.rawValue)")
        if policy.rewards != nil { parts.append("reward policy") }
      }
      for account in update.addCurators ?? [] { parts.append("+curator \(names.label(account))") }
      for account in update.removeCurators ?? [] {
        parts.append("-curator \(names.label(account))")
      }
      return parts.joined(separator: ", ")
    case .contributionSubmit(let submit):
      let duplicates = submit.duplicates
      var text =
        "\(submit.records) record(s) in \(submit.shards.count) shard(s) from \(submit.sources.count) input(s)"
      let exact = duplicates.exactInInput + duplicates.exactInDatanet
      if exact > 0 { text += ", \(exact) exact duplicate(s)" }
      if duplicates.nearFlagged > 0 {
        text += ", \(duplicates.nearFlagged) near duplicate(s) flagged"
      }
      if duplicates.nearRejected > 0 {
        text += ", \(duplicates.nearRejected) near duplicate(s) refused"
      }
      if submit.invalid > 0 { text += ", \(submit.invalid) invalid skipped" }
      return text
    case .contributionReview(let review):
      let verb = review.decision == .accept ? "accepted" : "rejected"
      return "\(verb) contribution \(review.contribution.short)" + because(review.reason)
    case .contributionWithdraw(let withdraw):
      return "withdrew contribution \(withdraw.contribution.short)" + because(withdraw.reason)
    case .recordTakedown(let takedown):
      let what =
        takedown.contribution.map { "the records of contribution \($0.short)" }
        ?? "\(takedown.records?.count ?? 0) record(s)"
      return "took down \(what)" + because(takedown.reason)
    case .rewardsEpoch(let epoch):
      return "rewards epoch \(epoch.epoch): manifest \(epoch.manifest.short)"
    }
  }

  private static func because(_ reason: String?) -> String {
    guard let reason, !reason.isEmpty else { return "" }
    return ": \(reason)"
  }
}
