import Foundation

/// Where an S3 remote lives and how to reach it: bucket, prefix, endpoint, region, keys.
///
/// The core reads no environment itself: the CLI passes its environment and home directory to
/// `resolve`, which looks where the AWS CLI looks (Docs/Remotes.md, "Storage providers").
public struct S3Configuration: Sendable {
  /// How the bucket is named in a request's URL.
  public enum Addressing: String, Sendable {
    /// `https://endpoint/bucket/key`: what MinIO, Ceph RGW, R2 and moto expect.
    case path
    /// `https://bucket.endpoint/key`: what AWS wants (path style is deprecated there).
    case virtualHosted
  }

  /// Where the credentials came from, so that an error can say what to check.
  public enum CredentialSource: Sendable, Equatable {
    /// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`).
    case environment
    /// A profile in a shared credentials or config file.
    case profile(name: String, file: String)
    /// None were found: requests go unsigned (enough for a public bucket).
    case none(profile: String)
  }

  public var bucket: String
  /// The keys' common prefix inside the bucket: empty, or ending with `/`.
  public var prefix: String
  /// The service's URL (`https://s3.eu-west-1.amazonaws.com`, `http://127.0.0.1:9000`),
  /// without the bucket.
  public var endpoint: URL
  public var region: String
  public var credentials: AWSCredentials?
  public var credentialSource: CredentialSource
  public var addressing: Addressing
  /// A PEM file of the certificate authorities to trust for an https endpoint, in place of
  /// the system's (a MinIO or RGW with a certificate of its own); nil trusts the system's.
  public var caBundle: String?
  /// Files larger than this go up in parts (multipart upload).
  public var multipartThreshold = 64 << 20
  /// The size of each part (at least 5 MiB, S3's minimum; raised when a file would need more
  /// than 10,000 parts).
  public var partSize = 16 << 20
  /// How many parts of one file go up at once.
  public var partConcurrency = 4
  /// Keys asked for per listing page (`max-keys`); nil leaves S3's default of 1000.
  public var listPageSize: Int?
  public var retry = RetryPolicy.standard
  /// Seconds without a byte before a request is given up (and retried).
  public var requestTimeout: TimeInterval = 60
  /// Connections kept open to the endpoint, shared by the threads of a transfer.
  public var maximumConnections = 16
  /// Whether `put` refuses storage that ignores `If-None-Match: *` (checked once per
  /// transport). Without that check a write racing another one could replace it.
  public var requireConditionalWrites = true

  public init(
    bucket: String, prefix: String = "", endpoint: URL, region: String,
    credentials: AWSCredentials?, credentialSource: CredentialSource = .environment,
    addressing: Addressing = .path
  ) {
    self.bucket = bucket
    self.prefix = prefix.isEmpty || prefix.hasSuffix("/") ? prefix : prefix + "/"
    self.endpoint = endpoint
    self.region = region
    self.credentials = credentials
    self.credentialSource = credentialSource
    self.addressing = addressing
  }

  /// The endpoint the environment names: `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`.
  public static func environmentEndpoint(_ environment: [String: String]) -> String? {
    nonEmpty(environment["AWS_ENDPOINT_URL_S3"]) ?? nonEmpty(environment["AWS_ENDPOINT_URL"])
  }

  /// The remote named by `url` (`s3://bucket/prefix`), with the endpoint, region and
  /// credentials the AWS CLI would use given `environment` and the home directory `home`:
  ///
  /// - endpoint: `endpoint` (the `--endpoint` option), else `AWS_ENDPOINT_URL_S3`, else
  ///   `AWS_ENDPOINT_URL`, else the profile's `endpoint_url`, else AWS's regional endpoint;
  /// - region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`, else
  ///   `us-east-1`;
  /// - credentials: `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`),
  ///   else the profile `AWS_PROFILE` (default `default`) in `~/.aws/credentials`
  ///   (`AWS_SHARED_CREDENTIALS_FILE`) or `~/.aws/config` (`AWS_CONFIG_FILE`), else none;
  /// - addressing: `addressing`, else the profile's `s3.addressing_style`, else path style for
  ///   an endpoint of one's own and virtual-hosted style for AWS;
  /// - certificate authorities (an https endpoint): `AWS_CA_BUNDLE`, else the profile's
  ///   `ca_bundle`, else the system's.
  public static func resolve(
    url: String, environment: [String: String], home: String, endpoint: String? = nil,
    addressing: Addressing? = nil
  ) throws -> S3Configuration {
    let (bucket, prefix) = try parse(url)
    let profileName = nonEmpty(environment["AWS_PROFILE"]) ?? "default"
    let credentialsFile =
      nonEmpty(environment["AWS_SHARED_CREDENTIALS_FILE"]) ?? "\(home)/.aws/credentials"
    let configFile = nonEmpty(environment["AWS_CONFIG_FILE"]) ?? "\(home)/.aws/config"
    let fromCredentials = try AWSSharedFile.read(credentialsFile)?.section(profileName)
    let fromConfig = try AWSSharedFile.read(configFile)?.section(
      profileName == "default" ? "default" : "profile \(profileName)")
    let profile = (fromConfig ?? [:]).merging(fromCredentials ?? [:]) { $1 }

    let region =
      nonEmpty(environment["AWS_REGION"]) ?? nonEmpty(environment["AWS_DEFAULT_REGION"])
      ?? nonEmpty(profile["region"]) ?? "us-east-1"

    let (credentials, source) = try findCredentials(
      environment: environment, profileName: profileName, profile: profile,
      file: fromCredentials?["aws_access_key_id"] != nil ? credentialsFile : configFile)

    let custom =
      nonEmpty(endpoint) ?? environmentEndpoint(environment)
      ?? nonEmpty(profile["s3.endpoint_url"]) ?? nonEmpty(profile["endpoint_url"])
    let endpointURL =
      try custom.map(parseEndpoint) ?? URL(string: "https://s3.\(region).amazonaws.com")!

    let style: Addressing
    if let addressing {
      style = addressing
    } else if let configured = profile["s3.addressing_style"], configured != "auto" {
      guard configured == "path" || configured == "virtual" else {
        throw S3ConfigurationError.badSetting(
          name: "s3.addressing_style", value: configured, file: configFile,
          expected: "path, virtual or auto")
      }
      style = configured == "path" ? .path : .virtualHosted
    } else if custom == nil, isDNSCompatible(bucket) {
      style = .virtualHosted
    } else {
      style = .path
    }
    var configuration = S3Configuration(
      bucket: bucket, prefix: prefix, endpoint: endpointURL, region: region,
      credentials: credentials, credentialSource: source, addressing: style)
    // Only an https endpoint has a certificate to check.
    let secure = endpointURL.scheme?.lowercased() == "https"
    if secure, let bundle = nonEmpty(environment["AWS_CA_BUNDLE"]) {
      configuration.caBundle = try readableCABundle(bundle, from: "AWS_CA_BUNDLE")
    } else if secure, let bundle = nonEmpty(profile["ca_bundle"]) {
      configuration.caBundle = try readableCABundle(bundle, from: "ca_bundle in \(configFile)")
    }
    return configuration
  }

  /// `path`, when it is a file this process can read; the error names `from`, where the path
  /// was set.
  static func readableCABundle(_ path: String, from: String) throws -> String {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      !isDirectory.boolValue, FileManager.default.isReadableFile(atPath: path)
    else {
      throw S3ConfigurationError.unreadableCABundle(path: path, from: from)
    }
    return path
  }

  /// The bucket and prefix of `s3://bucket/prefix`.
  static func parse(_ url: String) throws -> (bucket: String, prefix: String) {
    guard url.hasPrefix("s3://") else { throw RemoteError.unsupportedURL(url) }
    let rest = url.dropFirst("s3://".count)
    let bucket = String(rest.prefix { $0 != "/" })
    guard isValidBucket(bucket) else {
      throw S3ConfigurationError.badBucket(url: url, bucket: bucket)
    }
    let path = rest.dropFirst(bucket.count).drop { $0 == "/" }
    var trimmed = Substring(path)
    while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
    let segments = trimmed.split(separator: "/", omittingEmptySubsequences: false)
    guard trimmed.isEmpty || segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
    else {
      throw S3ConfigurationError.badPrefix(url: url)
    }
    return (bucket, trimmed.isEmpty ? "" : trimmed + "/")
  }

  /// S3's bucket naming rules: 3 to 63 of `a-z 0-9 . -`, starting and ending with a letter or
  /// digit. (Old buckets outside us-east-1 may hold upper case and `_`; we take those too.)
  static func isValidBucket(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (3...255).contains(bytes.count) else { return false }
    let isAlphanumeric = { (b: UInt8) in
      (0x61...0x7a).contains(b) || (0x30...0x39).contains(b) || (0x41...0x5a).contains(b)
    }
    return bytes.allSatisfy { isAlphanumeric($0) || $0 == 0x2e || $0 == 0x2d || $0 == 0x5f }
      && isAlphanumeric(bytes.first!) && isAlphanumeric(bytes.last!)
  }

  /// Whether `bucket` can be a host name label under TLS (no dots, no upper case, at most 63).
  static func isDNSCompatible(_ bucket: String) -> Bool {
    bucket.utf8.count <= 63
      && bucket.utf8.allSatisfy {
        (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2d
      }
  }

  static func parseEndpoint(_ text: String) throws -> URL {
    guard let components = URLComponents(string: text),
      let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
      let host = components.host, !host.isEmpty, components.query == nil,
      components.fragment == nil, components.user == nil
    else {
      throw S3ConfigurationError.badEndpoint(text)
    }
    var clean = URLComponents()
    clean.scheme = scheme
    clean.host = host
    if let port = components.port, port != (scheme == "https" ? 443 : 80) { clean.port = port }
    var path = components.percentEncodedPath
    while path.hasSuffix("/") { path.removeLast() }
    clean.percentEncodedPath = path
    guard let url = clean.url else { throw S3ConfigurationError.badEndpoint(text) }
    return url
  }

  private static func findCredentials(
    environment: [String: String], profileName: String, profile: [String: String],
    file: String
  ) throws -> (AWSCredentials?, CredentialSource) {
    let key = nonEmpty(environment["AWS_ACCESS_KEY_ID"])
    let secret = nonEmpty(environment["AWS_SECRET_ACCESS_KEY"])
    switch (key, secret) {
    case (let key?, let secret?):
      let credentials = AWSCredentials(
        accessKeyID: key, secretAccessKey: secret,
        sessionToken: nonEmpty(environment["AWS_SESSION_TOKEN"]))
      return (credentials, .environment)
    case (.some, nil):
      throw S3ConfigurationError.halfACredential(
        set: "AWS_ACCESS_KEY_ID", missing: "AWS_SECRET_ACCESS_KEY")
    case (nil, .some):
      throw S3ConfigurationError.halfACredential(
        set: "AWS_SECRET_ACCESS_KEY", missing: "AWS_ACCESS_KEY_ID")
    case (nil, nil):
      break
    }
    if let key = nonEmpty(profile["aws_access_key_id"]) {
      guard let secret = nonEmpty(profile["aws_secret_access_key"]) else {
        throw S3ConfigurationError.badProfile(
          name: profileName, file: file,
          problem: "has aws_access_key_id but no aws_secret_access_key")
      }
      let credentials = AWSCredentials(
        accessKeyID: key, secretAccessKey: secret,
        sessionToken: nonEmpty(profile["aws_session_token"]))
      return (credentials, .profile(name: profileName, file: file))
    }
    if let other = [
      "credential_process", "role_arn", "sso_session", "sso_start_url", "web_identity_token_file",
    ]
    .first(where: { profile[$0] != nil }) {
      throw S3ConfigurationError.badProfile(
        name: profileName, file: file,
        problem: "gets its keys through \(other), which openledger does not run; export them "
          + "with `aws configure export-credentials --profile \(profileName) --format env`")
    }
    if environment["AWS_PROFILE"] != nil && profile.isEmpty {
      throw S3ConfigurationError.badProfile(
        name: profileName, file: file, problem: "is in neither ~/.aws/credentials nor ~/.aws/config"
      )
    }
    return (nil, .none(profile: profileName))
  }

  private static func nonEmpty(_ value: String?) -> String? {
    guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
      return nil
    }
    return value
  }
}

/// An S3 remote's settings that cannot work.
public enum S3ConfigurationError: OpenLedgerError, Equatable {
  case badBucket(url: String, bucket: String)
  case badPrefix(url: String)
  case badEndpoint(String)
  case halfACredential(set: String, missing: String)
  case badProfile(name: String, file: String, problem: String)
  case badSetting(name: String, value: String, file: String, expected: String)
  /// The file of certificate authorities named by `from` is not a readable file.
  case unreadableCABundle(path: String, from: String)

  public var kind: FailureKind {
    switch self {
    case .unreadableCABundle: .notFound
    default: .usage
    }
  }

  public var description: String {
    switch self {
    case .badBucket(let url, let bucket):
      "'\(bucket)' in \(url) is not an S3 bucket name (3 to 63 of a-z, 0-9, '.' and '-', "
        + "starting and ending with a letter or digit); write s3://bucket/prefix"
    case .badPrefix(let url):
      "the prefix of \(url) has an empty, '.' or '..' segment; write s3://bucket/some/prefix"
    case .badEndpoint(let text):
      "endpoint '\(text)' is not an http:// or https:// URL with a host (such as "
        + "http://127.0.0.1:9000 or https://ACCOUNT.r2.cloudflarestorage.com); check --endpoint, "
        + "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL and the profile's endpoint_url"
    case .halfACredential(let set, let missing):
      "\(set) is set but \(missing) is not; set both, or neither to use ~/.aws/credentials"
    case .badProfile(let name, let file, let problem):
      "AWS profile '\(name)' (\(file)) \(problem)"
    case .badSetting(let name, let value, let file, let expected):
      "\(name) = \(value) in \(file) is not one of \(expected)"
    case .unreadableCABundle(let path, let from):
      "the certificate authorities file \(path) (from \(from)) is not a file openledger can "
        + "read; point it at a PEM file of CA certificates, or unset it to trust the system's"
    }
  }
}

/// An AWS shared credentials or config file: INI sections of `key = value`, where a key with an
/// empty value opens indented sub-settings (`s3 =` / `  addressing_style = path`), read here as
/// `s3.addressing_style`.
struct AWSSharedFile {
  var sections: [String: [String: String]]

  func section(_ name: String) -> [String: String]? { sections[name] }

  /// The file at `path`, or nil when there is none.
  static func read(_ path: String) throws -> AWSSharedFile? {
    guard FileSystem.exists(path) else { return nil }
    let data = try FileSystem.read(path)
    return parse(String(decoding: data, as: UTF8.self))
  }

  static func parse(_ text: String) -> AWSSharedFile {
    var sections = [String: [String: String]]()
    var current: String?
    var parent: String?
    for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
      let indented = rawLine.first == " " || rawLine.first == "\t"
      let line = rawLine.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
      if line.hasPrefix("[") && line.hasSuffix("]") {
        let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        current = name
        parent = nil
        sections[name, default: [:]] = sections[name] ?? [:]
        continue
      }
      guard let section = current, let equals = line.firstIndex(of: "=") else { continue }
      let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
      let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
      if indented, let parent {
        sections[section]?["\(parent).\(key)"] = value
      } else if value.isEmpty {
        parent = key
      } else {
        parent = nil
        sections[section]?[key] = value
      }
    }
    return AWSSharedFile(sections: sections)
  }
}
