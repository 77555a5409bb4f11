import ArgumentParser
import Foundation
import OpenLedgerKit

struct Clone: ContextCommand {
  static let configuration = CommandConfiguration(
    abstract: "Create a store from a remote's Datanets.",
    discussion: """
      Creates DIR (default: the URL's last path component) with a store in DIR/.openledger, \
      adds the remote as origin (with the S3 endpoint it used, from --endpoint, \
      $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL), and pulls every Datanet it holds (or those \
      named with --datanet, by name or id, which later pulls keep to; a name two Datanets of \
      the remote share is refused with their ids). Shards are fetched eagerly. A clone \
      that fails leaves nothing behind; one killed midway (Ctrl-C, a lost session) leaves the \
      store it was filling, and the same clone, run again, finishes it.
      """)

  @OptionGroup var global: GlobalOptions

  @Argument(help: "/path, file:///path, s3://bucket/prefix or https://host/path.")
  var url: String

  @Argument(help: "The directory to create (it must not exist, or be empty).")
  var directory: String?

  @Option(
    name: .customLong("datanet"),
    help: ArgumentHelp(
      "Clone only this Datanet: its name, or its id or 8 or more of its first digits "
        + "(repeatable)."))
  var datanets: [String] = []

  @Option(help: S3Endpoint.help)
  var endpoint: String?

  func validate() throws {
    try S3Endpoint.validate(url: url, endpoint: endpoint)
  }

  func run(_ context: Context) throws {
    let url = try context.remoteURL(self.url)
    // The endpoint the environment gives is remembered, so that a pull without the variable
    // reaches the same storage.
    let isS3 = if case .s3 = try RemoteURL(url) { true } else { false }
    let config = RemoteConfig(
      name: "origin", url: url,
      endpoint: endpoint
        ?? (isS3 ? S3Configuration.environmentEndpoint(context.environment) : nil),
      datanets: datanets.isEmpty ? nil : Array(Set(datanets)).sorted())
    try config.check()
    let transport = try context.transport(config)
    let name =
      directory
      ?? url.split(separator: "/").last.map(String.init).map {
        $0.hasSuffix(".openledger") ? String($0.dropLast(".openledger".count)) : $0
      } ?? "datanets"
    let target = context.absolute(name)
    let storeRoot = "\(target)/\(Store.directoryName)"
    let marker = "\(storeRoot)/\(Self.unfinishedMarker)"
    let existed = FileManager.default.fileExists(atPath: target)
    // nil when it is not a directory.
    let contents = existed ? try? FileManager.default.contentsOfDirectory(atPath: target) : []
    // A clone of the same URL that was killed midway is finished, not refused.
    let resuming =
      contents == [Store.directoryName]
      && (try? String(contentsOfFile: marker, encoding: .utf8)) == url
    if !resuming, contents?.isEmpty != true {
      throw RemoteError.cloneTargetNotEmpty(target)
    }
    do {
      let store: Store
      if resuming {
        store = try Store.open(at: storeRoot)
      } else {
        store = try Store.initialize(at: storeRoot, clock: context.clock)
        try store.addRemote(config)
        try Data(url.utf8).write(to: URL(fileURLWithPath: marker), options: .atomic)
      }
      let (bar, progress) = context.transferProgress("clone")
      let sync = RemoteSync(
        store: store, remote: "origin", transport: transport, progress: progress)
      var report = try sync.pull(names: datanets.isEmpty ? nil : datanets)
      report.directory = target
      bar.finish()
      try FileManager.default.removeItem(atPath: marker)
      try PullSummary(report: report, remote: "origin", context: context, pastConflicts: true)
        .print()
      if !context.output.isJSON {
        context.output.line("Cloned \(report.datanets.count) Datanet(s) into \(target)")
      }
    } catch {
      // Nothing half-made stays behind; a clone being finished keeps what it had.
      if resuming {
        throw error
      } else if existed {
        try? FileManager.default.removeItem(atPath: "\(target)/\(Store.directoryName)")
      } else {
        try? FileManager.default.removeItem(atPath: target)
      }
      throw error
    }
  }

  /// The file in a clone's store saying that the clone of the URL it holds is not finished.
  static let unfinishedMarker = "clone-unfinished"
}
