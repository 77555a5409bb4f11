import Foundation
import Testing

@testable import OpenLedgerKit

/// The S3 transport against a scripted server, for what moto does not do on demand: failing,
/// answering garbage, ignoring conditional writes.
@Suite struct S3FaultTests {
  private static let quickRetries = RetryPolicy(attempts: 3, baseDelay: 0.01, maximumDelay: 0.02)

  private func remote(port: Int, _ change: (inout S3Configuration) -> Void = { _ in })
    -> S3Transport
  {
    var configuration = S3Configuration(
      bucket: "bucket", prefix: "remote/", endpoint: URL(string: "http://127.0.0.1:\(port)")!,
      region: "us-east-1",
      credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret"))
    configuration.retry = Self.quickRetries
    change(&configuration)
    return S3Transport(configuration: configuration)
  }

  private static func error(_ code: String) -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>\(code)</Code>"
      + "<Message>scripted</Message></Error>"
  }

  @Test func serverErrorsAndThrottlingAreRetried() throws {
    let answers = Locked([
      ScriptedServer.Response(500), .init(503, body: Self.error("SlowDown")),
      .init(200, body: "hello"),
    ])
    let server = try ScriptedServer { _ in answers.withLock { $0.removeFirst() } }
    defer { server.stop() }
    #expect(try remote(port: server.port).get("objects/a") == Data("hello".utf8))
    #expect(server.requests.count == 3)
    #expect(server.requests.allSatisfy { $0.target == "/bucket/remote/objects/a" })
    // Each try is signed afresh.
    #expect(
      server.requests.allSatisfy {
        $0.headers["authorization"]?.hasPrefix("AWS4-HMAC-SHA256 ") == true
      })
  }

  @Test func anAnswerCutShortIsRetried() throws {
    let tries = Locked(0)
    let server = try ScriptedServer { _ in
      let attempt = tries.withLock { value in
        value += 1
        return value
      }
      // The first answer promises ten bytes and sends five.
      return attempt == 1
        ? .init(200, headers: ["Content-Length": "10"], body: "hello")
        : .init(200, body: "helloworld")
    }
    defer { server.stop() }
    #expect(try remote(port: server.port).get("objects/a") == Data("helloworld".utf8))
    #expect(tries.withLock { $0 } == 2)
  }

  @Test func aServerThatKeepsFailingIsUnreachableAfterTheRetries() throws {
    let server = try ScriptedServer { _ in .init(503, body: Self.error("SlowDown")) }
    defer { server.stop() }
    let transport = remote(port: server.port)
    let error = #expect(throws: RemoteError.self) { try transport.has("objects/a") }
    #expect(server.requests.count == 3, "\(String(describing: error))")
    #expect(error?.kind.exitStatus == 74)
    #expect(
      error?.description.contains("http://127.0.0.1:\(server.port)/bucket/remote/objects/a") == true
    )
    #expect(error?.description.contains("(3 tries)") == true, "\(String(describing: error))")
  }

  @Test func aClosedPortIsUnreachableNamingTheURL() throws {
    let port = try closedPort()
    let start = Date()
    let error = #expect(throws: RemoteError.self) { try remote(port: port).list(prefix: "refs/") }
    guard case .unreachable(let location, let detail)? = error else {
      Issue.record("\(String(describing: error))")
      return
    }
    #expect(location == "s3://bucket/remote")
    #expect(
      detail.contains("http://127.0.0.1:\(port)/bucket?list-type=2&prefix=remote%2Frefs%2F"),
      "\(detail)")
    #expect(error?.description.contains("--endpoint or AWS_ENDPOINT_URL") == true)
    #expect(Date().timeIntervalSince(start) < 10)
  }

  /// An object longer than a pull expects is refused once its Content-Length says so (or, with
  /// none, once the body passes the limit), and not tried again; an error's body is not cut.
  @Test func anObjectLongerThanExpectedIsCorrupt() throws {
    let server = try ScriptedServer { request in
      switch request.target {
      case "/bucket/remote/objects/chunked":
        .init(
          200, headers: ["Transfer-Encoding": "chunked"],
          body: "5\r\nhello\r\n5\r\nworld\r\n0\r\n\r\n")
      case "/bucket/remote/objects/gone":
        .init(404, body: Self.error("NoSuchKey"))
      default:
        .init(200, body: "helloworld")
      }
    }
    defer { server.stop() }
    let transport = remote(port: server.port)
    #expect(try transport.get("objects/a", limit: 10) == Data("helloworld".utf8))
    for key in ["objects/a", "objects/chunked"] {
      let error = #expect(throws: RemoteError.self) { try transport.get(key, limit: 4) }
      guard case .corrupt(_, let named, let reason)? = error else {
        Issue.record("\(String(describing: error))")
        continue
      }
      #expect(named == key)
      #expect(reason.contains("longer than the 4 bytes expected"), "\(reason)")
      #expect(error?.kind.exitStatus == 1)
    }
    #expect(throws: RemoteError.self) { try transport.get("objects/gone", limit: 4) }
    let gone = try? transport.get("objects/gone", limit: 4)
    #expect(gone == nil)
    // One request each: a refusal is not retried.
    #expect(server.requests.filter { $0.target.hasSuffix("/objects/a") }.count == 2)
  }

  /// A listing page longer than any S3 sends is refused at its Content-Length, not retried.
  @Test func aListingPageTooLongIsCorrupt() throws {
    let server = try ScriptedServer { _ in
      .init(200, headers: ["Content-Length": String(RemoteLayout.largestListingPage + 1)])
    }
    defer { server.stop() }
    let error = #expect(throws: RemoteError.self) {
      try remote(port: server.port).list(prefix: "heads/")
    }
    expectCorrupt(
      error, named: "listing of 'heads/'",
      saying: "longer than the \(RemoteLayout.largestListingPage) bytes")
    #expect(server.requests.count == 1)
  }

  @Test func malformedListingsAreCorrupt() throws {
    let page = Locked("")
    let server = try ScriptedServer { _ in .init(200, body: page.withLock { $0 }) }
    defer { server.stop() }
    let transport = remote(port: server.port)
    let result = "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    for (body, reason) in [
      ("<html><body>not S3</body></html>", "root element is <html>"),
      ("<ListBucketResult><Contents><Key>remote/a", "not well-formed XML"),
      (
        result + "<Contents><Key>remote/a</Key><Size>x</Size></Contents></ListBucketResult>",
        "no size"
      ),
      (
        result + "<Contents><Key>elsewhere/a</Key><Size>1</Size></Contents></ListBucketResult>",
        "outside the prefix"
      ),
      (result + "<IsTruncated>true</IsTruncated></ListBucketResult>", "no continuation token"),
      (
        result + "<IsTruncated>true</IsTruncated><NextContinuationToken>t</NextContinuationToken>"
          + "</ListBucketResult>", "repeats a continuation token"
      ),
    ] {
      page.withLock { $0 = body }
      let error = #expect(throws: RemoteError.self) { try transport.list(prefix: "") }
      guard case .corrupt(_, _, let why)? = error else {
        Issue.record("\(String(describing: error)) for \(body)")
        continue
      }
      #expect(why.contains(reason), "\(why)")
      #expect(error?.kind.exitStatus == 1)
    }
  }

  /// Storage that ignores `If-None-Match: *` would let a write replace another's: the first
  /// write finds out and refuses, unless the configuration accepts the risk.
  @Test func storageThatIgnoresConditionalWritesIsRefused() throws {
    let stored = Locked([String: Data]())
    let server = try ScriptedServer { request in
      let path = String(request.target.prefix { $0 != "?" })
      switch request.method {
      case "PUT":
        stored.withLock { $0[path] = request.body }
        return .init(200)
      case "HEAD", "GET":
        guard let body = stored.withLock({ $0[path] }) else { return .init(404) }
        return .init(200, data: body)
      default:
        return .init(405)
      }
    }
    defer { server.stop() }
    let error = #expect(throws: RemoteError.self) {
      try remote(port: server.port).put("refs/a", data: Data("a".utf8))
    }
    #expect(error?.description.contains("If-None-Match") == true, "\(String(describing: error))")
    #expect(stored.withLock { $0["/bucket/remote/refs/a"] } == nil)

    let trusting = remote(port: server.port) { $0.requireConditionalWrites = false }
    #expect(try trusting.put("refs/a", data: Data("a".utf8)) == .created)
    #expect(try trusting.put("refs/a", data: Data("b".utf8)) == .existed)
    #expect(stored.withLock { $0["/bucket/remote/refs/a"] } == Data("a".utf8))
  }

  /// A server for multipart uploads: the conditional-write check passes, no object exists yet,
  /// an upload starts as `upload-1`; parts and completion are answered by `rest`.
  private static func multipartServer(
    _ rest: @escaping @Sendable (ScriptedServer.Request) -> ScriptedServer.Response
  ) throws -> ScriptedServer {
    try ScriptedServer { request in
      switch (request.method, request.target) {
      case ("PUT", let target) where target.hasSuffix(S3Transport.conditionalWriteCheckKey):
        .init(412)
      case ("HEAD", _):
        .init(404)
      case ("POST", let target) where target.hasSuffix("?uploads="):
        .init(
          200,
          body: "<InitiateMultipartUploadResult><UploadId>upload-1</UploadId>"
            + "</InitiateMultipartUploadResult>")
      default:
        rest(request)
      }
    }
  }

  /// A multipart upload that fails is aborted, so that its parts do not stay in the bucket.
  @Test func aFailedMultipartUploadIsAborted() throws {
    let server = try Self.multipartServer { request in
      switch (request.method, request.target) {
      case ("PUT", let target) where target.contains("partNumber=2"):
        .init(400, body: Self.error("InvalidArgument"))
      case ("PUT", _):
        .init(200, headers: ["ETag": "\"part\""])
      default:
        .init(204)
      }
    }
    defer { server.stop() }
    let transport = remote(port: server.port) {
      $0.multipartThreshold = 10
      $0.partSize = 8
      $0.partConcurrency = 1
    }
    #expect(throws: RemoteError.self) { try transport.put("objects/a", data: Data(count: 30)) }
    let requests = server.requests.map { "\($0.method) \($0.target)" }
    #expect(requests.contains("DELETE /bucket/remote/objects/a?uploadId=upload-1"), "\(requests)")
    #expect(!requests.contains { $0.hasPrefix("POST /bucket/remote/objects/a?uploadId=") })
  }

  /// CompleteMultipartUpload may answer 200 with an error inside: that is a failure, retried.
  @Test func anErrorInsideASuccessfulCompletionIsRetried() throws {
    let completions = Locked(0)
    let server = try Self.multipartServer { request in
      guard request.method == "POST" else { return .init(200, headers: ["ETag": "\"part\""]) }
      let first = completions.withLock { value in
        value += 1
        return value == 1
      }
      return .init(
        200, body: first ? Self.error("InternalError") : "<CompleteMultipartUploadResult/>")
    }
    defer { server.stop() }
    let transport = remote(port: server.port) {
      $0.multipartThreshold = 10
      $0.partSize = 8
    }
    // A slice of a larger buffer, whose indices do not start at 0.
    let bytes = Data((0..<30).map { UInt8($0) })[10...]
    #expect(try transport.put("objects/a", data: bytes) == .created)
    #expect(completions.withLock { $0 } == 2)
    let parts = server.requests.filter { $0.method == "PUT" && $0.target.contains("partNumber=") }
      .sorted { $0.target < $1.target }
    #expect(parts.reduce(Data()) { $0 + $1.body } == Data(bytes))
    let completion = try #require(server.requests.last { $0.method == "POST" })
    let body = String(decoding: completion.body, as: UTF8.self)
    #expect(body.contains("<Part><PartNumber>3</PartNumber><ETag>\"part\"</ETag></Part>"))
    #expect(completion.headers["if-none-match"] == "*")
  }

  @Test func aBucketInAnotherRegionSaysWhichRegion() throws {
    let server = try ScriptedServer { _ in
      .init(
        400,
        body: "<Error><Code>AuthorizationHeaderMalformed</Code><Message>wrong region</Message>"
          + "<Region>eu-west-1</Region></Error>")
    }
    defer { server.stop() }
    let error = #expect(throws: RemoteError.self) { try remote(port: server.port).get("objects/a") }
    #expect(error?.description.contains("set AWS_REGION=eu-west-1") == true)

    // A redirect is not followed (the signature is for this host), but read for the region.
    let elsewhere = try closedPort()
    let redirecting = try ScriptedServer { _ in
      .init(
        301,
        headers: [
          "Location": "http://127.0.0.1:\(elsewhere)/bucket/remote/objects/a",
          "x-amz-bucket-region": "ap-south-1",
        ], body: Self.error("PermanentRedirect"))
    }
    defer { redirecting.stop() }
    let redirected = #expect(throws: RemoteError.self) {
      try remote(port: redirecting.port).get("objects/a")
    }
    #expect(redirected?.description.contains("set AWS_REGION=ap-south-1") == true)
    #expect(redirecting.requests.count == 1)
  }

  /// A remote without credentials sends unsigned requests (a public bucket); when refused, the
  /// message says where credentials are looked for.
  @Test func anonymousRequestsAreUnsigned() throws {
    let server = try ScriptedServer { _ in .init(403, body: Self.error("AccessDenied")) }
    defer { server.stop() }
    let anonymous = remote(port: server.port) {
      $0.credentials = nil
      $0.credentialSource = .none(profile: "default")
    }
    let error = #expect(throws: RemoteError.self) { try anonymous.get("objects/a") }
    #expect(server.requests.first?.headers["authorization"] == nil)
    #expect(
      error?.description.contains("no credentials were found") == true,
      "\(String(describing: error))")
  }

  /// A refusal names the permission the refused request needs, not a list of all of them: a
  /// write refused needs s3:PutObject, which is what a push asks for (s3:DeleteObject only
  /// when it consolidates head files, and for `gc --remote`).
  @Test func aRefusalNamesThePermissionTheRequestNeeds() throws {
    let server = try ScriptedServer { request in
      request.method == "PUT"
        ? .init(403, body: Self.error("AccessDenied")) : .init(404, body: Self.error("NoSuchKey"))
    }
    defer { server.stop() }
    let transport = remote(port: server.port) { $0.requireConditionalWrites = false }
    let refused = #expect(throws: RemoteError.self) {
      try transport.put("packs/a.pack", data: Data("pack".utf8))
    }
    #expect(refused?.kind == .permissionDenied)
    #expect(refused?.description.contains("must allow s3:PutObject on it") == true)
    #expect(refused?.description.contains("s3:DeleteObject") == false)
  }
}
