import Foundation
import Testing

@testable import OpenLedgerKit

/// The read-only HTTP transport against python's http.server serving a directory, and against a
/// scripted server for what http.server does not do (refuse HEAD, refuse listings, fail).
@Suite struct HTTPTransportTests {
  static let python: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "")
    .split(separator: ":").map { "\($0)/python3" }
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  private static let quickRetries = RetryPolicy(attempts: 3, baseDelay: 0.01, maximumDelay: 0.02)

  /// A pushed remote as a directory tree, served by `python3 -m http.server`.
  @Test(.enabled(if: python != nil, "python3 is not on PATH"))
  func aStaticServerIsReadAndListed() throws {
    let directory = try TemporaryDirectory()
    let root = "\(directory.path)/remote"
    let files = [
      "objects/sha256/ab/\(String(repeating: "c", count: 62))": "shard bytes",
      "refs/papers/a": "first", "refs/papers/b": "second!", "refs/other/x": "x",
      "refs/papers/empty": "", "top": "top level",
      // Not keys of a remote: hidden, upper case, a space.
      ".staging/tmp": "no", "refs/papers/Upper": "no", "refs/papers/with space": "no",
    ]
    for (path, content) in files {
      let url = URL(fileURLWithPath: "\(root)/\(path)")
      try FileManager.default.createDirectory(
        at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      try Data(content.utf8).write(to: url)
    }
    let server = try ChildServer(
      [
        try #require(Self.python), "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory",
        root, "0",
      ],
      portPattern: #"port (\d+)"#)
    defer { server.stop() }
    let remote = try HTTPTransport(url: "http://127.0.0.1:\(server.port)", retry: Self.quickRetries)

    #expect(!remote.isWritable)
    #expect(try remote.get("refs/papers/b") == Data("second!".utf8))
    #expect(try remote.get("refs/papers/empty") == Data())
    #expect(try remote.has("refs/papers/a"))
    #expect(try remote.has("refs/papers/empty"))
    #expect(try !remote.has("refs/papers/c"))
    let missing = #expect(throws: RemoteError.self) { try remote.get("refs/papers/c") }
    #expect(missing?.kind == .notFound)

    let everything = try remote.list(prefix: "")
    #expect(
      everything.map(\.key) == [
        "objects/sha256/ab/\(String(repeating: "c", count: 62))", "refs/other/x", "refs/papers/a",
        "refs/papers/b", "refs/papers/empty", "top",
      ])
    #expect(everything.map(\.size) == [11, 1, 5, 7, 0, 9])
    #expect(
      try remote.list(prefix: "refs/papers/").map(\.key) == [
        "refs/papers/a", "refs/papers/b", "refs/papers/empty",
      ])
    #expect(try remote.list(prefix: "refs/papers/a").map(\.key) == ["refs/papers/a"])
    #expect(try remote.list(prefix: "refs/p").map(\.key).count == 3)
    // A directory that does not exist, on a server that lists the others, holds nothing.
    #expect(try remote.list(prefix: "refs/nothing/").isEmpty)

    for write: (HTTPTransport) throws -> Void in [
      { _ = try $0.put("refs/papers/c", data: Data()) },
      { _ = try $0.put("refs/papers/c", contentsOf: "\(root)/top") }, { try $0.delete("top") },
    ] {
      let error = #expect(throws: RemoteError.self) { try write(remote) }
      #expect(error?.kind.exitStatus == 64)
    }
    #expect(!FileManager.default.fileExists(atPath: "\(root)/refs/papers/c"))
  }

  /// A server that refuses HEAD is asked with a one-byte GET instead; sizes come from its
  /// Content-Range.
  @Test func aRefusedHeadFallsBackToARangedGet() throws {
    let server = try ScriptedServer { request in
      switch (request.method, request.target) {
      case ("HEAD", _): return .init(405)
      case ("GET", "/r/"):
        return .init(200, headers: ["Content-Type": "text/html"], body: #"<a href="a">a</a>"#)
      case ("GET", "/r/a") where request.headers["range"] == "bytes=0-0":
        return .init(206, headers: ["Content-Range": "bytes 0-0/1234"], body: "x")
      default: return .init(404)
      }
    }
    defer { server.stop() }
    let remote = try HTTPTransport(
      url: "http://127.0.0.1:\(server.port)/r", retry: Self.quickRetries)
    #expect(try remote.has("a"))
    #expect(try !remote.has("b"))
    #expect(try remote.list(prefix: "") == [RemoteEntry(key: "a", size: 1234)])
    // HEAD was asked once, then no more.
    #expect(server.requests.filter { $0.method == "HEAD" }.count == 1)
  }

  @Test func aServerWithoutListingsIsNamedAsSuch() throws {
    let server = try ScriptedServer { request in
      request.target.hasSuffix("/") ? .init(403) : .init(200, body: "file")
    }
    defer { server.stop() }
    let remote = try HTTPTransport(
      url: "http://127.0.0.1:\(server.port)/r/", retry: Self.quickRetries)
    #expect(try remote.get("refs/a") == Data("file".utf8))
    let error = #expect(throws: RemoteError.self) { try remote.list(prefix: "refs/") }
    #expect(error?.description.contains("must be served with directory listings on") == true)
    #expect(error?.description.contains("directory or s3:// form") == true)
  }

  /// A URL whose top is not there (404) and that holds no format marker is no remote (66);
  /// one that holds the marker is a remote served without listings, and is named as such.
  @Test func aMissingTopIsNoRemoteUnlessItHoldsTheMarker() throws {
    let marker = Locked(false)
    let server = try ScriptedServer { request in
      request.target.hasSuffix("/" + RemoteLayout.marker) && marker.withLock({ $0 })
        ? .init(200, body: "{\"format\":1}") : .init(404)
    }
    defer { server.stop() }
    let remote = try HTTPTransport(
      url: "http://127.0.0.1:\(server.port)/r/", retry: Self.quickRetries)
    let missing = #expect(throws: RemoteError.self) { try remote.list(prefix: "heads/") }
    guard case .notARemote? = missing else {
      Issue.record("\(String(describing: missing))")
      return
    }
    #expect(missing?.kind.exitStatus == 66)
    #expect(missing?.description.contains("push to the directory or bucket it serves") == true)
    marker.withLock { $0 = true }
    let unlisted = #expect(throws: RemoteError.self) { try remote.list(prefix: "heads/") }
    #expect(
      unlisted?.description.contains("must be served with directory listings on") == true,
      "\(String(describing: unlisted))")
  }

  /// An index page longer than a listing of any remote is refused at its Content-Length.
  @Test func anIndexPageTooLongIsCorrupt() throws {
    // The directory's own page, or the top's, asked for when the directory is missing.
    for (missing, named) in [("", "heads/"), ("/r/heads/", "/")] {
      let server = try ScriptedServer { request in
        request.target == missing
          ? .init(404)
          : .init(
            200,
            headers: [
              "Content-Type": "text/html",
              "Content-Length": String(RemoteLayout.largestListingPage + 1),
            ])
      }
      defer { server.stop() }
      let remote = try HTTPTransport(
        url: "http://127.0.0.1:\(server.port)/r/", retry: Self.quickRetries)
      let error = #expect(throws: RemoteError.self) { try remote.list(prefix: "heads/") }
      expectCorrupt(
        error, named: named,
        saying: "longer than the \(RemoteLayout.largestListingPage) bytes")
    }
  }

  @Test func serverErrorsAreRetriedThenUnreachable() throws {
    let tries = Locked(0)
    let server = try ScriptedServer { _ in
      tries.withLock { value in
        value += 1
        return value
      } == 1 ? .init(502) : .init(200, body: "late")
    }
    defer { server.stop() }
    let remote = try HTTPTransport(url: "http://127.0.0.1:\(server.port)", retry: Self.quickRetries)
    #expect(try remote.get("a") == Data("late".utf8))

    let port = try closedPort()
    let closed = try HTTPTransport(url: "http://127.0.0.1:\(port)/remote", retry: Self.quickRetries)
    let error = #expect(throws: RemoteError.self) { try closed.get("a") }
    #expect(error?.kind.exitStatus == 74)
    #expect(error?.description.contains("http://127.0.0.1:\(port)/remote/a") == true)
  }

  /// A web server may move its files: the answer is the body at the end of the redirects,
  /// with nothing of the redirect's own body in it.
  @Test func redirectsAreFollowedToTheFile() throws {
    let server = try ScriptedServer { request in
      request.target.hasPrefix("/old/")
        ? .init(
          302, headers: ["Location": "/new/" + request.target.dropFirst("/old/".count)],
          body: "<html>moved</html>")
        : .init(200, body: "shard bytes at \(request.target)")
    }
    defer { server.stop() }
    let remote = try HTTPTransport(
      url: "http://127.0.0.1:\(server.port)/old", retry: Self.quickRetries)
    #expect(try remote.get("objects/a") == Data("shard bytes at /new/objects/a".utf8))
    #expect(server.requests.map(\.target) == ["/old/objects/a", "/new/objects/a"])
  }

  /// Headers go out as given, an empty value too (S3 signs every header it is sent), and a
  /// body goes up whole without waiting for `100 Continue`.
  @Test func theSessionSendsHeadersAndBodyAsGiven() throws {
    let server = try ScriptedServer { _ in .init(200, body: "ok") }
    defer { server.stop() }
    let session = HTTPSession(timeout: 10, maximumConnections: 1, followsRedirects: false)
    var request = HTTPRequest(method: "PUT", url: "http://127.0.0.1:\(server.port)/a")
    request.setValue("one", forHTTPHeaderField: "X-Amz-Meta-A")
    request.setValue("", forHTTPHeaderField: "x-amz-meta-empty")
    request.setValue("two", forHTTPHeaderField: "x-amz-meta-a")
    let body = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
    let response = try session.send(request, body: body).get()
    #expect(response.status == 200)
    #expect(response.body == Data("ok".utf8))
    // A POST without a body still says its length (S3 answers 411 otherwise).
    let post = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(server.port)/b?uploads")
    #expect(try session.send(post).get().status == 200)
    let seen = server.requests
    try #require(seen.count == 2)
    #expect(seen[0].method == "PUT")
    #expect(seen[0].headers["x-amz-meta-a"] == "two")
    #expect(seen[0].headers["x-amz-meta-empty"] == "")
    #expect(seen[0].headers["expect"] == nil)
    #expect(seen[0].headers["user-agent"] == "openledger/\(openledgerVersion)")
    #expect(seen[0].body == body)
    #expect(seen[1].method == "POST")
    #expect(seen[1].headers["content-length"] == "0")
  }

  /// A remote's URL as people write it (a space, a letter beyond ASCII) goes out escaped.
  @Test func urlsAreEscaped() throws {
    let server = try ScriptedServer { _ in .init(200, body: "bytes") }
    defer { server.stop() }
    let remote = try HTTPTransport(
      url: "http://127.0.0.1:\(server.port)/my data/café", retry: Self.quickRetries)
    #expect(try remote.get("objects/a") == Data("bytes".utf8))
    #expect(server.requests.first?.target == "/my%20data/caf%C3%A9/objects/a")
  }

  /// An https URL for a server that speaks plain HTTP fails at once, saying so.
  @Test(.enabled(if: python != nil, "python3 is not on PATH"))
  func httpsToAPlainHTTPServerSaysWhichToWrite() throws {
    let directory = try TemporaryDirectory()
    let server = try ChildServer(
      [
        try #require(Self.python), "-u", "-m", "http.server", "--bind", "127.0.0.1",
        "--directory", directory.path, "0",
      ], portPattern: #"port (\d+)"#)
    defer { server.stop() }
    let start = Date()
    let remote = try HTTPTransport(
      url: "https://127.0.0.1:\(server.port)/r", retry: Self.quickRetries, requestTimeout: 5)
    let error = #expect(throws: RemoteError.self) { try remote.get("objects/a") }
    #expect(error?.kind.exitStatus == 74)
    #expect(error?.description.contains("write http:// instead of https://") == true)
    #expect(Date().timeIntervalSince(start) < 3, "retried: \(String(describing: error))")
  }

  /// SSL_CERT_FILE (often set for other tools) is read for https remotes only.
  @Test func plainHTTPReadsNoCertificates() throws {
    let stale = RemoteEnvironment(variables: ["SSL_CERT_FILE": "/nowhere.pem"], home: "/")
    _ = try RemoteConfig(name: "web", url: "http://127.0.0.1:1/r").transport(in: stale)
    #expect(throws: S3ConfigurationError.self) {
      _ = try RemoteConfig(name: "web", url: "https://127.0.0.1:1/r").transport(in: stale)
    }
  }

  /// Large bodies' buffers come back for the next answers of about their size; small ones and
  /// those past the kept total are freed.
  @Test func bodyBuffersAreKeptForAnswersOfTheirSize() throws {
    let buffers = BodyBuffers()
    #expect(buffers.take(atLeast: 4 << 20) == nil)
    let large = try #require(malloc(64 << 20))
    buffers.giveBack(large, capacity: 64 << 20)
    buffers.giveBack(try #require(malloc(1024)), capacity: 1024)  // freed, not kept
    #expect(buffers.take(atLeast: 16 << 20) == nil)  // over twice the size asked for
    #expect(buffers.take(atLeast: 1024) == nil)
    let taken = try #require(buffers.take(atLeast: 40 << 20))
    #expect(taken.0 == large)
    #expect(taken.1 == 64 << 20)
    #expect(buffers.take(atLeast: 40 << 20) == nil)  // taken once
    for _ in 0..<5 { buffers.giveBack(try #require(malloc(64 << 20)), capacity: 64 << 20) }
    var kept = 0
    while let buffer = buffers.take(atLeast: 64 << 20) {
      kept += 1
      free(buffer.0)
    }
    #expect(kept == 4)  // 256 MiB in all
    free(taken.0)
    #expect(BodyBuffers.allocate(1024) == nil)  // small bodies come from malloc
    let fresh = try #require(BodyBuffers.allocate(BodyBuffers.smallest + 1))
    #expect(Int(bitPattern: fresh.0) % DirectWrites.alignment == 0)
    #expect(fresh.1 == BodyBuffers.smallest + 1)
    free(fresh.0)
  }

  @Test func onlyHTTPURLsAreRemotes() {
    for url in ["ftp://host/x", "http://", "https://host/x?query", "/just/a/path"] {
      #expect(throws: RemoteError.self, "\(url)") { try HTTPTransport(url: url) }
    }
  }

  /// Listings as python's http.server, nginx and Apache write them.
  @Test func autoindexPagesGiveTheirEntries() {
    let python = """
      <!DOCTYPE HTML><html lang="en"><head><title>Directory listing for /r/</title></head>
      <body><h1>Directory listing for /r/</h1><hr><ul>
      <li><a href=".staging/">.staging/</a></li>
      <li><a href="objects/">objects/</a></li>
      <li><a href="a%20b">a b</a></li>
      <li><a href="it&#x27;s">it's</a></li>
      <li><a href="link">link@</a></li>
      </ul><hr></body></html>
      """
    #expect(AutoindexPage.links(in: Data(python.utf8)) == ["objects/", "a b", "it's", "link"])
    let nginx = """
      <html><head><title>Index of /r/</title></head><body><h1>Index of /r/</h1><hr><pre>
      <a href="../">../</a>
      <a href="refs/">refs/</a>                                              01-Jan-2025 10:00       -
      <a href="top">top</a>                                                01-Jan-2025 10:00       9
      </pre><hr></body></html>
      """
    #expect(AutoindexPage.links(in: Data(nginx.utf8)) == ["refs/", "top"])
    let apache = """
      <html><body><h1>Index of /r</h1><table>
      <tr><th><a href="?C=N;O=D">Name</a></th><th><a href="?C=M;O=A">Last modified</a></th></tr>
      <tr><td><a href="/">Parent Directory</a></td></tr>
      <tr><td><A HREF='refs/'><img src="/icons/folder.gif"></A></td><td><a href='refs/'>refs/</a></td></tr>
      <tr><td><a class="file" href=top>top</a></td></tr>
      <tr><td><a href="http://elsewhere.example/x">x</a><a href="sub/x">nested</a><abbr>y</abbr></td></tr>
      </table></body></html>
      """
    #expect(AutoindexPage.links(in: Data(apache.utf8)) == ["refs/", "top"])
  }
}
