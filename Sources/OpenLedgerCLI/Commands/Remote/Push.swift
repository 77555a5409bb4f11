import ArgumentParser
import OpenLedgerKit

struct Push: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Send this store's Datanets to a remote.",
    discussion: """
      Uploads the events the remote lacks (in one pack per Datanet) and the shards and reward \
      files they need, then announces this store's heads in a new head file. Nothing on the \
      remote is ever overwritten, so pushes from several machines at once all land. A store \
      without Datanets has nothing to push, and says so. Exits 64 for a read-only (HTTP) \
      remote.
      """)

  @OptionGroup var global: GlobalOptions

  @OptionGroup var transfer: TransferOptions<Pushing>

  func run(_ context: Context) throws {
    let (store, config) = try context.remote(transfer.remote, for: "push")
    let ledger = Ledger(store: store)
    let scope =
      try transfer.datanets.isEmpty ? nil : transfer.datanets.map { try ledger.datanet($0) }
    let (bar, sync) = try context.transferSync(config, of: store, label: "push")
    let report = try sync.push(datanets: scope)
    bar.finish()
    if context.output.isJSON {
      try context.output.json(report)
      return
    }
    if report.datanets.isEmpty {
      // Said rather than printing nothing, which reads as a push that did not run.
      context.output.note(
        "nothing to push to \(transfer.remote): this store holds no Datanet; create one with "
          + "`openledger datanet create NAME`, or pull one with `openledger pull`")
    }
    for pushed in report.datanets {
      if pushed.events == 0 {
        context.output.line("\(pushed.name): \(transfer.remote) is up to date")
      } else {
        context.output.line(
          "\(pushed.name): pushed \(pushed.events) event(s), \(pushed.objects) object(s), "
            + "\(formatBytes(pushed.bytes)) to \(transfer.remote)")
      }
      if pushed.remoteAhead > 0 {
        context.output.note(
          "\(transfer.remote) has \(pushed.remoteAhead) head(s) of \(pushed.name) this store "
            + "has not pulled; run `openledger pull \(transfer.remote)`")
      }
    }
  }
}
