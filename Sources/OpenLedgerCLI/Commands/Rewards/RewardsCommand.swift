import ArgumentParser

struct RewardsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "rewards",
    abstract: "Split inference fees among contributors by attribution, as signed epochs.",
    discussion: """
      An epoch attributes every output of an inference log over the Datanet's attribution \
      index, splits every fee by the Datanet's policy (contributors by attribution weight, \
      curators equally, the protocol account; what no record accounts for goes to the \
      unattributed account), adds the amounts to the earlier epochs', and records a signed \
      manifest with a Merkle root of every account's cumulative amount. A model operator signs \
      the log it submits (`sign-log`), so the manifest says who owes the fees. See \
      Docs/Manifest.md.
      """,
    subcommands: [Compute.self, Show.self, SignLog.self])
}
