import ArgumentParser

struct PayoutCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "payout",
    abstract: "Name the EVM address that receives your rewards, and see who is paid where.",
    discussion: """
      Reward manifests (leaf format v2) pay each account's payout address: the one its latest \
      `payout.set` event in the Datanet names, as the ledger stood when the epoch was computed. \
      An account without one is paid to the zero address, which no claim may use: it keeps \
      accruing, and its next epoch after `payout set` pays it everything. See Docs/Manifest.md.
      """,
    subcommands: [SetAddress.self, Show.self])
}
