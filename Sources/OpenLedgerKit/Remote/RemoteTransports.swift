/// What opening a transport may need from outside the core: the process environment (S3
/// credentials, region, endpoint) and the home directory (`~/.aws/`). The CLI gathers it.
public struct RemoteEnvironment: Sendable {
  public var variables: [String: String]
  public var home: String

  public init(variables: [String: String], home: String) {
    self.variables = variables
    self.home = home
  }
}

extension RemoteConfig {
  /// The transport that serves this remote.
  public func transport(in environment: RemoteEnvironment) throws -> any RemoteTransport {
    switch try RemoteURL(url) {
    case .directory(let path):
      return DirectoryTransport(root: path, location: url)
    case .s3, .http:
      throw RemoteError.unsupportedURL(url)
    }
  }
}
