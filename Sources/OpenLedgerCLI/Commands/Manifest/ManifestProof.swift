import ArgumentParser
import Foundation
import OpenLedgerKit

extension ManifestCommand {
  struct Proof: ContextRunnable {
    static let configuration = CommandConfiguration(
      abstract: "Print an account's leaf and Merkle proof in a manifest, or its claim calldata.",
      discussion: """
        The proof holds the manifest id, Datanet, epoch, account, recipient (leaf format v2), \
        cumulative amount, leaf hash, the sibling hashes up to the root, and the root \
        (Docs/Manifest.md). The leaves.jsonl beside the envelope must match the statement. \
        Examples/verify_proof.py checks a proof with Python alone.

        --format calldata prints the ABI-encoded call claim(account, recipient, cumulative, \
        proof) of the distributor contract (Contracts/README.md) as 0x-hex, for any wallet \
        tool: `cast send <distributor> $(openledger manifest proof … --format calldata)`. An \
        account whose leaf pays the zero address (it had no payout address) is refused (65).
        """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Output format: text or json (both the proof as JSON), or calldata.")
    var format: CalldataOutputFormat = .text

    @Argument(help: "The manifest's envelope (manifest.json of an export).")
    var envelope: String

    @Argument(
      help: "The account: 64 hex digits, or the name of a local identity.", completion: .identities)
    var account: String

    var contextOptions: (common: CommonOptions, format: OutputFormat) {
      (common, format.output)
    }

    func run(_ context: Context) throws {
      let account = try context.resolveAccount(account)
      let proof = try ClaimProof.make(envelopePath: context.absolute(envelope), account: account)
      guard format == .calldata else {
        try context.output.json(proof)
        return
      }
      // The Datanet's name, for the message, when a store at hand holds it.
      let name = (try? context.openStore()).flatMap {
        try? Ledger(store: $0).datanet(proof.datanet.hex).name
      }
      let calldata = try DistributorCall.claim(proof, datanet: name ?? proof.datanet.hex)
      context.output.line("0x" + Hex.encode(calldata))
    }
  }
}
