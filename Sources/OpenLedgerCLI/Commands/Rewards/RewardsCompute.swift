import ArgumentParser
import Foundation
import OpenLedgerKit

extension RewardsCommand {
  struct Compute: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Compute and record the next reward epoch from an inference log (curators).",
      discussion: """
        Every fee (a decimal string in the token's smallest unit) is split in exact integers by \
        the largest-remainder method, ties to the smaller account id. The split comes from the \
        Datanet's policy (`datanet update --rewards-policy FILE`), else 8000/1000/1000 basis \
        points with the owner as protocol and unattributed account; --policy FILE and the \
        flags override it field by field. Only a curator may record an epoch (others exit 77, \
        and nothing is written). --signed-log FILE is the model operator's signature of the log \
        (`rewards sign-log`): it must be an operator's (77 otherwise) and about this log (65), \
        and the manifest then says the operator owes the fees; a Datanet whose policy requires \
        it refuses an unsigned log (65). The leaves pay each account's payout address \
        (`payout set`), the zero address for an account without one. When the store has remotes, each is asked first whether it \
        holds changes to the Datanet not pulled yet; if one does, the command refuses (exit \
        65: pull first, or pass --offline). When accepted contributions are not in the \
        attribution index yet, it refuses too (exit 65, naming them): their records would earn \
        nothing and their share would go to the unattributed account for good, since an \
        inference is paid once. Run `openledger index build` first, or pass --allow-unindexed.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Option(help: "The inference log: JSONL lines {\"id\", \"output\", \"fee\"}.")
    var inferences: String

    @Option(
      help: ArgumentHelp(
        "The model operator's signature of the log, from `rewards sign-log`.", valueName: "file"))
    var signedLog: String?

    @Option(help: "The epoch to compute; it must be the next one (default: the next one).")
    var epoch: UInt64?

    @Option(
      help: ArgumentHelp(
        "A policy file (JSON: basisPoints {contributors, curators, protocol}, protocolAccount, "
          + "unattributedAccount (account ids or local identity names), token {symbol, "
          + "decimals}).", valueName: "file"))
    var policy: String?

    @Flag(
      help: "Compute without asking the store's remotes whether they hold changes not pulled.")
    var offline = false

    @Flag(
      help: ArgumentHelp(
        "Pay even when accepted contributions are not indexed yet (they earn nothing in this "
          + "epoch, and its inferences cannot be paid again)."))
    var allowUnindexed = false

    @OptionGroup var split: RewardSplitOptions

    @OptionGroup var attribution: AttributionOptions

    func validate() throws {
      try split.check()
      try attribution.check()
      if let epoch, epoch < 1 { throw ValidationError("--epoch starts at 1") }
    }

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      let identity = try context.identity()
      let epochs = RewardEpochs(store: store, datanet: state)
      // Refused before anything is read: a non-curator writes nothing.
      try epochs.checkMayCompute(identity.account)
      if !offline { try context.requirePulled(state, from: store) }
      var settings = try split.settings(resolve: context.resolveAccount)
      if let policy {
        settings = settings.merged(
          over: try RewardSettings.load(
            path: context.absolute(policy), resolveAccount: context.identities.resolveAccount))
      }
      let log = try RewardLog.read(path: context.absolute(inferences))
      let signed = try signedLog.map { try SignedInferenceLog.load(path: context.absolute($0)) }
      let index = AttributionIndex(store: store, datanet: state)
      let status = try index.status()
      if allowUnindexed {
        context.notePendingIndex(status, of: state, " and earn nothing in this epoch")
      } else {
        try index.requireCurrent(usedBy: "this reward epoch", override: "--allow-unindexed")
      }
      // The records masked are exactly those removed by the heads the manifest records, so
      // that `manifest verify --recompute` masks the same ones even after later takedowns.
      let heads = try Ledger(store: store).heads(of: state.id)
      let attributor = try index.attributor(
        settings: attribution.settings, segments: status.segments.map(\.id), ledgerHeads: heads,
        usedBy: "this reward epoch",
        verify: true)
      let computed = try epochs.compute(
        log: log, requestedEpoch: epoch, settings: settings, attributor: attributor,
        ledgerHeads: heads, signedLog: signed, by: identity, clock: context.clock)
      let allocations = try epochs.allocations(of: computed.epoch)
      if context.output.isJSON {
        try context.output.json(
          RewardsReport(
            datanet: state.id, name: state.name, epoch: computed.epoch,
            token: computed.manifest.predicate.token, accounts: allocations))
        return
      }
      let predicate = computed.manifest.predicate
      context.output.line(
        "Epoch \(computed.epoch.epoch) of \(state.name): \(log.inferences.count) inference(s), "
          + "fees \(predicate.token.format(predicate.totals.epochFees.value)), "
          + "\(computed.epoch.accounts) account(s)")
      context.output.line("manifest \(computed.manifest.id.hex)")
      context.output.line("root     \(predicate.merkleRoot.hex)")
      for debt in predicate.operators ?? [] {
        context.output.line(
          "operator \(context.accountNames().label(debt.account)) owes \(predicate.token.format(debt.owes.value)) (signed log "
            + "\(debt.signedLog.short))")
      }
      context.output.line(
        RewardsTable.render(
          allocations, token: predicate.token, names: context.accountNames(), shares: nil))
      if let without = predicate.withoutPayoutAddress, !without.isEmpty {
        context.output.note(
          "\(without.count) account(s) have no payout address, so their leaves pay the zero "
            + "address and cannot be claimed yet: "
            + without.map(context.accountNames().label).joined(separator: ", ")
            + ". They run `openledger payout set \(state.name) --address 0x…`; the next epoch "
            + "pays them everything.")
      }
      context.output.note(
        "Export it with `openledger manifest export \(state.name) --out DIR`; see who was paid "
          + "for what with `openledger rewards show \(state.name)`.")
    }
  }
}

/// Flags that override the reward split field by field.
struct RewardSplitOptions: ParsableArguments {
  @Option(help: "Basis points of each fee for the contributors (of 10000).")
  var contributorsBp: Int?

  @Option(help: "Basis points of each fee for the curators.")
  var curatorsBp: Int?

  @Option(help: "Basis points of each fee for the protocol account.")
  var protocolBp: Int?

  @Option(help: "The protocol account: an account id or a local identity's name.")
  var protocolAccount: String?

  @Option(help: "The account that receives the unattributed share.")
  var unattributedAccount: String?

  @Option(help: "The token's symbol (for display).")
  var token: String?

  @Option(help: "The token's decimals (for display).")
  var decimals: Int?

  func check() throws {
    for (flag, value) in [
      ("--contributors-bp", contributorsBp), ("--curators-bp", curatorsBp),
      ("--protocol-bp", protocolBp),
    ] {
      if let value, !(0...BasisPoints.whole).contains(value) {
        throw ValidationError("\(flag) must be 0 to 10000 basis points")
      }
    }
    if (token == nil) != (decimals == nil) {
      throw ValidationError("give --token and --decimals together")
    }
  }

  func settings(resolve: (String) throws -> AccountID) throws -> RewardSettings {
    RewardSettings(
      basisPoints: .init(
        contributors: contributorsBp, curators: curatorsBp, protocolPart: protocolBp),
      protocolAccount: try protocolAccount.map(resolve),
      unattributedAccount: try unattributedAccount.map(resolve),
      token: token.map { RewardToken(symbol: $0, decimals: decimals ?? 0) })
  }
}

/// `rewards compute|show --format json`: an epoch and its accounts.
struct RewardsReport: Encodable {
  var datanet: Digest
  var name: String
  var epoch: RewardEpochs.Epoch
  var token: RewardToken
  var accounts: [RewardEpochs.Allocation]
  /// For each account, the inferences that paid it (`rewards show`).
  var paidBy: [String: [PaidShare]]?
}

/// One inference's share for one account.
struct PaidShare: Encodable {
  var inference: String
  var line: Int
  var fee: DecimalAmount
  var amount: DecimalAmount
  var roles: [RewardRole]
  var weight: UInt64
}

/// The accounts of an epoch as a table.
enum RewardsTable {
  static func render(
    _ allocations: [RewardEpochs.Allocation], token: RewardToken, names: AccountNames,
    shares: [AccountID: [PaidShare]]?
  ) -> String {
    var headers = ["ACCOUNT", "ROLES", "EPOCH", "CUMULATIVE", "WEIGHT (TOKENS)", "INFERENCES"]
    if shares != nil { headers.append("PAID BY") }
    var table = TextTable(headers)
    let ordered = allocations.sorted {
      $0.cumulative != $1.cumulative ? $0.cumulative > $1.cumulative : $0.account < $1.account
    }
    for allocation in ordered {
      var row = [
        names.label(allocation.account),
        allocation.roles.isEmpty ? "-" : allocation.roles.map(\.rawValue).joined(separator: ","),
        token.format(allocation.amount.value), token.format(allocation.cumulative.value),
        tokens(allocation.units.value),
        "\(allocation.inferences)",
      ]
      if let shares {
        let ids = (shares[allocation.account] ?? []).map(\.inference)
        row.append(
          ids.prefix(4).joined(separator: ", ") + (ids.count > 4 ? ", … (\(ids.count))" : ""))
      }
      table.add(row)
    }
    return table.rendered
  }

  /// Attribution units as tokens with two decimals.
  static func tokens(_ units: TokenAmount) -> String {
    let hundredths = units / (TokenAmount(Attribution.unitsPerToken) / 100)
    let (whole, fraction) = hundredths.quotientAndRemainder(dividingBy: 100)
    return "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
  }
}
