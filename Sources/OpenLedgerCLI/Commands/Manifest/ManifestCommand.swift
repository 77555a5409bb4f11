import ArgumentParser

struct ManifestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "manifest",
    abstract: "Export, verify and prove signed reward manifests.",
    subcommands: [Export.self, Verify.self, Proof.self])
}
