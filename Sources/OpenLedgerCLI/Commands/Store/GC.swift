import ArgumentParser
import OpenLedgerKit

struct GC: ContextCommand {
  static let configuration = CommandConfiguration(
    commandName: "gc",
    abstract: "Remove objects nothing references any more.",
    discussion: """
      Shards holding records that were taken down or withdrawn are rewritten without those \
      records' bytes (a tombstone keeps each one's id), and the attribution index of each \
      Datanet whose segments hold such records is compacted without them (`manifest verify \
      --recompute` then names the retired segments for epochs that queried them). Then objects that the catalog does not \
      reference (left by interrupted commands, or replaced shards) are deleted, as are staging \
      files of interrupted commands. Waits for running commands that are adding objects. \
      With --remote NAME, the redacted shards then go to that remote too, and the originals \
      holding the removed bytes are deleted there (refused, before anything is done here, unless \
      this store holds exactly what the remote does: pull and push first).
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(name: .long, help: "List what would be removed, and remove nothing.")
  var dryRun = false

  @Option(
    name: .customLong("remote"),
    help: ArgumentHelp(
      "Also erase removed records' bytes from this remote (after pulling everything it holds).",
      valueName: "name"))
  var remote: String?

  func validate() throws {
    if dryRun, remote != nil { throw ValidationError("--remote cannot be combined with --dry-run") }
  }

  func run(_ context: Context) throws {
    let store = try context.openStore()
    // The remote is named, reached and found safe to erase from before anything changes here.
    let sync = try remote.map { name in
      RemoteSync(store: store, remote: name, transport: try context.transport(store.remote(name)))
    }
    try sync?.checkErasable()
    var progress: ProgressBar?
    let report = try store.gc(dryRun: dryRun, clock: context.clock) { objects, total in
      if progress == nil {
        progress = ProgressBar(
          label: "gc", unit: "objects", output: context.output, total: .items(total))
      }
      progress?.update(items: objects)
    }
    progress?.finish()
    let remoteReport = try sync?.eraseRemovedBytes()
    if context.output.isJSON {
      if let remoteReport {
        try context.output.json(GCOutput(local: report, remote: remoteReport))
      } else {
        try context.output.json(report)
      }
      return
    }
    defer {
      if let remoteReport {
        context.output.line(
          "\(remoteReport.remote): sent \(remoteReport.redactedShards) redacted shard(s), deleted "
            + "\(remoteReport.shardsDeleted.count) shard(s) holding removed records, "
            + "\(remoteReport.packsDeleted) pack(s) no head file names, "
            + "\(remoteReport.abandonedWrites) file(s) killed writes left and "
            + "\(remoteReport.abandonedUploads) upload(s) they left incomplete "
            + "(\(formatBytes(remoteReport.bytesFreed)) in all)")
        if let refused = remoteReport.uploadsUnchecked {
          Diagnostics.warning(
            "incomplete uploads on \(remoteReport.remote) were not looked for: \(refused); "
              + "grant those permissions to these keys, or let a lifecycle rule of the bucket "
              + "abort incomplete multipart uploads")
        }
      }
    }
    let verb = dryRun ? "would remove" : "removed"
    if dryRun {
      for id in report.objectsRemoved { context.output.line(id.hex) }
    }
    for index in report.indexesCompacted {
      context.output.line(
        dryRun
          ? "would compact the attribution index of \(index.name) "
            + "(\(index.removedRecords) removed record(s))"
          : "compacted the attribution index of \(index.name): dropped \(index.removedRecords) "
            + "removed record(s), retired \(index.retired.count) segment(s), wrote "
            + "\(index.written.count)")
    }
    if !report.shardsRedacted.isEmpty {
      context.output.line(
        "\(dryRun ? "would erase" : "erased") the bytes of \(report.recordsErased) removed "
          + "record(s) from \(report.shardsRedacted.count) shard(s)")
    }
    context.output.line(
      "\(verb) \(report.objectsRemoved.count) unreferenced object(s) "
        + "(\(formatBytes(report.bytesFreed))), \(report.stagingFilesRemoved) staging file(s) and "
        + "\(report.indexFilesRemoved) index file(s); "
        + "kept \(report.objectsKept)")
  }
}

/// `gc --remote --format json`: what gc did here and on the remote.
struct GCOutput: Encodable {
  var local: GCReport
  var remote: RemoteGCReport
}
