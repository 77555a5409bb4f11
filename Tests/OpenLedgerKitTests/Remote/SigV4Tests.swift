import Foundation
import Testing

@testable import OpenLedgerKit

/// AWS Signature Version 4 against AWS's published vectors: the SigV4 test suite
/// (Inputs/sigv4, Apache-2.0, see its NOTICE) and the worked S3 examples of the S3 API reference.
@Suite struct SigV4Tests {
  /// The cases of AWS's suite, each a raw request (`.req`) with the canonical request
  /// (`.creq`), string to sign (`.sts`) and Authorization header (`.authz`) it must give.
  static let suiteCases = [
    "get-header-key-duplicate", "get-header-value-multiline", "get-header-value-order",
    "get-header-value-trim", "get-unreserved", "get-utf8", "get-vanilla",
    "get-vanilla-empty-query-key", "get-vanilla-query", "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key", "get-vanilla-query-order-key-case",
    "get-vanilla-query-order-value", "get-vanilla-query-unreserved", "get-vanilla-utf8-query",
    "get-vanilla-with-session-token", "post-header-key-case", "post-header-key-sort",
    "post-header-value-case", "post-sts-header-after", "post-sts-header-before", "post-vanilla",
    "post-vanilla-empty-query-value", "post-vanilla-query", "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
    // normalize-path/: dot segments and repeated slashes resolved, spaces and `$` encoded.
    "get-relative", "get-relative-relative", "get-slash", "get-slash-dot-slash",
    "get-slash-pointless-dot", "get-slashes", "get-space", "get-special-character",
  ]

  @Test(arguments: suiteCases)
  func awsTestSuite(_ name: String) throws {
    let raw = try RawRequest(contentsOf: input("sigv4/\(name).req"))
    // The suite's one session token, which `get-vanilla-with-session-token` expects signed.
    let token =
      name == "get-vanilla-with-session-token"
      ? "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267" : nil
    let signer = SigV4(
      credentials: AWSCredentials(
        accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        sessionToken: token),
      region: "us-east-1", service: "service")
    var request = raw.request
    let time = try #require(raw.time)
    let authorization = signer.sign(&request, at: time)
    let canonical = signer.canonicalRequest(request).text
    #expect(canonical == (try fixture("\(name).creq")))
    let stringToSign = signer.stringToSign(canonicalRequest: canonical, at: time)
    #expect(stringToSign == (try fixture("\(name).sts")))
    #expect(authorization == (try fixture("\(name).authz")))
  }

  /// The worked examples of "Signature Calculations for the Authorization Header: Transferring
  /// Payload in a Single Chunk" (S3 API reference): S3 signs `x-amz-content-sha256` and does
  /// not normalize paths.
  @Test func s3DocumentationExamples() throws {
    let signer = SigV4(
      credentials: AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
      region: "us-east-1", service: "s3")
    let time = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    let host = ("host", "examplebucket.s3.amazonaws.com")
    let empty = SigV4.emptyPayloadHash

    // GET Object, first ten bytes.
    var get = SigV4Request(
      method: "GET", path: "/test.txt",
      headers: [host, ("range", "bytes=0-9"), ("x-amz-content-sha256", empty)], payloadHash: empty)
    #expect(
      signer.sign(&get, at: time)
        == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    #expect(
      signer.stringToSign(canonicalRequest: signer.canonicalRequest(get).text, at: time)
        .hasSuffix("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))

    // PUT Object: a `$` in the key, a signed payload, a Date header.
    let body = Data("Welcome to Amazon S3.".utf8)
    let bodyHash = SigV4.payloadHash(body)
    #expect(bodyHash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
    var put = SigV4Request(
      method: "PUT", path: "/test$file.text",
      headers: [
        host, ("Date", "Fri, 24 May 2013 00:00:00 GMT"),
        ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", bodyHash),
      ], payloadHash: bodyHash)
    #expect(SigV4.encodePath(put.path) == "/test%24file.text")
    #expect(
      signer.sign(&put, at: time).hasSuffix(
        "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, "
          + "Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"))

    // GET Bucket lifecycle: a query parameter without a value.
    var lifecycle = SigV4Request(
      method: "GET", path: "/", query: [("lifecycle", "")],
      headers: [host, ("x-amz-content-sha256", empty)], payloadHash: empty)
    #expect(
      signer.sign(&lifecycle, at: time).hasSuffix(
        "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"))

    // GET Bucket (list objects): parameters sorted by name.
    var listing = SigV4Request(
      method: "GET", path: "/", query: [("prefix", "J"), ("max-keys", "2")],
      headers: [host, ("x-amz-content-sha256", empty)], payloadHash: empty)
    #expect(
      signer.canonicalRequest(listing).text.split(separator: "\n")[2] == "max-keys=2&prefix=J")
    #expect(
      signer.sign(&listing, at: time).hasSuffix(
        "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"))
  }

  /// S3's other payload rule: a body that is not hashed is signed as the literal
  /// `UNSIGNED-PAYLOAD`, which `x-amz-content-sha256` carries too. Expected values computed with
  /// botocore 1.43.11's S3SigV4Auth for the same request (a create-only PUT).
  @Test func unsignedPayload() {
    let signer = SigV4(
      credentials: AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
      region: "us-east-1", service: "s3")
    var put = SigV4Request(
      method: "PUT", path: "/test$file.text",
      headers: [
        ("Host", "examplebucket.s3.amazonaws.com"), ("If-None-Match", "*"),
        ("x-amz-content-sha256", SigV4.unsignedPayload),
      ], payloadHash: SigV4.unsignedPayload)
    let time = Date(timeIntervalSince1970: 1_369_353_600)
    let authorization = signer.sign(&put, at: time)
    let canonical = signer.canonicalRequest(put).text
    #expect(canonical.hasSuffix("\nUNSIGNED-PAYLOAD"))
    #expect(canonical.contains("\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"))
    #expect(
      signer.stringToSign(canonicalRequest: canonical, at: time).hasSuffix(
        "d734d265edff9732d93d29f27cf1e0b897d6cdde19ba95397c272f172058a5af"))
    #expect(
      authorization.hasSuffix(
        "SignedHeaders=host;if-none-match;x-amz-content-sha256;x-amz-date, "
          + "Signature=f57d910ecc4087359da7d54dc2cc5ff7e9a56f329ce5862f40c80f9a6564f68f"))
  }

  /// S3 keys are signed as they are: `//` and `..` are parts of a key, not a path to resolve.
  @Test func s3PathsAreNotNormalized() {
    let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")
    let request = SigV4Request(method: "GET", path: "/bucket/a//b/../c d")
    let s3 = SigV4(credentials: credentials, region: "us-east-1", service: "s3")
    let other = SigV4(credentials: credentials, region: "us-east-1", service: "service")
    #expect(s3.canonicalRequest(request).text.split(separator: "\n")[1] == "/bucket/a//b/../c%20d")
    #expect(other.canonicalRequest(request).text.split(separator: "\n")[1] == "/bucket/a/c%20d")
  }

  @Test func amzDateIsBasicISO8601InUTC() {
    #expect(SigV4.amzDate(Date(timeIntervalSince1970: 1_440_938_160)) == "20150830T123600Z")
    #expect(SigV4.amzDate(Date(timeIntervalSince1970: 1_369_353_600.999)) == "20130524T000000Z")
  }

  private func fixture(_ name: String) throws -> String {
    try String(contentsOfFile: input("sigv4/\(name)"), encoding: .utf8)
  }
}

/// A request of AWS's test suite, in the raw HTTP form its `.req` files hold: a request line,
/// header lines (a line that starts with a space continues the previous one: HTTP's obsolete line
/// folding), an empty line and the body.
private struct RawRequest {
  var request: SigV4Request
  var time: Date?

  init(contentsOf path: String) throws {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let (head, body) =
      text.range(of: "\n\n").map {
        (String(text[..<$0.lowerBound]), String(text[$0.upperBound...]))
      }
      ?? (text, "")
    var lines = head.split(separator: "\n", omittingEmptySubsequences: false)
    let requestLine = lines.removeFirst()
    let method = String(requestLine.prefix { $0 != " " })
    let target = requestLine.dropFirst(method.count + 1)
      .prefix(upTo: requestLine.range(of: " HTTP/", options: .backwards)!.lowerBound)
    let (path, query) =
      target.firstIndex(of: "?").map { (target[..<$0], target[target.index(after: $0)...]) }
      ?? (target, "")
    var headers = [(name: String, value: String)]()
    for line in lines where !line.isEmpty {
      if line.first == " ", !headers.isEmpty {
        headers[headers.count - 1].value += " " + line
      } else if let colon = line.firstIndex(of: ":") {
        headers.append((String(line[..<colon]), String(line[line.index(after: colon)...])))
      }
    }
    let parameters = query.split(separator: "&").map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      return (
        name: String(parts[0]).removingPercentEncoding!,
        value: parts.count > 1 ? String(parts[1]).removingPercentEncoding! : ""
      )
    }
    request = SigV4Request(
      method: method, path: String(path), query: parameters, headers: headers,
      payloadHash: SigV4.payloadHash(Data(body.utf8)))
    time = request.header("x-amz-date").flatMap { stamp in
      Timestamp.parse(
        "\(stamp.prefix(4))-\(stamp.dropFirst(4).prefix(2))-\(stamp.dropFirst(6).prefix(2))T"
          + "\(stamp.dropFirst(9).prefix(2)):\(stamp.dropFirst(11).prefix(2)):"
          + "\(stamp.dropFirst(13).prefix(2))Z")
    }
  }
}
