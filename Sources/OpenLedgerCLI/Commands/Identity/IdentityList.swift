import ArgumentParser
import OpenLedgerKit

extension IdentityCommand {
  struct List: ContextCommand {
    static let configuration = CommandConfiguration(abstract: "List your identities.")

    @OptionGroup var global: GlobalOptions

    func run(_ context: Context) throws {
      // A key file that cannot be used does not hide the others: they are listed, and the
      // command then fails with the first problem (the rest as notes).
      var identities = [Identity]()
      var problems = [Error]()
      for name in try context.identities.names() {
        do {
          identities.append(try context.identities.load(name: name))
        } catch {
          problems.append(error)
        }
      }
      try list(identities, context: context)
      for problem in problems.dropFirst() { Diagnostics.error("\(problem)") }
      if let first = problems.first { throw first }
    }

    private func list(_ identities: [Identity], context: Context) throws {
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
