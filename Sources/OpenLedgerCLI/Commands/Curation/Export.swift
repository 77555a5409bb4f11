import ArgumentParser
import OpenLedgerKit

struct Export: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Export a Datanet's accepted records for training, with their provenance.",
    discussion: """
      Writes DIR/data/records-NNNNN.jsonl (the accepted records that were not taken down or \
      withdrawn, each line with record_id, contribution, contributor, contributor_name, source \
      (file, archive entry, line), text, and for JSON and CSV Datanets the record itself as a \
      JSON object), DIR/datapackage.json (Frictionless Data Package) and DIR/croissant.json \
      (MLCommons Croissant 1.0), both listing each file with its SHA-256. Contributors are \
      named by the local identity that holds their key, where there is one: names are local, \
      so the same ledger state and the same local identities give the same bytes. The export \
      is written beside DIR (in \
      .DIR.export-XXXXXX) and renamed into place: a failure leaves nothing half written, and \
      what a killed export left there is removed by the next export into DIR. A non-empty DIR \
      is refused (exit 73) unless --force; DIR may be a symbolic link to a directory.
      """)

  @OptionGroup var global: GlobalOptions

  @OptionGroup var target: DatanetArgument

  @Option(name: .long, help: ArgumentHelp("The directory to write.", valueName: "dir"))
  var out: String

  @Flag(name: .long, help: "Replace a non-empty output directory.")
  var force = false

  @Option(
    name: .long,
    help: ArgumentHelp(
      "Start a new shard before one passes this size (e.g. 64MB).", valueName: "size"))
  var shardSize = ByteSize(Int64(DatanetExport.defaultShardBytes))

  func run(_ context: Context) throws {
    let store = try context.openStore()
    let directory = context.absolute(out)
    var progress: ProgressBar?
    let report = try DatanetExport(store: store).export(
      target.datanet, to: directory, shardBytes: Int(clamping: shardSize.bytes), force: force,
      names: context.accountNames().names
    ) { records, total in
      if progress == nil {
        progress = ProgressBar(
          label: "export", unit: "records", output: context.output, total: .items(total))
      }
      progress?.update(items: records)
    }
    progress?.finish()
    if !report.staleStagingRemoved.isEmpty {
      context.output.note(
        "removed \(report.staleStagingRemoved.count) staging folder(s) that interrupted exports "
          + "left beside \(out): " + report.staleStagingRemoved.joined(separator: ", "))
    }
    if context.output.isJSON {
      try context.output.json(report)
      return
    }
    if context.output.quiet { return }
    var table = TextTable(["FILE", "RECORDS", "SIZE", "SHA-256"])
    for file in report.files {
      table.add([
        file.path, file.records > 0 ? "\(file.records)" : "-", formatBytes(file.bytes),
        file.sha256.hex,
      ])
    }
    context.output.line(table.rendered)
    context.output.line(
      "Exported \(report.records) record(s) from \(report.contributors) contributor(s) of "
        + "\(report.name) to \(out)")
  }
}
