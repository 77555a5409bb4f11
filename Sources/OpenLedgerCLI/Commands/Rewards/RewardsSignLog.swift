import ArgumentParser
import Foundation
import OpenLedgerKit

extension RewardsCommand {
  struct SignLog: ContextCommand {
    static let configuration = CommandConfiguration(
      commandName: "sign-log",
      abstract: "Sign an inference log as a model operator of a Datanet (what you owe).",
      discussion: """
        Writes a DSSE envelope (payload type application/vnd.openledger.inference-log+json) \
        around the log's SHA-256, its inference count, the sum of its fees, the token and the \
        Datanet, signed with your identity. A curator passes it to `rewards compute \
        --signed-log FILE`: the epoch records it, and its manifest says you owe those fees. Only \
        the Datanet's model operators may sign (others exit 77); the owner registers them with \
        `datanet update --add-operator`. Format: Docs/Manifest.md.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Argument(help: "The inference log: JSONL lines {\"id\", \"output\", \"fee\"}.")
    var log: String

    @Option(
      help: ArgumentHelp(
        "Write the envelope to this file (default: standard output).", valueName: "file"))
    var out: String?

    @Option(help: "The token the fees are in (default: the Datanet's reward policy's).")
    var token: String?

    @Option(help: "The token's decimals (with --token).")
    var decimals: Int?

    func validate() throws {
      if (token == nil) != (decimals == nil) {
        throw ValidationError("give --token and --decimals together")
      }
    }

    func run(_ context: Context) throws {
      let state = try context.datanet(target.datanet).state
      let identity = try context.identity()
      try SignedInferenceLog.checkSigner(identity.account, of: state)
      let paid: RewardToken
      if let token, let decimals {
        paid = RewardToken(symbol: token, decimals: decimals)
      } else {
        paid = try (state.policy.rewards ?? RewardSettings()).resolve(
          curators: state.curators, owner: state.owner
        ).1
      }
      let parsed = try RewardLog.read(path: context.absolute(log))
      let signed = try SignedInferenceLog.sign(
        log: parsed, datanet: state.id, token: paid, by: identity, clock: context.clock)
      if let out {
        let path = context.absolute(out)
        try FileSystem.writeAtomically(
          signed.bytes, to: path,
          stagingDirectory: (path as NSString).deletingLastPathComponent, durable: false)
        context.output.note(
          "Signed \(log): \(parsed.inferences.count) inference(s), fees "
            + "\(paid.format(parsed.totalFees)), as operator \(identity.account.fingerprint); wrote "
            + "\(out) (signed log \(signed.id.short)). Give it to a curator of \(state.name) for "
            + "`rewards compute --signed-log \(out)`.")
      } else {
        FileHandle.standardOutput.write(signed.bytes + Data("\n".utf8))
      }
    }
  }
}
