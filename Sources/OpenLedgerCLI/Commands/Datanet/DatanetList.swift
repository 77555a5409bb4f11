import ArgumentParser
import OpenLedgerKit

extension DatanetCommand {
  struct List: ContextCommand {
    static let configuration = CommandConfiguration(abstract: "List the store's Datanets.")

    @OptionGroup var global: GlobalOptions

    func run(_ context: Context) throws {
      let store = try context.openStore()
      let datanets = try Ledger(store: store).datanets()
      if context.output.isJSON {
        try context.output.json(datanets)
        return
      }
      if datanets.isEmpty {
        context.output.note("no Datanets yet; create one with `openledger datanet create NAME`")
        return
      }
      let names = context.accountNames()
      var table = TextTable(["NAME", "ID", "FORMAT", "OWNER", "CURATORS", "LICENSE"])
      for datanet in datanets {
        table.add([
          datanet.name, datanet.id.short, datanet.schema.format.rawValue,
          names.label(datanet.owner), "\(datanet.curators.count)", datanet.license,
        ])
      }
      context.output.line(table.rendered)
    }
  }
}
