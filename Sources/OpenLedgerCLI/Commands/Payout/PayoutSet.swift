import ArgumentParser
import OpenLedgerKit

extension PayoutCommand {
  struct SetAddress: ContextCommand {
    static let configuration = CommandConfiguration(
      commandName: "set",
      abstract: "Name the EVM address that receives your rewards in a Datanet (a signed event).",
      discussion: """
        Any account may name its own address (contributor, curator, owner, operator, the \
        protocol or unattributed account); only its own. The address must be the EIP-55 \
        checksummed form your wallet shows (mixed case); an all-lowercase or all-uppercase \
        address carries no checksum and is refused unless --unchecked-address. Epochs computed \
        from then on pay this address; the latest `payout set` wins.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Option(help: ArgumentHelp("The EVM address (0x and 40 hex digits).", valueName: "0x…"))
    var address: String

    @Option(help: "The EIP-155 chain id you expect to be paid on (recorded and shown).")
    var chainId: UInt64?

    @Option(
      help: ArgumentHelp(
        "The account whose address this sets: it must be the signing identity's own (an "
          + "account id or a local identity's name).", valueName: "account"))
    var account: String?

    @Flag(help: "Accept an address without an EIP-55 checksum (all one case).")
    var uncheckedAddress = false

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      let identity = try context.identity()
      if let account {
        let named = try context.resolveAccount(account)
        guard named == identity.account else {
          throw PayoutError.notOwnAccount(account: named, signer: identity.account)
        }
      }
      let parsed = try EVMAddress.parse(address, allowUnchecked: uncheckedAddress)
      let event = try Payouts(store: store, datanet: state).set(
        PayoutSet(address: parsed, chainId: chainId), by: identity, clock: context.clock)
      if context.output.isJSON {
        try context.output.json(
          PayoutReport(
            datanet: state.id, account: identity.account, address: parsed, chainId: chainId,
            event: event.id))
        return
      }
      context.output.line(
        "Payout address of \(context.accountNames().label(identity.account)) in \(state.name): "
          + parsed.checksummed + (chainId.map { " (chain \($0))" } ?? ""))
      context.output.note(
        "Epochs computed from now on pay this address; earlier manifests keep the address they "
          + "were computed with.")
    }
  }
}

/// `payout set --format json`.
struct PayoutReport: Encodable {
  var datanet: Digest
  var account: AccountID
  var address: EVMAddress
  var chainId: UInt64?
  var event: Digest
}
