import ArgumentParser

struct ManifestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "manifest",
    abstract: "Export, verify and prove signed reward manifests, and pay them on an EVM chain.",
    subcommands: [Export.self, Verify.self, Proof.self, PublishRoot.self])
}

/// `--format` of the commands that print distributor calldata (`proof`, `publish-root`).
enum CalldataOutputFormat: String, ExpressibleByArgument, CaseIterable {
  case text, json, calldata

  /// The nearest of text and json, for the command's context.
  var output: OutputFormat { self == .json ? .json : .text }
}
