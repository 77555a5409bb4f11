import ArgumentParser
import OpenLedgerKit

struct GC: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "gc",
    abstract: "Remove objects nothing references any more.",
    discussion: """
      Shards holding records that were taken down or withdrawn are rewritten without those \
      records' bytes (a tombstone keeps each one's id), and the attribution index of each \
      Datanet whose segments hold such records is compacted without them (`manifest verify \
      --recompute` then names the retired segments for epochs that queried them). Then objects that the catalog does not \
      reference (left by interrupted commands, or replaced shards) are deleted, as are staging \
      files of interrupted commands. Waits for running commands that are adding objects.
      """)

  @OptionGroup var global: GlobalOptions

  @Flag(name: .long, help: "List what would be removed, and remove nothing.")
  var dryRun = false

  func run() throws {
    let context = Context(global)
    let store = try context.openStore()
    let report = try store.gc(dryRun: dryRun, clock: context.clock)
    if context.output.isJSON {
      try context.output.json(report)
      return
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
