import Foundation
import Testing

@testable import OpenLedgerKit

/// Issue 15's collaboration over S3 (moto, checking signatures) and over HTTP (a static server
/// serving a pushed directory), with the built binary: two machines (stores and identity homes
/// of their own). The directory form is in OpenLedgerCLITests/RemoteTests.swift.
@Suite(.enabled(if: MotoServer.python != nil, MotoServer.skipReason), .motoServer)
struct RemoteEndToEndTests {
  private let server: MotoServer

  init() throws {
    server = try #require(MotoServer.current)
  }

  /// The built `openledger`, beside the test bundle.
  static let binary: String = {
    if let path = ProcessInfo.processInfo.environment["OPENLEDGER_BIN"] { return path }
    let first = CommandLine.arguments.first ?? ""
    var directory = URL(fileURLWithPath: first).deletingLastPathComponent()
    while directory.path != "/" {
      let candidate = directory.appendingPathComponent("openledger").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return ".build/debug/openledger"
  }()

  /// One person's machine.
  struct Machine {
    let home: String
    var environment: [String: String]

    init(_ root: String, _ name: String, s3: [String: String]) throws {
      home = "\(root)/\(name)"
      try FileManager.default.createDirectory(
        atPath: "\(home)/work", withIntermediateDirectories: true)
      environment = s3.merging([
        "HOME": home, "XDG_CONFIG_HOME": "\(home)/config", "LANG": "C.UTF-8",
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
      ]) { $1 }
      try ok(["identity", "new", name])
    }

    func run(_ arguments: [String], in directory: String? = nil) throws
      -> (status: Int32, stdout: String, stderr: String)
    {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: RemoteEndToEndTests.binary)
      process.arguments = arguments
      process.currentDirectoryURL = URL(fileURLWithPath: directory ?? "\(home)/work")
      process.environment = environment
      let out = Pipe()
      let err = Pipe()
      process.standardOutput = out
      process.standardError = err
      process.standardInput = FileHandle.nullDevice
      try process.run()
      let errors = Collected()
      let done = DispatchSemaphore(value: 0)
      Thread {
        errors.add(err.fileHandleForReading.readDataToEndOfFile())
        done.signal()
      }.start()
      let output = out.fileHandleForReading.readDataToEndOfFile()
      done.wait()
      process.waitUntilExit()
      return (
        process.terminationStatus, String(decoding: output, as: UTF8.self),
        String(decoding: errors.data, as: UTF8.self)
      )
    }

    @discardableResult
    func ok(
      _ arguments: [String], in directory: String? = nil,
      sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> String {
      let result = try run(arguments, in: directory)
      #expect(
        result.status == 0, "openledger \(arguments.joined(separator: " ")): \(result.stderr)",
        sourceLocation: sourceLocation)
      return result.stdout
    }

    func contribute(_ file: String, _ text: String, in directory: String? = nil) throws -> String {
      try Data("{\"text\": \"\(text)\"}\n".utf8).write(
        to: URL(fileURLWithPath: "\(directory ?? "\(home)/work")/\(file)"))
      let json = try ok(["contribute", "notes", file, "--format", "json"], in: directory)
      let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
      return try #require(object?["contribution"] as? String)
    }

    func status(of contribution: String, in directory: String? = nil) throws -> String? {
      let json = try ok(
        ["review", "list", "notes", "--status", "all", "--format", "json"], in: directory)
      let listing = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
      return listing?.first { $0["id"] as? String == contribution }?["status"] as? String
    }
  }

  /// The S3 settings of the environment, for the writer or the reader user.
  func s3Environment(_ credentials: AWSCredentials) -> [String: String] {
    [
      "AWS_ACCESS_KEY_ID": credentials.accessKeyID,
      "AWS_SECRET_ACCESS_KEY": credentials.secretAccessKey,
      "AWS_ENDPOINT_URL": server.endpoint.absoluteString, "AWS_REGION": "us-east-1",
    ]
  }

  /// Alice makes a Datanet and pushes it to a new bucket; Bob clones it into `clone`. The root
  /// directory is returned so that it lives as long as the test.
  func twoMachinesOnABucket() throws -> (
    root: TemporaryDirectory, url: String, alice: Machine, bob: Machine,
    clone: String
  ) {
    let root = try TemporaryDirectory()
    let bucket = try server.bucket(prefix: "")
    let url = "s3://\(bucket.bucket)/notes"
    let alice = try Machine(root.path, "alice", s3: s3Environment(server.writer))
    let bob = try Machine(root.path, "bob", s3: s3Environment(server.writer))
    try alice.ok(["init"])
    try alice.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    try alice.ok(["remote", "add", "origin", url])
    try alice.ok(["push"])
    try bob.ok(["clone", url, "c"])
    let clone = "\(bob.home)/work/c"
    return (root, url, alice, bob, clone)
  }

  @Test func twoMachinesCollaborateThroughS3() throws {
    let machines = try twoMachinesOnABucket()
    let (url, alice, bob, clone) = (machines.url, machines.alice, machines.bob, machines.clone)
    let contribution = try bob.contribute(
      "b.jsonl", "Bob saw a zyzzogeton beetle under the lindens.", in: clone)
    try bob.ok(["push"], in: clone)
    try alice.ok(["pull"])
    #expect(try alice.status(of: contribution) == "pending")
    try alice.ok(["review", "accept", contribution])
    try alice.ok(["push"])
    try bob.ok(["pull"], in: clone)
    #expect(try bob.status(of: contribution, in: clone) == "accepted")
    try alice.ok(["validate"])
    try bob.ok(["validate"], in: clone)

    // The reader user may clone but not push (its policy refuses writes: 77, naming a key).
    let carol = try Machine(machines.root.path, "carol", s3: s3Environment(server.reader))
    try carol.ok(["clone", url, "r"])
    _ = try carol.contribute(
      "c.jsonl", "Carol's note on the plane trees.", in: "\(carol.home)/work/r")
    let refused = try carol.run(["push"], in: "\(carol.home)/work/r")
    #expect(refused.status == 77, "\(refused.stderr)")
    #expect(refused.stderr.contains("AWS_"))
  }

  /// A clone remembers the endpoint the environment gave it, so a pull without the variable
  /// reaches the same storage, not AWS.
  @Test func aCloneRemembersTheEndpointOfTheEnvironment() throws {
    let machines = try twoMachinesOnABucket()
    let (alice, clone) = (machines.alice, machines.clone)
    var bob = machines.bob
    let listed = try JSONSerialization.jsonObject(
      with: Data(try bob.ok(["remote", "list", "--format", "json"], in: clone).utf8))
    let origin = try #require((listed as? [[String: Any]])?.first)
    #expect(origin["endpoint"] as? String == server.endpoint.absoluteString)
    _ = try alice.contribute("a.jsonl", "Alice's note on the plane trees.")
    try alice.ok(["push"])
    bob.environment["AWS_ENDPOINT_URL"] = nil
    #expect(try bob.ok(["pull"], in: clone).contains("1 new event(s)"))
  }

  @Test func wrongCredentialsAndAnUnreachableEndpointAreNamed() throws {
    let root = try TemporaryDirectory()
    let bucket = try server.bucket(prefix: "")
    var wrong = s3Environment(server.writer)
    wrong["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
    let mallory = try Machine(root.path, "mallory", s3: wrong)
    let denied = try mallory.run(["clone", "s3://\(bucket.bucket)/notes", "m"])
    #expect(denied.status == 77, "\(denied.stderr)")
    #expect(denied.stderr.contains("AWS_SECRET_ACCESS_KEY"))
    #expect(!FileManager.default.fileExists(atPath: "\(mallory.home)/work/m"))

    var closed = s3Environment(server.writer)
    closed["AWS_ENDPOINT_URL"] = "http://127.0.0.1:\(try closedPort())"
    let offline = try Machine(root.path, "offline", s3: closed)
    let unreachable = try offline.run(["clone", "s3://\(bucket.bucket)/notes", "o"])
    #expect(unreachable.status == 74, "\(unreachable.stderr)")
    #expect(unreachable.stderr.contains("127.0.0.1"))
  }

  /// Twenty rounds of two machines pushing to one bucket at the same moment: every push lands.
  @Test func concurrentPushesToS3AllLand() throws {
    let machines = try twoMachinesOnABucket()
    let (alice, bob, clone) = (machines.alice, machines.bob, machines.clone)
    var expected = Set<String>()
    var failures = 0
    for round in 0..<20 {
      expected.insert(try alice.contribute("a\(round).jsonl", "Alice's note \(round)."))
      expected.insert(try bob.contribute("b\(round).jsonl", "Bob's note \(round).", in: clone))
      let group = DispatchGroup()
      let statuses = Collected()
      for (machine, directory) in [(alice, nil as String?), (bob, clone)] {
        group.enter()
        DispatchQueue.global().async {
          if let result = try? machine.run(["push"], in: directory), result.status != 0 {
            statuses.add(Data(result.stderr.utf8))
          }
          group.leave()
        }
      }
      group.wait()
      if !statuses.data.isEmpty { failures += 1 }
    }
    #expect(failures == 0)
    try alice.ok(["pull"])
    try bob.ok(["pull"], in: clone)
    for (machine, directory) in [(alice, nil as String?), (bob, clone)] {
      let json = try machine.ok(
        ["review", "list", "notes", "--status", "all", "--format", "json"], in: directory)
      let listing = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]]
      #expect(Set((listing ?? []).compactMap { $0["id"] as? String }) == expected)
    }
  }

  /// Alice and Bob under `root`; Alice has pushed one contribution to the directory `shared`.
  private func pushedToADirectory(in root: String) throws -> (
    alice: Machine, bob: Machine, shared: String, first: String
  ) {
    let shared = "\(root)/shared"
    let alice = try Machine(root, "alice", s3: [:])
    let bob = try Machine(root, "bob", s3: [:])
    try alice.ok(["init"])
    try alice.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    try alice.ok(["remote", "add", "origin", shared])
    let first = try alice.contribute("a.jsonl", "A note on the plane trees of 1920.")
    try alice.ok(["push"])
    return (alice, bob, shared, first)
  }

  /// Bob clones `url` and finds `first` pending; Alice accepts it and pushes; Bob pulls and
  /// finds it accepted. The clone's path.
  @discardableResult
  private func cloneAndSeeTheDecision(
    _ alice: Machine, _ bob: Machine, _ url: String, _ first: String
  ) throws -> String {
    try bob.ok(["clone", url, "c"])
    let clone = "\(bob.home)/work/c"
    #expect(try bob.status(of: first, in: clone) == "pending")
    try alice.ok(["review", "accept", first])
    try alice.ok(["push"])
    try bob.ok(["pull"], in: clone)
    #expect(try bob.status(of: first, in: clone) == "accepted")
    return clone
  }

  /// The same collaboration read over HTTP from a static server serving the pushed directory;
  /// a push to it is a usage error.
  @Test func aPushedDirectoryServedOverHTTPClonesAndPulls() throws {
    let python = try #require(HTTPTransportTests.python)
    let root = try TemporaryDirectory()
    let (alice, bob, shared, first) = try pushedToADirectory(in: root.path)
    let web = try ChildServer(
      [python, "-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", shared, "0"],
      portPattern: #"port (\d+)"#)
    defer { web.stop() }
    let url = "http://127.0.0.1:\(web.port)"
    let clone = try cloneAndSeeTheDecision(alice, bob, url, first)
    try bob.ok(["validate"], in: clone)
    _ = try bob.contribute("b.jsonl", "Bob's note.", in: clone)
    let push = try bob.run(["push"], in: clone)
    #expect(push.status == 64)
    #expect(push.stderr.contains("can only be read"))
  }
}

extension RemoteEndToEndTests {
  static let openssl: String? = (ProcessInfo.processInfo.environment["PATH"] ?? "")
    .split(separator: ":").map { "\($0)/openssl" }
    .first { FileManager.default.isExecutableFile(atPath: $0) }

  /// A remote served over TLS with a certificate of its own: refused at once (it is not one the
  /// system trusts), then cloned once SSL_CERT_FILE names the authority that signed it.
  @Test(
    .enabled(if: HTTPTransportTests.python != nil, "python3 is not on PATH"),
    .enabled(if: openssl != nil, "openssl is not on PATH"))
  func aRemoteOverHTTPSIsTrustedThroughItsAuthority() throws {
    let python = try #require(HTTPTransportTests.python)
    let root = try TemporaryDirectory()
    let (alice, pushed, shared, first) = try pushedToADirectory(in: root.path)
    var bob = pushed

    let certificate = "\(root.path)/cert.pem"
    let key = "\(root.path)/key.pem"
    let make = Process()
    make.executableURL = URL(fileURLWithPath: try #require(Self.openssl))
    make.arguments = [
      "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
      "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
    ]
    make.standardOutput = FileHandle.nullDevice
    make.standardError = FileHandle.nullDevice
    try make.run()
    make.waitUntilExit()
    try #require(make.terminationStatus == 0)
    let server = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Support/https_server.py").path
    let web = try ChildServer(
      [python, "-u", server, shared, certificate, key], portPattern: #"port (\d+)"#)
    defer { web.stop() }
    let url = "https://127.0.0.1:\(web.port)"

    let start = Date()
    let untrusted = try bob.run(["clone", url, "c"])
    #expect(untrusted.status == 74, "\(untrusted.stderr)")
    #expect(untrusted.stderr.contains(url), "\(untrusted.stderr)")
    #expect(untrusted.stderr.contains("certificate"), "\(untrusted.stderr)")
    #expect(untrusted.stderr.contains("SSL_CERT_FILE"), "\(untrusted.stderr)")
    // Not a failure that passes when tried again: no retries.
    #expect(Date().timeIntervalSince(start) < 5)
    #expect(!FileManager.default.fileExists(atPath: "\(bob.home)/work/c/.openledger/catalog.db"))

    bob.environment["SSL_CERT_FILE"] = "\(root.path)/nowhere.pem"
    let unreadable = try bob.run(["clone", url, "c"])
    #expect(unreadable.status == 66, "\(unreadable.stderr)")
    #expect(unreadable.stderr.contains("SSL_CERT_FILE"), "\(unreadable.stderr)")

    bob.environment["SSL_CERT_FILE"] = certificate
    try cloneAndSeeTheDecision(alice, bob, url, first)
  }
}

/// Bytes several threads add to.
final class Collected: @unchecked Sendable {
  private let lock = NSLock()
  private var bytes = Data()

  func add(_ more: Data) { lock.withLock { bytes.append(more) } }
  var data: Data { lock.withLock { bytes } }
}
