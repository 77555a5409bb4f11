import ArgumentParser
import Foundation
import OpenLedgerKit

extension ManifestCommand {
  struct Proof: ParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Print an account's leaf and Merkle proof in a manifest, as JSON.",
      discussion: """
        The proof holds the manifest id, Datanet, epoch, account, cumulative amount, leaf hash, \
        the sibling hashes up to the root, and the root (Docs/Manifest.md). The leaves.jsonl \
        beside the envelope must match the statement. Examples/verify_proof.py checks a proof \
        with Python alone.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The manifest's envelope (manifest.json of an export).")
    var envelope: String

    @Argument(help: "The account: 64 hex digits, or the name of a local identity.")
    var account: String

    func run() throws {
      let context = Context(global)
      let account = try context.identities.resolveAccount(account)
      let proof = try ClaimProof.make(envelopePath: context.absolute(envelope), account: account)
      try context.output.json(proof)
    }
  }
}
