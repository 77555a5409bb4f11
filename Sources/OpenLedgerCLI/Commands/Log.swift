import ArgumentParser
import OpenLedgerKit

struct Log: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "List a Datanet's events, oldest first, each verified against its signature.")

  @OptionGroup var global: GlobalOptions

  @OptionGroup var target: DatanetArgument

  func run(_ context: Context) throws {
    let (ledger, state) = try context.ledger(target.datanet)
    // An event that cannot be read or verified is listed as such, and the others still are;
    // the command then fails (exit 1) pointing at `verify-ledger`.
    let events = try ledger.checkedEvents(of: state.id)
    let overridden = try ledger.overriddenEvents(of: state.id)
    let failures = events.compactMap { entry -> (Digest, any Error)? in
      if case .failure(let error) = entry.event { return (entry.id, error) }
      return nil
    }
    if context.output.isJSON {
      try context.output.json(
        events.map { entry in
          switch entry.event {
          case .success(let event): EventListing(event, overridden: overridden[event.id])
          case .failure(let error): EventListing(unverifiable: entry.id, error: error)
          }
        })
    } else {
      let names = context.accountNames()
      var table = TextTable(["TIME", "EVENT", "TYPE", "ACTOR", "SUMMARY"])
      for entry in events {
        switch entry.event {
        case .success(let event):
          table.add([
            event.payload.time, event.id.short, event.payload.type.rawValue,
            names.label(event.payload.actor),
            (overridden[event.id] == nil ? "" : "(overridden: no effect) ")
              + EventSummary.line(event.payload.body, names: names),
          ])
        case .failure:
          table.add(["?", entry.id.short, "UNVERIFIABLE", "?", "see below"])
        }
      }
      context.output.line(table.rendered)
      for (id, reason) in overridden.sorted(by: { $0.key < $1.key }) {
        context.output.line("overridden \(id.short): \(reason)")
      }
    }
    for (id, error) in failures {
      Diagnostics.error("event \(id.hex) cannot be verified: \(error)")
    }
    if !failures.isEmpty {
      Diagnostics.note(
        "\(failures.count) event(s) of \(state.name) cannot be verified; run `openledger "
          + "verify-ledger \(state.name)` for the whole check")
      throw ExitCode(FailureKind.checksFailed.exitStatus)
    }
  }
}

/// An event as `log --format json` prints it.
struct EventListing: Encodable {
  var id: Digest
  var payload: EventPayload?
  /// Why the event cannot be verified, when it cannot.
  var error: String?
  /// Why the event changed nothing, when it lost to a concurrent one.
  var overridden: String?

  init(_ event: SignedEvent, overridden: String? = nil) {
    id = event.id
    payload = event.payload
    self.overridden = overridden
  }

  init(unverifiable id: Digest, error: any Error) {
    self.id = id
    self.error = "\(error)"
  }

  func encode(to encoder: Encoder) throws {
    try payload?.encode(to: encoder)
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(id, forKey: .id)
    try container.encodeIfPresent(error, forKey: .error)
    try container.encodeIfPresent(overridden, forKey: .overridden)
  }

  enum Keys: String, CodingKey { case id, error, overridden }
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
        if policy.requiresSignedLog { parts.append("signed inference logs required") }
      }
      for account in update.addCurators ?? [] { parts.append("+curator \(names.label(account))") }
      for account in update.removeCurators ?? [] {
        parts.append("-curator \(names.label(account))")
      }
      for account in update.addOperators ?? [] {
        parts.append("+operator \(names.label(account))")
      }
      for account in update.removeOperators ?? [] {
        parts.append("-operator \(names.label(account))")
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
        + (epoch.signedLog.map { ", signed log \($0.short)" } ?? "")
    case .payoutSet(let payout):
      return "payout address \(payout.address.checksummed)"
        + (payout.chainId.map { " (chain \($0))" } ?? "")
    }
  }

  private static func because(_ reason: String?) -> String {
    guard let reason, !reason.isEmpty else { return "" }
    return ": \(reason)"
  }
}
