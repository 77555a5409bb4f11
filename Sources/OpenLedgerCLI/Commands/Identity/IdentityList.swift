import ArgumentParser
import OpenLedgerKit

extension IdentityCommand {
  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List your identities.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
      let context = Context(global)
      let identities = try context.identities.names().map { try context.identities.load(name: $0) }
      if context.output.isJSON {
        try context.output.json(identities.map(IdentitySummary.init))
        return
      }
      if identities.isEmpty {
        context.output.note(
          "no identities in \(context.identities.directory); create one with "
            + "`openledger identity new NAME`")
        return
      }
      var table = TextTable(["NAME", "ACCOUNT", "CREATED"])
      for identity in identities {
        table.add([identity.name, identity.account.hex, identity.created])
      }
      context.output.line(table.rendered)
    }
  }
}
