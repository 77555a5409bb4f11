/// What opening a transport may need from outside the core: the process environment (S3
/// credentials, region, endpoint; the certificate authorities of an HTTPS remote,
/// `SSL_CERT_FILE`) and the home directory (`~/.aws/`). The CLI gathers it.
public struct RemoteEnvironment: Sendable {
  public var variables: [String: String]
  public var home: String
  /// For S3: force path-style or virtual-hosted addressing (default: chosen by the endpoint).
  public var addressing: S3Configuration.Addressing?

  public init(
    variables: [String: String], home: String, addressing: S3Configuration.Addressing? = nil
  ) {
    self.variables = variables
    self.home = home
    self.addressing = addressing
  }
}

extension RemoteConfig {
  /// The transport that serves this remote.
  public func transport(in environment: RemoteEnvironment) throws -> any RemoteTransport {
    switch try RemoteURL(url) {
    case .directory(let path):
      return DirectoryTransport(root: path, location: url)
    case .s3:
      let configuration = try S3Configuration.resolve(
        url: url, environment: environment.variables, home: environment.home,
        endpoint: endpoint, addressing: environment.addressing)
      return S3Transport(configuration: configuration)
    case .http:
      // Only an https remote has certificates to check.
      let bundle = environment.variables["SSL_CERT_FILE"].flatMap {
        $0.isEmpty || !url.lowercased().hasPrefix("https:") ? nil : $0
      }
      return try HTTPTransport(
        url: url,
        caBundle: bundle.map { try S3Configuration.readableCABundle($0, from: "SSL_CERT_FILE") })
    }
  }
}
