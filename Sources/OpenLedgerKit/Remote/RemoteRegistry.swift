import Foundation

extension Store {
  /// The remotes in `config.json`, sorted by name.
  public func remotes() throws -> [RemoteConfig] {
    try StoreConfig.load(from: configPath).remotes?.sorted { $0.name < $1.name } ?? []
  }

  /// The remote called `name`.
  public func remote(_ name: String) throws -> RemoteConfig {
    let all = try remotes()
    guard let remote = all.first(where: { $0.name == name }) else {
      throw RemoteError.unknownRemote(name, known: all.map(\.name))
    }
    return remote
  }

  /// Adds a remote to `config.json`.
  public func addRemote(_ remote: RemoteConfig) throws {
    guard RemoteConfig.isValidName(remote.name) else {
      throw RemoteError.invalidRemoteName(remote.name)
    }
    try remote.check()
    try changeConfig { config in
      var remotes = config.remotes ?? []
      if remotes.contains(where: { $0.name == remote.name }) {
        throw RemoteError.remoteExists(remote.name)
      }
      remotes.append(remote)
      config.remotes = remotes.sorted { $0.name < $1.name }
    }
  }

  /// Removes a remote from `config.json`, and what the catalog remembers of it.
  public func removeRemote(_ name: String) throws {
    try changeConfig { config in
      let remotes = config.remotes ?? []
      guard remotes.contains(where: { $0.name == name }) else {
        throw RemoteError.unknownRemote(name, known: remotes.map(\.name))
      }
      config.remotes = remotes.filter { $0.name != name }
      if config.remotes?.isEmpty == true { config.remotes = nil }
    }
    try catalog.write { db in
      try db.execute(sql: "DELETE FROM remote_files WHERE remote = ?", arguments: [name])
    }
  }

  /// Adds `names` to the Datanets a pull takes from remote `name`, when that remote is limited
  /// to some (`RemoteConfig.datanets`).
  public func widenScope(of name: String, with names: [String]) throws {
    try changeConfig { config in
      guard var remotes = config.remotes,
        let index = remotes.firstIndex(where: { $0.name == name }),
        let scope = remotes[index].datanets
      else { return }
      remotes[index].datanets = Array(Set(scope).union(names)).sorted()
      config.remotes = remotes
    }
  }

  var configPath: String { "\(root)/config.json" }

  /// Rewrites `config.json` atomically with `change` applied to what it holds now, holding
  /// the store lock exclusively so two changes do not lose one another.
  func changeConfig(_ change: (inout StoreConfig) throws -> Void) throws {
    let lock = try lock(.exclusive)
    defer { withExtendedLifetime(lock) {} }
    var config = try StoreConfig.load(from: configPath)
    try change(&config)
    try FileSystem.writeAtomically(
      try CanonicalEncoder.encode(config), to: configPath, stagingDirectory: "\(root)/tmp")
  }
}

extension RemoteConfig {
  /// Refuses now what every use of the remote would refuse: a bad bucket name, an HTTP URL
  /// without a host, a store's directory, an endpoint for a remote that is not S3.
  public func check() throws {
    let parsed = try RemoteURL(url)
    switch parsed {
    case .directory(let path):
      if let store = DirectoryTransport.store(at: path) {
        throw RemoteError.storeNotRemote(location: url, holding: store == path ? nil : store)
      }
    case .s3: _ = try S3Configuration.parse(url)
    case .http: try HTTPTransport.check(url: url)
    }
    if let endpoint = endpoint {
      guard case .s3 = parsed else {
        throw RemoteError.endpointNotS3(url: url, endpoint: endpoint)
      }
      _ = try S3Configuration.parseEndpoint(endpoint)
    }
  }
}

/// A remote's URL, parsed: which transport serves it, and where.
public enum RemoteURL: Equatable, Sendable {
  case directory(String)
  case s3(bucket: String, prefix: String)
  case http(String)

  public init(_ url: String) throws {
    if url.hasPrefix("/") {
      self = .directory(url)
    } else if url.hasPrefix("file://") {
      let path = String(url.dropFirst("file://".count))
      guard path.hasPrefix("/") else { throw RemoteError.unsupportedURL(url) }
      self = .directory(path.removingPercentEncoding ?? path)
    } else if url.hasPrefix("s3://") {
      let rest = url.dropFirst("s3://".count)
      let bucket = String(rest.prefix { $0 != "/" })
      let prefix = rest.dropFirst(bucket.count).split(separator: "/").joined(separator: "/")
      guard !bucket.isEmpty else { throw RemoteError.unsupportedURL(url) }
      self = .s3(bucket: bucket, prefix: prefix)
    } else if url.hasPrefix("http://") || url.hasPrefix("https://") {
      self = .http(url)
    } else {
      throw RemoteError.unsupportedURL(url)
    }
  }

  /// Refuses a relative path `given` as a remote that is a mistyped URL (`s3:/bucket/x`,
  /// `s3//bucket/x`, `file:/path`, any `word:` first), or starts with a `~` the shell did not
  /// expand: taken as a directory under the working directory, a push would write there.
  /// `home` is this user's home directory, to say what `~` stands for.
  public static func checkRelativePath(_ given: String, home: String?) throws {
    if given.hasPrefix("~") {
      let rest = given.dropFirst()
      let expanded = rest.isEmpty || rest.hasPrefix("/") ? home.map { $0 + rest } : nil
      throw RemoteError.unexpandedHome(given, expanded: expanded)
    }
    let first = given.prefix { $0 != "/" }
    let scheme: Substring
    let rest: Substring
    if let colon = first.firstIndex(of: ":") {
      scheme = first[..<colon]
      rest = given[given.index(after: colon)...]
    } else if given.dropFirst(first.count).hasPrefix("//") {
      // `s3//bucket`: a known scheme whose colon is missing.
      scheme = first
      rest = given.dropFirst(first.count)
      guard knownSchemes.contains(scheme.lowercased()) else { return }
    } else {
      return
    }
    guard let letter = scheme.first, letter.isASCII, letter.isLetter,
      scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+.-".contains($0)) })
    else { return }
    let lowered = scheme.lowercased()
    let path = rest.drop { $0 == "/" }
    let meant: String? =
      knownSchemes.contains(lowered) ? "\(lowered)://\(lowered == "file" ? "/" : "")\(path)" : nil
    throw RemoteError.mistypedURL(given, meant: meant)
  }

  /// The schemes of the URLs a remote may have.
  static let knownSchemes: Set = ["s3", "file", "http", "https"]
}
