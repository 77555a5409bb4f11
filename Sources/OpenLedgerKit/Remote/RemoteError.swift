/// Failures of a remote: storage that cannot be reached, refuses us, or serves what it must not.
public enum RemoteError: OpenLedgerError {
  /// The storage did not answer, after retries.
  case unreachable(location: String, detail: String)
  /// The storage refused the credentials; `hint` names what to check (which variable).
  case accessDenied(location: String, detail: String, hint: String)
  /// A file the remote should hold is not there.
  case notFound(location: String, key: String)
  /// A push or delete to a transport that only reads.
  case readOnly(location: String)
  /// The storage answered something a remote must not hold: an object whose bytes do not hash
  /// to its name, a malformed listing or head, an event that does not verify.
  case corrupt(location: String, key: String, reason: String)
  /// A URL that names no transport openledger knows.
  case unsupportedURL(String)
  /// The storage failed in another way (an unexpected status), after retries.
  case failed(location: String, key: String, detail: String)

  public var kind: FailureKind {
    switch self {
    case .unreachable, .failed: .ioError
    case .accessDenied: .permissionDenied
    case .notFound: .notFound
    case .readOnly, .unsupportedURL: .usage
    case .corrupt: .checksFailed
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
    case .readOnly(let location):
      "remote \(location) can only be read (HTTP); push to its directory or S3 bucket instead"
    case .corrupt(let location, let key, let reason):
      "remote \(location) serves a bad \(key): \(reason); nothing of it was applied"
    case .unsupportedURL(let url):
      "'\(url)' is not a remote openledger can use; give a directory (/path or file:///path), "
        + "s3://bucket/prefix, or http(s)://host/path"
    case .failed(let location, let key, let detail):
      "remote \(location) failed on \(key): \(detail)"
    }
  }
}
