import Crypto
import Foundation

/// An AWS access key: what Signature Version 4 signs with.
public struct AWSCredentials: Sendable, Equatable {
  public var accessKeyID: String
  public var secretAccessKey: String
  /// The token of temporary credentials (STS), sent as `x-amz-security-token`.
  public var sessionToken: String?

  public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
    self.accessKeyID = accessKeyID
    self.secretAccessKey = secretAccessKey
    self.sessionToken = sessionToken
  }
}

/// A request as AWS Signature Version 4 sees it: the parts that are signed.
struct SigV4Request {
  var method: String
  /// The path as the server decodes it (`/bucket/a b`): the signer percent-encodes it, and the
  /// request must go out with `SigV4.encodePath(path)` so that both agree.
  var path: String
  /// Query parameters, not percent-encoded, in any order.
  var query: [(name: String, value: String)] = []
  /// The headers to sign, names in any case; a name may repeat.
  var headers: [(name: String, value: String)] = []
  /// The hex SHA-256 of the body, or `SigV4.unsignedPayload`.
  var payloadHash: String = SigV4.emptyPayloadHash

  /// The last value of header `name` (any case).
  func header(_ name: String) -> String? {
    headers.last { $0.name.lowercased() == name.lowercased() }?.value
  }

  mutating func setHeader(_ name: String, _ value: String) {
    headers.removeAll { $0.name.lowercased() == name.lowercased() }
    headers.append((name, value))
  }
}

/// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html):
/// a canonical form of the request, hashed into a string to sign, signed with a key derived
/// from the secret, the day, the region and the service.
struct SigV4: Sendable {
  static let algorithm = "AWS4-HMAC-SHA256"
  /// What S3 takes in `x-amz-content-sha256` for a body that is not hashed.
  static let unsignedPayload = "UNSIGNED-PAYLOAD"
  /// The SHA-256 of no bytes.
  static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

  let credentials: AWSCredentials
  let region: String
  let service: String
  /// Whether `.` and `..` segments and repeated slashes are resolved before signing: every
  /// service but S3, whose keys may hold them literally.
  let normalizesPath: Bool

  init(credentials: AWSCredentials, region: String, service: String) {
    self.credentials = credentials
    self.region = region
    self.service = service
    self.normalizesPath = service != "s3"
  }

  /// Adds `x-amz-date` (and `x-amz-security-token` for temporary credentials) to `request`
  /// and returns the value of its `Authorization` header.
  func sign(_ request: inout SigV4Request, at time: Date) -> String {
    request.setHeader("x-amz-date", Self.amzDate(time))
    if let token = credentials.sessionToken, request.header("x-amz-security-token") == nil {
      request.headers.append(("x-amz-security-token", token))
    }
    let (canonical, signedHeaders) = canonicalRequest(request)
    let signature = signature(of: stringToSign(canonicalRequest: canonical, at: time), at: time)
    return "\(Self.algorithm) Credential=\(credentials.accessKeyID)/\(scope(at: time)), "
      + "SignedHeaders=\(signedHeaders), Signature=\(signature)"
  }

  /// The canonical request and the list of signed header names.
  func canonicalRequest(_ request: SigV4Request) -> (text: String, signedHeaders: String) {
    let path = normalizesPath ? Self.normalize(request.path) : request.path
    let query = request.query
      .map { (Self.encode($0.name, keepSlash: false), Self.encode($0.value, keepSlash: false)) }
      .sorted { $0.0 != $1.0 ? $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) : $0.1 < $1.1 }
      .map { "\($0.0)=\($0.1)" }
      .joined(separator: "&")
    // Repeated headers join with commas in the order given; names sort bytewise.
    var values = [String: [String]]()
    for (name, value) in request.headers {
      values[name.lowercased(), default: []].append(Self.trimHeaderValue(value))
    }
    let names = values.keys.sorted()
    let headers = names.map { "\($0):\(values[$0]!.joined(separator: ","))\n" }.joined()
    let signedHeaders = names.joined(separator: ";")
    let text = [
      request.method, Self.encodePath(path), query, headers, signedHeaders, request.payloadHash,
    ].joined(separator: "\n")
    return (text, signedHeaders)
  }

  func stringToSign(canonicalRequest: String, at time: Date) -> String {
    let hash = Hex.encode(SHA256.hash(data: Data(canonicalRequest.utf8)))
    return [Self.algorithm, Self.amzDate(time), scope(at: time), hash].joined(separator: "\n")
  }

  func signature(of stringToSign: String, at time: Date) -> String {
    var key = SymmetricKey(data: Data("AWS4\(credentials.secretAccessKey)".utf8))
    for part in [String(Self.amzDate(time).prefix(8)), region, service, "aws4_request"] {
      key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key))
    }
    return Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: key))
  }

  func scope(at time: Date) -> String {
    "\(Self.amzDate(time).prefix(8))/\(region)/\(service)/aws4_request"
  }

  /// `20150830T123600Z`: the basic ISO 8601 form SigV4 uses, in UTC.
  static func amzDate(_ time: Date) -> String {
    // Timestamp gives 2015-08-30T12:36:00.000Z.
    let extended = Timestamp.format(time)
    return String(extended.prefix(19).filter { $0 != "-" && $0 != ":" }) + "Z"
  }

  /// The hex SHA-256 of `data`, for `x-amz-content-sha256`.
  static func payloadHash(_ data: some DataProtocol) -> String {
    Hex.encode(SHA256.hash(data: data))
  }

  /// `path` percent-encoded as SigV4 and S3 want it: every byte but `A-Z a-z 0-9 - _ . ~` and
  /// the slashes between segments.
  static func encodePath(_ path: String) -> String {
    encode(path, keepSlash: true)
  }

  /// `text` percent-encoded (RFC 3986 unreserved characters kept, hex digits in upper case).
  static func encode(_ text: String, keepSlash: Bool) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out = [UInt8]()
    out.reserveCapacity(text.utf8.count)
    for byte in text.utf8 {
      switch byte {
      case 0x41...0x5a, 0x61...0x7a, 0x30...0x39, 0x2d, 0x2e, 0x5f, 0x7e: out.append(byte)
      case 0x2f where keepSlash: out.append(byte)
      default: out += [0x25, hex[Int(byte >> 4)], hex[Int(byte & 0x0f)]]
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// `path` with `.` and `..` segments resolved and empty segments dropped; a trailing slash
  /// stays.
  static func normalize(_ path: String) -> String {
    var segments = [Substring]()
    for segment in path.split(separator: "/") {
      switch segment {
      case ".": continue
      case "..": _ = segments.popLast()
      default: segments.append(segment)
      }
    }
    let joined = "/" + segments.joined(separator: "/")
    return path.hasSuffix("/") && !segments.isEmpty ? joined + "/" : joined
  }

  /// A header value with its ends trimmed and each run of spaces inside made one space.
  static func trimHeaderValue(_ value: String) -> String {
    value.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
  }
}
