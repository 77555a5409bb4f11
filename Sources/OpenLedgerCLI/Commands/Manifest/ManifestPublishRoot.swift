import ArgumentParser
import Foundation
import OpenLedgerKit

extension ManifestCommand {
  struct PublishRoot: ContextRunnable {
    static let configuration = CommandConfiguration(
      commandName: "publish-root",
      abstract: "Print the distributor call that submits a manifest's Merkle root.",
      discussion: """
        The distributor contract (Contracts/README.md) pays a Datanet's leaves once its owner \
        or an updater has submitted the epoch's root and the timelock has passed. This prints \
        submitRoot(root, epoch, manifest SHA-256) for the manifest: --format calldata as \
        0x-hex for any wallet tool (`cast send <distributor> $(openledger manifest \
        publish-root DIR/manifest.json --format calldata)`), text with its fields, json with \
        both. The leaves.jsonl beside the envelope must match it; run `openledger manifest \
        verify` first. Only leaf format v2 can be paid (65 for v1).
        """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Output format: text, json or calldata.")
    var format: CalldataOutputFormat = .text

    @Argument(help: "The manifest's envelope (manifest.json of an export).")
    var envelope: String

    /// What `--format json` prints.
    struct Report: Encodable {
      var datanet: Digest
      var epoch: UInt64
      var root: Digest
      var manifest: Digest
      var withoutPayoutAddress: [AccountID]
      var calldata: String
    }

    var contextOptions: (common: CommonOptions, format: OutputFormat) {
      (common, format.output)
    }

    func run(_ context: Context) throws {
      let bundle = try ClaimProof.load(envelopePath: context.absolute(envelope))
      let manifest = bundle.manifest
      let predicate = manifest.predicate
      guard manifest.leafFormat == .v2 else {
        throw PayoutError.leavesWithoutRecipients(manifest: manifest.id, epoch: predicate.epoch)
      }
      let calldata =
        "0x"
        + Hex.encode(
          DistributorCall.submitRoot(
            root: predicate.merkleRoot, epoch: predicate.epoch, manifest: manifest.id))
      let without = predicate.withoutPayoutAddress ?? []
      if !without.isEmpty {
        context.output.note(
          "\(without.count) account(s) of this epoch have no payout address; their leaves pay "
            + "the zero address and must not be claimed: "
            + without.map(\.fingerprint).joined(separator: ", "))
      }
      switch format {
      case .calldata:
        context.output.line(calldata)
      case .json:
        try context.output.json(
          Report(
            datanet: predicate.datanet, epoch: predicate.epoch, root: predicate.merkleRoot,
            manifest: manifest.id, withoutPayoutAddress: without, calldata: calldata))
      case .text:
        context.output.line("submitRoot(bytes32,uint64,bytes32) of epoch \(predicate.epoch)")
        context.output.line("Datanet      \(predicate.datanet.hex)")
        context.output.line("root         \(predicate.merkleRoot.hex)")
        context.output.line("epoch        \(predicate.epoch)")
        context.output.line("manifestHash \(manifest.id.hex)")
        context.output.line("calldata     \(calldata)")
      }
    }
  }
}
