/// Failures of a remote: storage that cannot be reached, refuses us, or serves what it must not.
public enum RemoteError: OpenLedgerError {
  /// The storage did not answer, after retries.
  case unreachable(location: String, detail: String)
  /// The storage refused the credentials; `hint` names what to check (which variable).
  case accessDenied(location: String, detail: String, hint: String)
  /// A file the remote should hold is not there.
  case notFound(location: String, key: String)
  /// A clone's directory that exists and holds something (or is not a directory).
  case cloneTargetNotEmpty(String)
  /// `--datanet` names the remote does not hold (`held`: the names it does).
  case unknownDatanets(location: String, names: [String], held: [String])
  /// A Datanet name several Datanets of the remote have (`byName`), or an id prefix several
  /// of their ids start with.
  case ambiguousDatanet(location: String, reference: String, byName: Bool, matches: [Digest])
  /// Storage that holds no remote (no Datanet and no format marker): a wrong URL, or a place
  /// nobody pushed to yet.
  case notARemote(location: String)
  /// A push or delete to a transport that only reads.
  case readOnly(location: String)
  /// The storage answered something a remote must not hold: an object whose bytes do not hash
  /// to its name, a malformed listing or head, an event that does not verify.
  case corrupt(location: String, key: String, reason: String)
  /// A URL that names no transport openledger knows.
  case unsupportedURL(String)
  /// A relative path that is a mistyped URL (`s3:/bucket`, `s3//bucket`, `file:/path`), with
  /// the URL it likely meant when openledger knows its scheme.
  case mistypedURL(String, meant: String?)
  /// A path starting with a `~` the shell did not expand (it was quoted), with what it stands
  /// for when that is this user's home.
  case unexpandedHome(String, expanded: String?)
  /// An endpoint given for a remote that is not S3 (it would be ignored).
  case endpointNotS3(url: String, endpoint: String)
  /// A directory remote whose directory does not exist, or is a file (`isFile`).
  case noDirectory(location: String, path: String, isFile: Bool)
  /// A directory remote that is an openledger store, or the directory holding one (`holding`:
  /// the store's directory): a push would write into the store.
  case storeNotRemote(location: String, holding: String?)
  /// The storage failed in another way (an unexpected status), after retries.
  case failed(location: String, key: String, detail: String)
  /// No remote of that name in the store's config.
  case unknownRemote(String, known: [String])
  /// A remote name that is no remote's but a local Datanet's (`pull papers`), given to
  /// `command`.
  case datanetNotRemote(String, command: String, known: [String])
  case remoteExists(String)
  case invalidRemoteName(String)
  /// Pulled events that the ledger's rules refuse: the pull is not applied.
  case refusedEvents(location: String, events: [(id: Digest, reason: String)])
  /// Work that must start from everything the remotes hold (a reward epoch), while a remote
  /// holds changes this store has not pulled.
  case remoteAhead(remote: String, datanet: String, headFiles: Int)
  /// A remote that could not be asked whether it holds changes not pulled (`remoteAhead`):
  /// `error` is why.
  case cannotAsk(remote: String, datanet: String, error: any OpenLedgerError)
  /// `gc --remote` from a store that may not know everything the remote holds.
  case gcUnsafe(remote: String, reason: String)
  /// A Datanet of the remote whose name a different local Datanet already has.
  case nameTaken(name: String, local: Digest, remote: Digest)
  /// A push of a Datanet to a remote that holds a different Datanet of the same name.
  case nameInUse(location: String, name: String, local: Digest, remote: Digest)

  /// A file longer than the `limit` bytes a pull expected of it.
  static func tooLong(_ location: String, _ key: String, _ limit: Int) -> RemoteError {
    .corrupt(
      location: location, key: key,
      reason: "it is longer than the \(limit) bytes expected; nothing of it was kept")
  }

  public var kind: FailureKind {
    switch self {
    case .cannotAsk(_, _, let error): error.kind
    case .unreachable, .failed: .ioError
    case .accessDenied: .permissionDenied
    case .notFound, .unknownRemote, .datanetNotRemote, .notARemote, .unknownDatanets, .noDirectory,
      .storeNotRemote:
      .notFound
    case .readOnly, .ambiguousDatanet, .unsupportedURL, .mistypedURL, .unexpandedHome,
      .endpointNotS3,
      .invalidRemoteName:
      .usage
    case .corrupt, .refusedEvents: .checksFailed
    case .remoteExists, .nameTaken, .nameInUse, .cloneTargetNotEmpty: .cannotCreate
    case .remoteAhead, .gcUnsafe: .dataError
    }
  }

  public var description: String {
    switch self {
    case .unreachable(let location, let detail):
      "cannot reach remote \(location): \(detail); check the URL, the endpoint "
        + "(--endpoint or AWS_ENDPOINT_URL for S3) and the network, then run the command again"
    case .accessDenied(let location, let detail, let hint):
      "remote \(location) refused access: \(detail); \(hint)"
    case .notFound(let location, let key):
      "remote \(location) has no file \(key)"
    case .cloneTargetNotEmpty(let path):
      "\(path) exists and is not an empty directory; name another directory (`openledger clone "
        + "URL DIR`)"
    case .unknownDatanets(let location, let names, let held):
      "remote \(location) holds no Datanet named \(names.joined(separator: ", "))"
        + (held.isEmpty ? "" : " (it holds \(held.joined(separator: ", ")))")
    case .ambiguousDatanet(let location, let reference, let byName, let matches):
      (byName
        ? "remote \(location) holds several Datanets named '\(reference)'"
        : "'\(reference)' is the start of the ids of several Datanets of remote \(location)")
        + " (\(matches.map(\.hex).joined(separator: ", "))); name the one you want by its id "
        + "(--datanet ID, or 8 or more of its first digits)"
    case .notARemote(let location):
      "\(location) holds no openledger remote (no \(RemoteLayout.marker), which the first push "
        + "writes); check the URL, or push to "
        + (location.hasPrefix("http://") || location.hasPrefix("https://")
          ? "the directory or bucket it serves first" : "it first")
    case .readOnly(let location):
      "remote \(location) can only be read (HTTP); push to its directory or S3 bucket instead"
    case .corrupt(let location, let key, let reason):
      "remote \(location) serves a bad \(key): \(reason); nothing of it was applied"
    case .unsupportedURL(let url):
      "'\(url)' is not a remote openledger can use; give a directory (/path or file:///path), "
        + "s3://bucket/prefix, or http(s)://host/path"
    case .mistypedURL(let url, let meant):
      "'\(url)' looks like a mistyped URL, not a directory: "
        + (meant.map { "did you mean \($0)?" }
          ?? "give a directory (/path or file:///path), s3://bucket/prefix or http(s)://host/path")
        + " (for a directory of that name, write ./\(url))"
    case .unexpandedHome(let path, let expanded):
      "'\(path)': the shell did not expand ~ (it was quoted); write the full path"
        + (expanded.map { ", \($0)" } ?? "")
    case .endpointNotS3(let url, let endpoint):
      "--endpoint \(endpoint) is for an S3 remote (s3://bucket/prefix), and \(url) is not one; "
        + "leave --endpoint out"
    case .noDirectory(let location, let path, let isFile):
      (location == path ? "remote \(path)" : "remote \(location) (\(path))")
        + (isFile
          ? " is a file, not a directory; check the path"
          : " does not exist; check the path, or push to it first (a push creates it)")
    case .storeNotRemote(let location, let holding):
      "\(location) holds no openledger remote: "
        + (holding.map { "it holds the openledger store \($0)" } ?? "it is an openledger store")
        + ", which a push would write into; check the URL, and give the remote a directory of "
        + "its own"
    case .failed(let location, let key, let detail):
      "remote \(location) failed on \(key): \(detail)"
    case .unknownRemote(let name, let known):
      "no remote named '\(name)' in this store"
        + (known.isEmpty
          ? "; add one with `openledger remote add NAME URL`"
          : " (known: \(known.joined(separator: ", ")))")
    case .datanetNotRemote(let name, let command, let known):
      "no remote named '\(name)' in this store, but a Datanet is: to \(command) only it, write "
        + "`openledger \(command) --datanet \(name)`"
        + (known.isEmpty
          ? " (this store has no remote yet: add one with `openledger remote add NAME URL`)"
          : " (remotes: \(known.joined(separator: ", ")))")
    case .remoteExists(let name):
      "a remote named '\(name)' exists already; remove it first (`openledger remote remove "
        + "\(name)`) or choose another name"
    case .invalidRemoteName(let name):
      "'\(name)' is not a valid remote name: use 1 to 64 of a-z 0-9 . _ -, starting with a "
        + "letter or digit"
    case .refusedEvents(let location, let events):
      "remote \(location) holds \(events.count) event(s) the ledger's rules refuse, so nothing "
        + "of this pull was applied: "
        + events.prefix(5).map { "event \($0.id.hex): \($0.reason)" }.joined(separator: "; ")
        + (events.count > 5 ? "; and \(events.count - 5) more" : "")
    case .remoteAhead(let remote, let datanet, let count):
      "remote \(remote) holds \(count) change(s) to \(datanet) this store has not pulled; run "
        + "`openledger pull \(remote)` first (a reward epoch must see every decision), or pass "
        + "--offline to compute from this store alone"
    case .cannotAsk(let remote, let datanet, let error):
      "cannot ask remote \(remote) whether it holds changes to \(datanet) not pulled yet: "
        + "\(error.description). A reward epoch must see every decision: fix the remote, or pass "
        + "--offline to compute from this store alone (`openledger remote remove \(remote)` if "
        + "it is gone for good)"
    case .gcUnsafe(let remote, let reason):
      "gc --remote \(remote) would delete bytes others may need: \(reason); nothing was "
        + "deleted there"
    case .nameTaken(let name, let local, let remote):
      "the remote's Datanet '\(name)' (\(remote.short)) is not this store's '\(name)' "
        + "(\(local.short)); pull it into another store, or leave it out with --datanet"
    case .nameInUse(let location, let name, let local, let remote):
      "\(location) holds another Datanet named '\(name)' (\(remote.short)), and a pull could "
        + "take only one of the two: nothing of this store's '\(name)' (\(local.short)) was "
        + "pushed. Push it to another remote, or leave it out with --datanet"
    }
  }
}
