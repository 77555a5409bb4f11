import ArgumentParser
import OpenLedgerKit

struct Push: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Send this store's Datanets to a remote.",
    discussion: """
      Uploads the events the remote lacks (in one pack per Datanet) and the shards and reward \
      files they need, then announces this store's heads in a new head file. Nothing on the \
      remote is ever overwritten, so pushes from several machines at once all land. Exits 64 \
      for a read-only (HTTP) remote.
      """)

  @OptionGroup var global: GlobalOptions

  @Argument(help: "The remote (default: origin).")
  var remote: String = "origin"

  @Option(
    name: .customLong("datanet"), help: "Push only this Datanet (repeatable).",
    completion: .datanets)
  var datanets: [String] = []

  func run(_ context: Context) throws {
    let store = try context.openStore()
    let config = try store.remote(remote)
    let ledger = Ledger(store: store)
    let scope = try datanets.isEmpty ? nil : datanets.map { try ledger.datanet($0) }
    let (bar, progress) = context.transferProgress("push")
    let sync = RemoteSync(
      store: store, remote: remote, transport: try context.transport(config),
      progress: progress)
    let report = try sync.push(datanets: scope)
    bar.finish()
    if context.output.isJSON {
      try context.output.json(report)
      return
    }
    for pushed in report.datanets {
      if pushed.events == 0 {
        context.output.line("\(pushed.name): \(remote) is up to date")
      } else {
        context.output.line(
          "\(pushed.name): pushed \(pushed.events) event(s), \(pushed.objects) object(s), "
            + "\(formatBytes(pushed.bytes)) to \(remote)")
      }
      if pushed.remoteAhead > 0 {
        Diagnostics.note(
          "\(remote) has \(pushed.remoteAhead) head(s) of \(pushed.name) this store has not "
            + "pulled; run `openledger pull \(remote)`")
      }
    }
  }
}
