import ArgumentParser
import OpenLedgerKit

extension PayoutCommand {
  struct Show: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show every account a Datanet may pay, its roles, earnings and payout address.",
      discussion: """
        Lists the owner, curators, model operators, contributors, the protocol and \
        unattributed accounts, every account an epoch paid and every account that set an \
        address; the accounts without a payout address are named at the end.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Option(
      help: "Show only this account (an account id or a local identity's name).",
      completion: .identities)
    var account: String?

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      var accounts = try Payouts(store: store, datanet: state).accounts()
      if let account {
        let wanted = try context.resolveAccount(account)
        accounts = accounts.filter { $0.account == wanted }
        if accounts.isEmpty {
          accounts = [Payouts.Account(account: wanted)]
        }
      }
      if context.output.isJSON {
        try context.output.json(accounts)
        return
      }
      let names = context.accountNames()
      // The cumulative amounts are the latest epoch's, in its token.
      let epochs = RewardEpochs(store: store, datanet: state)
      let token =
        accounts.contains { $0.cumulative != nil }
        ? try epochs.bundle(of: try epochs.epoch(nil)).predicate.token : nil
      var table = TextTable(["ACCOUNT", "ROLES", "CUMULATIVE", "PAYOUT ADDRESS", "CHAIN", "SET"])
      for entry in accounts {
        table.add([
          names.label(entry.account),
          entry.roles.isEmpty ? "-" : entry.roles.map(\.rawValue).joined(separator: ","),
          entry.cumulative.map { token?.format($0.value) ?? $0.description } ?? "-",
          entry.payout?.address.checksummed ?? "none",
          entry.payout?.chainId.map(String.init) ?? "-",
          entry.payout?.time ?? "-",
        ])
      }
      context.output.line(table.rendered)
      // Operators owe fees and are not paid for being operators.
      let without = accounts.filter { entry in
        entry.payout == nil
          && (entry.cumulative != nil || entry.roles.contains { $0 != .operator })
      }
      if !without.isEmpty {
        context.output.line(
          "\nWithout a payout address (paid to the zero address, which must not be claimed, "
            + "until they run `openledger payout set \(state.name) --address 0x…`): "
            + without.map { names.label($0.account) }.joined(separator: ", "))
      }
    }
  }
}
