import ArgumentParser
import Foundation
import OpenLedgerKit

struct RemoteCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remote",
    abstract: "Manage the remotes a store pushes to and pulls from.",
    discussion: """
      A remote is a directory (/path or file:///path), an S3 bucket (s3://bucket/prefix) or, \
      read-only, a web server (https://host/path) holding Datanets pushed there. Remotes are \
      kept in the store's config.json. See Docs/Remotes.md.
      """,
    subcommands: [Add.self, List.self, Remove.self])
}

extension RemoteCommand {
  struct Add: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Add a remote.",
      discussion: """
        An S3 remote keeps the endpoint given with --endpoint, else the one \
        $AWS_ENDPOINT_URL_S3 or $AWS_ENDPOINT_URL gives when it is added, so that later \
        pushes and pulls reach the same storage without the variable.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Its name (origin is the default remote).")
    var name: String

    @Argument(help: "/path, file:///path, s3://bucket/prefix or https://host/path.")
    var url: String

    @Option(help: S3Endpoint.help)
    var endpoint: String?

    func validate() throws {
      try S3Endpoint.validate(url: url, endpoint: endpoint)
    }

    func run(_ context: Context) throws {
      let store = try context.openStore()
      let url = try context.remoteURL(url)
      // The endpoint the environment gives is remembered, as `clone` does, so that a pull
      // from a shell without the variable reaches the same storage rather than AWS.
      let isS3 = if case .s3 = try RemoteURL(url) { true } else { false }
      let variable =
        endpoint == nil && isS3
        ? ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"].first {
          context.environment[$0]?.isEmpty == false
        } : nil
      let remote = RemoteConfig(
        name: name, url: url,
        endpoint: endpoint
          ?? (variable != nil ? S3Configuration.environmentEndpoint(context.environment) : nil))
      try store.addRemote(remote)
      if context.output.isJSON {
        try context.output.json(RemoteListing(remote))
      } else {
        context.output.line(
          "Added remote \(name) (\(remote.url))"
            + (variable.map { ", with the endpoint \(remote.endpoint ?? "") from $\($0)" } ?? ""))
      }
    }
  }

  struct List: ContextCommand {
    static let configuration = CommandConfiguration(abstract: "List the store's remotes.")

    @OptionGroup var global: GlobalOptions

    func run(_ context: Context) throws {
      let remotes = try context.openStore().remotes()
      if context.output.isJSON {
        try context.output.json(remotes.map(RemoteListing.init))
        return
      }
      if remotes.isEmpty {
        context.output.line("no remotes; add one with `openledger remote add NAME URL`")
        return
      }
      var table = TextTable(["NAME", "URL", "ENDPOINT"])
      for remote in remotes { table.add([remote.name, remote.url, remote.endpoint ?? ""]) }
      context.output.line(table.rendered)
    }
  }

  struct Remove: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Remove a remote (nothing on the remote is touched).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The remote's name.")
    var name: String

    func run(_ context: Context) throws {
      try context.openStore().removeRemote(name)
      if context.output.isJSON {
        try context.output.json(["removed": name])
      } else {
        context.output.line("Removed remote \(name)")
      }
    }
  }
}

/// The `--endpoint` option of `remote add` and `clone`.
enum S3Endpoint {
  static let help = ArgumentHelp(
    "For S3: the endpoint (MinIO, R2, Ceph RGW); default $AWS_ENDPOINT_URL_S3, else "
      + "$AWS_ENDPOINT_URL, else the AWS profile's endpoint_url, else AWS.")

  /// Refuses, before the command runs, a remote URL and `--endpoint` that no surroundings make
  /// right: a URL of no scheme openledger takes or a mistyped one (`s3:/bucket`), a `~` the
  /// shell did not expand, a bad bucket or host, and `--endpoint` for a remote that is not S3
  /// or that is no endpoint. They are mistakes in the command line, so they are followed by
  /// the command's usage, as a malformed license or name is; what only the remote can tell
  /// (a store's directory given as one, say) is left for the command to find.
  static func validate(url: String, endpoint: String?) throws {
    var absolute = url
    do {
      if !url.contains("://"), !url.hasPrefix("/") {
        try RemoteURL.checkRelativePath(
          url, home: ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory())
        absolute = "\(FileManager.default.currentDirectoryPath)/\(url)"
      }
      try RemoteConfig(name: "origin", url: absolute, endpoint: endpoint).check()
    } catch let error as any OpenLedgerError {
      guard error.kind == .usage else { return }
      throw ValidationError(error.description)
    }
  }
}

/// A remote as listings print it.
struct RemoteListing: Encodable {
  var name: String
  var url: String
  var endpoint: String?

  init(_ remote: RemoteConfig) {
    name = remote.name
    url = remote.url
    endpoint = remote.endpoint
  }
}

extension Context {
  /// A remote URL as given, with a relative directory made absolute; a relative path that
  /// is a mistyped URL or starts with an unexpanded `~` is refused.
  func remoteURL(_ url: String) throws -> String {
    if url.contains("://") || url.hasPrefix("/") { return url }
    try RemoteURL.checkRelativePath(url, home: environment["HOME"] ?? NSHomeDirectory())
    return absolute(url)
  }

  /// The store, and its remote named `name`. A name that is not a remote's but a Datanet's is
  /// refused with how `command` (`push`, `pull`) takes a Datanet.
  func remote(_ name: String, for command: String) throws -> (store: Store, config: RemoteConfig) {
    let store = try openStore()
    do {
      return (store, try store.remote(name))
    } catch RemoteError.unknownRemote(let name, let known)
      where (try? Ledger(store: store).datanet(name)) != nil
    {
      throw RemoteError.datanetNotRemote(name, command: command, known: known)
    }
  }

  /// What the core needs to open a remote's transport. `OPENLEDGER_S3_ADDRESSING` (`path` or
  /// `virtual`) forces how an S3 bucket is addressed.
  var remoteEnvironment: RemoteEnvironment {
    let addressing: S3Configuration.Addressing? =
      switch environment["OPENLEDGER_S3_ADDRESSING"] {
      case "path": .path
      case "virtual", "virtual-hosted": .virtualHosted
      default: nil
      }
    return RemoteEnvironment(
      variables: environment, home: environment["HOME"] ?? NSHomeDirectory(),
      addressing: addressing)
  }

  /// The transport of the store's remote `name`.
  func transport(_ remote: RemoteConfig) throws -> any RemoteTransport {
    try remote.transport(in: remoteEnvironment)
  }

  /// A progress display for a transfer, safe to feed from several threads.
  func transferProgress(_ label: String) -> (ProgressBar, (TransferProgress) -> Void) {
    let bar = ProgressBar(label: label, unit: "files", output: output)
    let lock = NSLock()
    return (
      bar,
      { progress in
        lock.withLock { bar.transfer(progress) }
      }
    )
  }

  /// A sync of `store` with its remote `config` that shows its transfers on a progress display
  /// labelled `label` (`pull`, `push`); the caller finishes the display when the sync is done.
  func transferSync(_ config: RemoteConfig, of store: Store, label: String) throws -> (
    ProgressBar, RemoteSync
  ) {
    let (bar, progress) = transferProgress(label)
    let sync = RemoteSync(
      store: store, remote: config.name, transport: try transport(config), progress: progress)
    return (bar, sync)
  }

  /// Refuses when one of the store's remotes holds changes to `state` not pulled yet.
  func requirePulled(_ state: DatanetState, from store: Store) throws {
    for remote in try store.remotes() {
      let unpulled: [String]
      do {
        let sync = RemoteSync(store: store, remote: remote.name, transport: try transport(remote))
        unpulled = try sync.unpulledHeadFiles(of: state.id)
      } catch let error as any OpenLedgerError {
        throw RemoteError.cannotAsk(remote: remote.name, datanet: state.name, error: error)
      }
      if !unpulled.isEmpty {
        throw RemoteError.remoteAhead(
          remote: remote.name, datanet: state.name, headFiles: unpulled.count)
      }
    }
  }
}
