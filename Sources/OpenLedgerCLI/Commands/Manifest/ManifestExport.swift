import ArgumentParser
import Foundation
import OpenLedgerKit

extension ManifestCommand {
  struct Export: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Write an epoch's signed manifest, leaves and Merkle tree to a directory.",
      discussion: """
        Writes manifest.json (the DSSE envelope), leaves.jsonl, tree.bin and, after the first \
        epoch, previous-manifest.json and previous-leaves.jsonl, copied from the store's \
        objects (each re-hashed). Anyone can then check them offline with `openledger manifest \
        verify DIR/manifest.json` and claim with `openledger manifest proof`. The directory \
        must be new or empty unless --force. Formats: Docs/Manifest.md.
        """)

    @OptionGroup var global: GlobalOptions

    @OptionGroup var target: DatanetArgument

    @Option(help: "The epoch (default: the latest).")
    var epoch: UInt64?

    @Option(help: ArgumentHelp("The directory to write (created if needed).", valueName: "dir"))
    var out: String

    @Flag(help: "Write into a directory that is not empty, replacing an earlier export's files.")
    var force = false

    /// What `--format json` prints.
    struct Report: Encodable {
      var datanet: Digest
      var epoch: UInt64
      var manifest: Digest
      var root: Digest
      var leaves: Int
      var directory: String
      var files: [String]
    }

    func run(_ context: Context) throws {
      let (store, state) = try context.datanet(target.datanet)
      let epochs = RewardEpochs(store: store, datanet: state)
      let chosen = try epochs.epoch(epoch)
      let directory = context.absolute(out)
      try epochs.export(chosen, to: directory, force: force)
      var files = [ManifestFiles.envelope, ManifestFiles.leaves, ManifestFiles.tree]
      if chosen.epoch > 1 {
        files += [ManifestFiles.previousEnvelope, ManifestFiles.previousLeaves]
      }
      if context.output.isJSON {
        try context.output.json(
          Report(
            datanet: state.id, epoch: chosen.epoch, manifest: chosen.manifest, root: chosen.root,
            leaves: chosen.accounts, directory: directory, files: files))
        return
      }
      context.output.line(
        "Exported epoch \(chosen.epoch) of \(state.name) to \(directory): "
          + files.joined(separator: ", "))
      context.output.line("manifest \(chosen.manifest.hex) (\(chosen.accounts) leaves)")
      context.output.line("root     \(chosen.root.hex)")
    }
  }
}
