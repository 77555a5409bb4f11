import ArgumentParser
import OpenLedgerKit

extension IdentityCommand {
  struct Show: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Show an identity (by default, the one you act as).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The identity's name.", completion: .identities)
    var name: String?

    func run(_ context: Context) throws {
      let identity = try name.map { try context.identities.load(name: $0) } ?? context.identity()
      if context.output.isJSON {
        try context.output.json(IdentitySummary(identity))
      } else {
        var table = TextTable(["name", identity.name])
        table.add(["account", identity.account.hex])
        table.add(["fingerprint", identity.account.fingerprint])
        table.add(["key id", identity.account.keyID])
        table.add(["created", identity.created])
        table.add(["key file", identity.path])
        context.output.line(table.rendered)
      }
    }
  }
}
