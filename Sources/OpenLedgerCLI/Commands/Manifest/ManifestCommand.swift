import ArgumentParser

struct ManifestCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "manifest",
    abstract: "Verify signed reward manifests and print claim proofs.",
    subcommands: [Verify.self, Proof.self])
}
