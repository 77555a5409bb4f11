import ArgumentParser
import Foundation
import OpenLedgerKit

extension RewardsCommand {
  struct Show: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show an epoch: what each account earned, its attribution weight, and which "
        + "inferences paid it.",
      discussion: """
        The latest epoch unless --epoch is given. Amounts are in token units, as a wallet \
        shows them (JSON keeps exact integers in the token's smallest unit); the weight is \
        the account's attribution units in output tokens. --account lists that \
        account's share of every inference that paid it.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Option(help: "The epoch (default: the latest).")
    var epoch: UInt64?

    @Option(
      help: "Only this account: an account id or a local identity's name.", completion: .identities)
    var account: String?

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      let epochs = RewardEpochs(store: store, datanet: state)
      let chosen = try epochs.epoch(epoch)
      let only = try account.map(context.resolveAccount)
      var allocations = try epochs.allocations(of: chosen)
      if let only {
        allocations = allocations.filter { $0.account == only }
        if allocations.isEmpty {
          throw RewardsError.accountNotInManifest(
            account: only, manifest: chosen.manifest, epoch: chosen.epoch)
        }
      }
      var paidBy = [AccountID: [PaidShare]]()
      for line in try epochs.inferenceShares(of: chosen).lines {
        for share in line.shares where only == nil || share.account == only {
          paidBy[share.account, default: []].append(
            PaidShare(
              inference: line.inference, line: line.line, fee: line.fee, amount: share.amount,
              roles: share.roles, weight: share.weight))
        }
      }
      let token = try epochs.bundle(of: chosen).predicate.token
      if context.output.isJSON {
        try context.output.json(
          RewardsReport(
            datanet: state.id, name: state.name, epoch: chosen, token: token,
            accounts: allocations,
            paidBy: Dictionary(uniqueKeysWithValues: paidBy.map { ($0.key.hex, $0.value) })))
        return
      }
      let names = context.accountNames()
      context.output.line(
        "Epoch \(chosen.epoch) of \(state.name) (recorded \(chosen.time) by "
          + "\(names.label(chosen.actor))): \(chosen.inferences) inference(s), fees "
          + "\(token.format(chosen.fees.value)), cumulative "
          + "\(token.format(chosen.cumulative.value))")
      context.output.line("manifest \(chosen.manifest.hex)")
      context.output.line("root     \(chosen.root.hex)")
      if let only, let shares = paidBy[only] {
        context.output.line(
          RewardsTable.render(allocations, token: token, names: names, shares: nil))
        context.output.line()
        var table = TextTable(["INFERENCE", "LINE", "FEE", "SHARE", "WEIGHT (TOKENS)", "ROLES"])
        for share in shares {
          table.add([
            share.inference, "\(share.line)", token.format(share.fee.value),
            token.format(share.amount.value),
            RewardsTable.tokens(TokenAmount(share.weight)),
            share.roles.map(\.rawValue).joined(separator: ","),
          ])
        }
        context.output.line(table.rendered)
      } else {
        context.output.line(
          RewardsTable.render(allocations, token: token, names: names, shares: paidBy))
      }
    }
  }
}
