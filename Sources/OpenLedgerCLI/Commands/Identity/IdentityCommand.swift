import ArgumentParser

struct IdentityCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "identity",
    abstract: "Manage the Ed25519 identities that sign your events.",
    discussion: """
      Keys live in $XDG_CONFIG_HOME/openledger/identities (default ~/.config/...), one file \
      per identity, readable by you alone.
      """,
    subcommands: [New.self, List.self, Show.self, ExportPublic.self])
}
