import ArgumentParser
import Foundation
import OpenLedgerKit

extension ManifestCommand {
  struct Verify: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Check a reward manifest offline: signature, files, leaves, root, sums, chain.",
      discussion: """
        The envelope's files (leaves.jsonl, tree.bin, previous-manifest.json, \
        previous-leaves.jsonl) are read from the envelope's directory. The signature must be a \
        trusted key's: the keys given with --key, else the Datanet's curators in the store (and \
        the curator who recorded the epoch). Inside a store that holds the Datanet, its ledger \
        must hold the epoch's rewards.epoch event, recording this manifest, and the ledger heads \
        the manifest names (a ledger that lacks them fails the ledger check: it may be \
        truncated or behind); elsewhere that check is skipped. --recompute also \
        re-runs attribution and allocation from the store, over the index segments the epoch \
        queried (each file re-hashed first) with the records removed before it masked, on the \
        epoch's inference log, and requires the same leaves byte for byte. Every check is \
        reported; the command exits 1 when one fails, naming it.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The manifest's envelope (manifest.json of an export).")
    var envelope: String

    @Option(
      name: .long,
      help: ArgumentHelp(
        "Trust this public key (a file written by `identity export-public`; repeatable) "
          + "instead of the Datanet's curators.", valueName: "file"))
    var key: [String] = []

    @Option(
      name: .long,
      help: ArgumentHelp(
        "The previous epoch's envelope, for the chain check (default: previous-manifest.json "
          + "beside the envelope, else the store); its leaves are read from beside it.",
        valueName: "file"))
    var previous: String?

    @Flag(help: "Re-run attribution and allocation from the store and require identical leaves.")
    var recompute = false

    @Option(
      help: ArgumentHelp(
        "With --recompute: the inference log (default: the copy the store kept).",
        valueName: "file"))
    var inferences: String?

    func validate() throws {
      if inferences != nil, !recompute { throw ValidationError("--inferences needs --recompute") }
    }

    func run(_ context: Context) throws {
      let path = context.absolute(envelope)
      // A file that is not there is a missing input (66), not a manifest that fails a check.
      guard FileSystem.exists(path) else {
        throw RewardsError.fileNotFound(path: envelope, what: "the manifest")
      }
      // Verifying is offline and needs no store; --recompute does.
      let store = recompute ? try context.openStore() : try? context.openStore()
      let keys = try key.isEmpty ? nil : trustedKeys(context: context)
      let given = try previous.map(context.absolute).map { path in
        guard FileSystem.exists(path) else {
          throw RewardsError.fileNotFound(path: path, what: "the previous manifest")
        }
        return PreviousManifest(
          envelope: try FileSystem.read(path), leaves: Self.leaves(beside: path), source: path)
      }
      let log = try inferences.map { try RewardLog.read(path: context.absolute($0)) }
      let verifier = ManifestVerifier(
        envelope: path, store: store, keys: keys, previous: given, recompute: recompute, log: log)
      let report = verifier.verify(path: path)
      if context.output.isJSON {
        try context.output.json(report)
      } else {
        print(report, names: context.accountNames(), output: context.output)
      }
      if !report.passed {
        throw RewardsError.verificationFailed(
          path: envelope, checks: report.failed.map(\.rawValue))
      }
    }

    /// The leaves of the previous epoch's envelope at `path`, read from beside it:
    /// `previous-leaves.jsonl` next to an export's `previous-manifest.json`, else
    /// `leaves.jsonl` (next to an earlier export's `manifest.json`). The chain check compares
    /// them with the envelope's subject digest.
    static func leaves(beside path: String) -> Data? {
      let directory = (path as NSString).deletingLastPathComponent
      let name =
        (path as NSString).lastPathComponent == ManifestFiles.previousEnvelope
        ? ManifestFiles.previousLeaves : ManifestFiles.leaves
      return try? FileSystem.read("\(directory.isEmpty ? "." : directory)/\(name)")
    }

    /// The keys given with --key, each with the file it came from.
    private func trustedKeys(context: Context) throws -> [AccountID: String] {
      var keys = [AccountID: String]()
      for file in key {
        let document = try PublicKeyDocument.load(path: context.absolute(file))
        keys[document.account] = "key file \(file)"
      }
      return keys
    }

    private func print(_ report: VerificationReport, names: AccountNames, output: Output) {
      if let manifest = report.manifest, let datanet = report.datanet, let epoch = report.epoch {
        output.line("manifest \(manifest.hex)")
        output.line("Datanet \(datanet.hex), epoch \(epoch)")
      } else {
        output.line("manifest \(DisplayText.escaped(report.path))")
      }
      var table = TextTable(["STATUS", "CHECK", "DETAIL"])
      for check in report.checks {
        table.add([
          check.status == .failed ? "FAILED" : check.status.rawValue, check.check.rawValue,
          check.detail,
        ])
      }
      output.line(table.rendered)
      output.line(
        report.passed
          ? "verified: every check passed"
          : "NOT verified: \(report.failed.map(\.rawValue).joined(separator: ", ")) failed")
    }
  }
}
