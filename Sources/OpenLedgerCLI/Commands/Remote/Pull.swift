import ArgumentParser
import OpenLedgerKit

struct Pull: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Fetch a remote's Datanets into this store.",
    discussion: """
      Fetches the head files and event packs this store has not seen, verifies every event \
      (signature, canonical encoding) and every object (its SHA-256), and folds the events \
      with the ledger's rules. If the rules refuse any event, nothing of the pull is applied \
      (exit 1). Concurrent decisions made elsewhere are resolved the same way on every \
      machine; each one is reported with what won. A store cloned with --datanet pulls only \
      those Datanets (and those later pulled with --datanet) from that remote.
      """)

  @OptionGroup var global: GlobalOptions

  @OptionGroup var transfer: TransferOptions<Pulling>

  func run(_ context: Context) throws {
    let (store, config) = try context.remote(transfer.remote, for: "pull")
    let (bar, sync) = try context.transferSync(config, of: store, label: "pull")
    let ledger = Ledger(store: store)
    // Without --datanet, the Datanets a clone was limited to, if it was.
    let datanets = transfer.datanets.isEmpty ? config.datanets ?? [] : transfer.datanets
    let known = datanets.compactMap { try? ledger.datanet($0).id }
    let report = try sync.pull(
      datanets: datanets.isEmpty || known.count != datanets.count ? nil : known,
      names: datanets.isEmpty || known.count == datanets.count ? nil : datanets)
    if !transfer.datanets.isEmpty {
      try store.widenScope(of: transfer.remote, with: transfer.datanets)
    }
    bar.finish()
    try PullSummary(report: report, remote: transfer.remote, context: context).print()
  }
}

/// How `pull` and `clone` report.
struct PullSummary {
  let report: PullReport
  let remote: String
  let context: Context
  /// A clone's conflicts were all resolved before it: counted, not listed.
  var pastConflicts = false

  func print() throws {
    if context.output.isJSON {
      try context.output.json(report)
      return
    }
    let names = context.accountNames()
    for pulled in report.datanets {
      if pulled.events == 0 {
        context.output.line("\(pulled.name): up to date with \(remote)")
        continue
      }
      context.output.line(
        "\(pulled.name): \(pulled.events) new event(s), \(pulled.objects) object(s), "
          + "\(formatBytes(pulled.bytes)) from \(remote)")
      if pastConflicts, !pulled.conflicts.isEmpty {
        context.output.line(
          "  \(pulled.conflicts.count) conflict(s) among its past decisions, resolved the same "
            + "way on every machine; `openledger log \(pulled.name)` marks the events that lost")
        continue
      }
      for conflict in pulled.conflicts {
        context.output.line(
          "  conflict: \(conflict.type) \(conflict.event.short) by \(names.label(conflict.actor)) "
            + "changed nothing: \(conflict.resolution)")
      }
    }
  }
}
