import Foundation
import Testing

@testable import OpenLedgerKit

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A server program started for a test on 127.0.0.1: it picks a free port itself and prints it,
/// and it stops when the test process closes its standard input (or dies), through a shell
/// that waits on that input and then kills it.
final class ChildServer: @unchecked Sendable {
  let port: Int
  private let process: Process
  private let input: Pipe
  private let log: String

  /// Runs `command` (the program and its arguments) with its output in a log file until a line
  /// matching `portPattern` (whose first group is the port) appears.
  init(
    _ command: [String], environment: [String: String] = [:], portPattern: String,
    timeout: TimeInterval = 90
  ) throws {
    log = NSTemporaryDirectory() + "openledger-server-\(UUID().uuidString).log"
    _ = FileManager.default.createFile(atPath: log, contents: nil)
    process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    // The server reads /dev/null; the shell alone waits for the pipe's end, then kills it with
    // SIGKILL, since a child of the test process inherits its blocked signals (SIGTERM, SIGCHLD:
    // so no `wait` either).
    process.arguments =
      ["-c", "\"$@\" </dev/null & child=$!; read _; kill -KILL $child", "sh"]
      + command
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    input = Pipe()
    process.standardInput = input
    let output = FileHandle(forWritingAtPath: log)!
    process.standardOutput = output
    process.standardError = output
    try process.run()
    let pattern = try Regex(portPattern)
    let deadline = Date().addingTimeInterval(timeout)
    var found: Int?
    var text = ""
    while found == nil, process.isRunning, Date() < deadline {
      text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
      if let match = text.firstMatch(of: pattern) {
        found = Int(match.output[1].substring ?? "")
      } else {
        Thread.sleep(forTimeInterval: 0.05)
      }
    }
    guard let found else {
      Self.stop(process, input)
      throw ServerFailure("\(command.joined(separator: " ")) did not start: \(text.suffix(2000))")
    }
    port = found
  }

  /// The end of the server's output, for a failing test's message.
  var output: String {
    String(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").suffix(4000))
  }

  func stop() {
    Self.stop(process, input)
    try? FileManager.default.removeItem(atPath: log)
  }

  private static func stop(_ process: Process, _ input: Pipe) {
    try? input.fileHandleForWriting.close()
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
  }

  deinit { stop() }
}

struct ServerFailure: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}

/// An HTTP server in the test process that answers each request as a test's handler says:
/// for what no real server does on demand (a 500 then a success, a refused HEAD, a listing
/// that is not XML). One thread per connection; every answer closes its connection.
final class ScriptedServer: @unchecked Sendable {
  struct Request: Sendable {
    var method: String
    /// The request target as sent (`/bucket/key?query`).
    var target: String
    /// Header values by lower-case name.
    var headers: [String: String]
    var body: Data
  }

  struct Response: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body = Data()

    init(_ status: Int, headers: [String: String] = [:], body: String = "") {
      self.status = status
      self.headers = headers
      self.body = Data(body.utf8)
    }

    init(_ status: Int, headers: [String: String] = [:], data: Data) {
      self.status = status
      self.headers = headers
      self.body = data
    }
  }

  let port: Int
  private let listener: Int32
  private let handler: @Sendable (Request) -> Response
  private let lock = NSLock()
  private var log = [Request]()

  init(_ handler: @escaping @Sendable (Request) -> Response) throws {
    self.handler = handler
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    self.listener = listener
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(listener, $0, length) == 0 && listen(listener, 64) == 0
          && getsockname(listener, $0, &length) == 0
      }
    }
    guard bound else { throw ServerFailure("cannot listen on 127.0.0.1: errno \(errno)") }
    port = Int(UInt16(bigEndian: address.sin_port))
    let server = self
    Thread.detachNewThread { server.acceptConnections() }
  }

  /// The requests received so far, in order.
  var requests: [Request] { lock.withLock { log } }

  private var stopped = false

  /// Closes the listening socket, once: a second close could close another test's socket that
  /// reused the descriptor.
  func stop() {
    let first = lock.withLock {
      defer { stopped = true }
      return !stopped
    }
    guard first else { return }
    shutdown(listener, Int32(SHUT_RDWR))
    close(listener)
  }

  deinit { stop() }

  private func acceptConnections() {
    while true {
      let connection = accept(listener, nil, nil)
      guard connection >= 0 else {
        if errno == EINTR { continue }
        return
      }
      Thread.detachNewThread { self.serve(connection) }
    }
  }

  private func serve(_ connection: Int32) {
    defer { close(connection) }
    var buffer = Data()
    func fill() -> Bool {
      var chunk = [UInt8](repeating: 0, count: 65_536)
      let n = recv(connection, &chunk, chunk.count, 0)
      guard n > 0 else { return false }
      buffer.append(contentsOf: chunk[0..<n])
      return true
    }
    let separator = Data("\r\n\r\n".utf8)
    while buffer.range(of: separator) == nil { guard fill() else { return } }
    let end = buffer.range(of: separator)!
    let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
    buffer = Data(buffer[end.upperBound...])
    var lines = head.components(separatedBy: "\r\n")
    let requestLine = lines.removeFirst().split(separator: " ")
    guard requestLine.count >= 2 else { return }
    var headers = [String: String]()
    for line in lines {
      guard let colon = line.firstIndex(of: ":") else { continue }
      headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
        .trimmingCharacters(in: .whitespaces)
    }
    let length = headers["content-length"].flatMap(Int.init) ?? 0
    if headers["expect"]?.lowercased() == "100-continue" {
      write(connection, Data("HTTP/1.1 100 Continue\r\n\r\n".utf8))
    }
    while buffer.count < length { guard fill() else { return } }
    let request = Request(
      method: String(requestLine[0]), target: String(requestLine[1]), headers: headers,
      body: Data(buffer.prefix(length)))
    lock.withLock { log.append(request) }
    let response = handler(request)
    var text = "HTTP/1.1 \(response.status) Scripted\r\nConnection: close\r\n"
    var fields = response.headers
    if fields["Content-Length"] == nil, fields["Transfer-Encoding"] == nil {
      fields["Content-Length"] = String(response.body.count)
    }
    for (name, value) in fields.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
    text += "\r\n"
    write(connection, Data(text.utf8) + (request.method == "HEAD" ? Data() : response.body))
  }

  private func write(_ connection: Int32, _ data: Data) {
    data.withUnsafeBytes { bytes in
      var sent = 0
      while sent < bytes.count {
        let n = send(connection, bytes.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
        if n <= 0 { return }
        sent += n
      }
    }
  }
}

/// A port on 127.0.0.1 that nothing listens on: bound, read, and closed again.
func closedPort() throws -> Int {
  let server = try ScriptedServer { _ in .init(500) }
  server.stop()
  return server.port
}

/// moto's S3 server (moto[server], Tests/Support/moto_server.py), started once for a suite
/// with authentication on: it checks every request's SigV4 signature and refuses keys it does
/// not know, wrong secrets, and what a user's IAM policy does not allow.
final class MotoServer: Sendable {
  /// The Python with moto: OPENLEDGER_MOTO_PYTHON (`make test` points it at .venv-moto), else
  /// python3 when it has moto. Nil skips the S3 tests.
  static let python: String? = {
    let environment = ProcessInfo.processInfo.environment
    if let configured = environment["OPENLEDGER_MOTO_PYTHON"], !configured.isEmpty {
      return FileManager.default.isExecutableFile(atPath: configured) ? configured : nil
    }
    for directory in (environment["PATH"] ?? "").split(separator: ":") {
      let candidate = "\(directory)/python3"
      guard FileManager.default.isExecutableFile(atPath: candidate) else { continue }
      let check = Process()
      check.executableURL = URL(fileURLWithPath: candidate)
      check.arguments = [
        "-c",
        "import importlib.util as u, sys; sys.exit(u.find_spec('moto') is None or u.find_spec('flask') is None)",
      ]
      check.standardOutput = FileHandle.nullDevice
      check.standardError = FileHandle.nullDevice
      guard (try? check.run()) != nil else { return nil }
      check.waitUntilExit()
      return check.terminationStatus == 0 ? candidate : nil
    }
    return nil
  }()

  static let skipReason = Comment(
    rawValue: "moto is not installed: run `make test` (it installs moto[server] into .venv-moto) "
      + "or set OPENLEDGER_MOTO_PYTHON to a python3 that has moto[server]")

  @TaskLocal static var current: MotoServer?

  let endpoint: URL
  /// An IAM user allowed everything on S3.
  let writer: AWSCredentials
  /// An IAM user allowed only to read (s3:GetObject, s3:ListBucket).
  let reader: AWSCredentials
  /// An IAM user allowed to read, write and delete objects, and nothing about multipart uploads
  /// but sending them (no s3:ListBucketMultipartUploads).
  let keeper: AWSCredentials
  private let child: ChildServer

  static func start() throws -> MotoServer {
    guard let python else { throw ServerFailure("\(skipReason)") }
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Support/moto_server.py").path
    let child = try ChildServer(
      [python, script, "-H", "127.0.0.1", "-p", "0"],
      environment: ["PYTHONUNBUFFERED": "1"],
      portPattern: #"Running on http://127\.0\.0\.1:(\d+)"#)
    do {
      let endpoint = URL(string: "http://127.0.0.1:\(child.port)")!
      // Authentication is off until reset-auth: make the users first.
      let iam = IAMClient(endpoint: endpoint)
      let writer = try iam.user("writer", allowing: ["s3:*"])
      let reader = try iam.user("reader", allowing: ["s3:GetObject", "s3:ListBucket"])
      let keeper = try iam.user(
        "keeper",
        allowing: [
          "s3:GetObject", "s3:ListBucket", "s3:PutObject", "s3:DeleteObject",
          "s3:AbortMultipartUpload",
        ])
      try iam.post("/moto-api/reset-auth", body: "0")
      return MotoServer(
        endpoint: endpoint, writer: writer, reader: reader, keeper: keeper, child: child)
    } catch {
      let output = child.output
      child.stop()
      throw ServerFailure("setting up moto failed: \(error)\n\(output)")
    }
  }

  private init(
    endpoint: URL, writer: AWSCredentials, reader: AWSCredentials, keeper: AWSCredentials,
    child: ChildServer
  ) {
    self.endpoint = endpoint
    self.writer = writer
    self.reader = reader
    self.keeper = keeper
    self.child = child
  }

  func stop() { child.stop() }

  /// A new, empty bucket, and the configuration of a remote under `prefix` in it.
  func bucket(prefix: String = "remote/") throws -> S3Configuration {
    var configuration = S3Configuration(
      bucket: "openledger-\(UUID().uuidString.lowercased().prefix(13))", prefix: prefix,
      endpoint: endpoint, region: "us-east-1", credentials: writer)
    configuration.retry = RetryPolicy(attempts: 3, baseDelay: 0.05, maximumDelay: 0.2)
    try S3Transport(configuration: configuration).createBucket()
    return configuration
  }

  /// Just enough of the IAM API (form posts, signed for service `iam`) to make users.
  private struct IAMClient {
    let endpoint: URL
    let session = HTTPSession(timeout: 30, maximumConnections: 2, followsRedirects: false)

    func user(_ name: String, allowing actions: [String]) throws -> AWSCredentials {
      try call(["Action": "CreateUser", "UserName": name])
      let policy = try JSONSerialization.data(withJSONObject: [
        "Version": "2012-10-17",
        "Statement": [["Effect": "Allow", "Action": actions, "Resource": "*"]],
      ])
      try call([
        "Action": "PutUserPolicy", "UserName": name, "PolicyName": "openledger-tests",
        "PolicyDocument": String(decoding: policy, as: UTF8.self),
      ])
      let answer = try call(["Action": "CreateAccessKey", "UserName": name])
      guard
        let key = S3XMLElement.parse(answer)?.child("CreateAccessKeyResult")?.child("AccessKey"),
        let id = key.text(of: "AccessKeyId"), let secret = key.text(of: "SecretAccessKey")
      else {
        throw ServerFailure(
          "CreateAccessKey gave no key: \(String(decoding: answer, as: UTF8.self))")
      }
      return AWSCredentials(accessKeyID: id, secretAccessKey: secret)
    }

    @discardableResult
    func call(_ parameters: [String: String]) throws -> Data {
      let form = (parameters.merging(["Version": "2010-05-08"]) { $1 })
        .map {
          "\(SigV4.encode($0.key, keepSlash: false))=\(SigV4.encode($0.value, keepSlash: false))"
        }
        .sorted().joined(separator: "&")
      let body = Data(form.utf8)
      let host = "127.0.0.1:\(endpoint.port!)"
      var signing = SigV4Request(
        method: "POST", path: "/",
        headers: [("host", host), ("content-type", "application/x-www-form-urlencoded")],
        payloadHash: SigV4.payloadHash(body))
      let signer = SigV4(
        credentials: AWSCredentials(accessKeyID: "AKIASETUP0000000000", secretAccessKey: "setup"),
        region: "us-east-1", service: "iam")
      var request = HTTPRequest(method: "POST", url: endpoint.absoluteString + "/")
      request.setValue(signer.sign(&signing, at: Date()), forHTTPHeaderField: "Authorization")
      for (name, value) in signing.headers {
        request.setValue(value, forHTTPHeaderField: name)
      }
      let response = try session.send(request, body: body).get()
      guard response.status == 200 else {
        throw ServerFailure(
          "IAM \(parameters["Action"]!): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))"
        )
      }
      return response.body
    }

    func post(_ path: String, body: String) throws {
      let request = HTTPRequest(method: "POST", url: endpoint.absoluteString + path)
      let response = try session.send(request, body: Data(body.utf8)).get()
      guard response.status == 200 else { throw ServerFailure("\(path): HTTP \(response.status)") }
    }
  }
}

/// Starts moto once around a suite's tests (`@Suite(.motoServer)`); the tests find it in
/// `MotoServer.current`.
struct MotoServerTrait: SuiteTrait, TestScoping {
  var isRecursive: Bool { false }

  func provideScope(
    for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
  ) async throws {
    let server = try MotoServer.start()
    defer { server.stop() }
    try await MotoServer.$current.withValue(server) { try await function() }
  }
}

extension Trait where Self == MotoServerTrait {
  static var motoServer: Self { MotoServerTrait() }
}

/// Expects `error` to be `RemoteError.corrupt` naming `key`, with a reason that contains
/// `reason`, and exit status 1.
func expectCorrupt(
  _ error: RemoteError?, named key: String, saying reason: String,
  sourceLocation: Testing.SourceLocation = #_sourceLocation
) {
  guard case .corrupt(_, let named, let why)? = error else {
    Issue.record("not corrupt: \(String(describing: error))", sourceLocation: sourceLocation)
    return
  }
  #expect(named == key, sourceLocation: sourceLocation)
  #expect(why.contains(reason), "\(why)", sourceLocation: sourceLocation)
  #expect(error?.kind.exitStatus == 1, sourceLocation: sourceLocation)
}
