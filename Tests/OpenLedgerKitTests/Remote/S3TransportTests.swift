import Foundation
import Testing

@testable import OpenLedgerKit

/// The S3 transport against moto's S3 server with authentication on (RemoteTestServers.swift):
/// every request's signature is checked, and each test works in a bucket of its own.
@Suite(.enabled(if: MotoServer.python != nil, MotoServer.skipReason), .motoServer)
struct S3TransportTests {
  private let server: MotoServer

  init() throws {
    server = try #require(MotoServer.current)
  }

  @Test func putIsCreateOnlyAndListingIsSortedByKey() throws {
    let remote = S3Transport(configuration: try server.bucket())
    #expect(try remote.put("refs/d/b", data: Data("one".utf8)) == .created)
    #expect(try remote.put("refs/d/b", data: Data("two".utf8)) == .existed)
    #expect(try remote.get("refs/d/b") == Data("one".utf8))
    #expect(try remote.put("refs/d/a", data: Data("three".utf8)) == .created)
    #expect(try remote.put("objects/x", data: Data()) == .created)
    #expect(try remote.get("objects/x") == Data())
    #expect(try remote.list(prefix: "refs/d/").map(\.key) == ["refs/d/a", "refs/d/b"])
    #expect(try remote.list(prefix: "refs/d/").map(\.size) == [5, 3])
    // The check file of conditional writes is not the caller's and is not listed.
    #expect(try remote.list(prefix: "").map(\.key) == ["objects/x", "refs/d/a", "refs/d/b"])
    #expect(try remote.list(prefix: "refs/d/a").map(\.key) == ["refs/d/a"])
    #expect(try remote.list(prefix: "nothing/").isEmpty)
    #expect(try remote.has("refs/d/a"))
    #expect(try !remote.has("refs/d/c"))
    try remote.delete("refs/d/a")
    try remote.delete("refs/d/a")
    #expect(try !remote.has("refs/d/a"))
    let missing = #expect(throws: RemoteError.self) { try remote.get("refs/d/a") }
    #expect(missing?.kind == .notFound)
    #expect(missing?.description == "remote \(remote.location) has no file refs/d/a")
    #expect(throws: RemoteError.self) { try remote.put("../x", data: Data()) }
  }

  @Test func aRemoteSeesOnlyItsPrefix() throws {
    let first = try server.bucket(prefix: "one/")
    var second = first
    second.prefix = "one-more/"
    let one = S3Transport(configuration: first)
    let oneMore = S3Transport(configuration: second)
    #expect(try one.put("refs/a", data: Data("1".utf8)) == .created)
    #expect(try oneMore.put("refs/a", data: Data("22".utf8)) == .created)
    #expect(try one.list(prefix: "").map(\.key) == ["refs/a"])
    #expect(try oneMore.list(prefix: "refs/").map(\.size) == [2])
    #expect(try one.get("refs/a") == Data("1".utf8))
  }

  /// Files above the threshold go up in parts (a multipart object's ETag ends in the number of
  /// parts), create-only like the rest.
  @Test func largeFilesGoUpInParts() throws {
    var configuration = try server.bucket()
    configuration.multipartThreshold = 6 << 20
    configuration.partSize = 5 << 20
    let remote = S3Transport(configuration: configuration)
    let directory = try TemporaryDirectory()
    let source = "\(directory.path)/shard"
    let bytes = Data((0..<(13 << 20) + 7).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 11) })
    try bytes.write(to: URL(fileURLWithPath: source))

    #expect(try remote.put("objects/big", contentsOf: source) == .created)
    #expect(try remote.get("objects/big") == bytes)
    let etag = try #require(try remote.head("objects/big")?["etag"])
    #expect(etag.hasSuffix("-3\""), "\(etag)")
    #expect(try remote.list(prefix: "objects/").map(\.size) == [bytes.count])
    #expect(try remote.put("objects/big", contentsOf: source) == .existed)
    // A small file of that key does not give way to a large one, nor a large one to a small.
    #expect(try remote.put("objects/small", data: Data("small".utf8)) == .created)
    #expect(try remote.put("objects/small", data: bytes) == .existed)
    #expect(try remote.get("objects/small") == Data("small".utf8))
    #expect(try remote.put("objects/big", data: Data("small".utf8)) == .existed)
    #expect(try remote.get("objects/big").count == bytes.count)
  }

  /// A push killed while sending a large file leaves an incomplete multipart upload, invisible
  /// but billed: `gc --remote` aborts those under the remote's prefix that were initiated a day
  /// ago or more, counting them and their parts' bytes, and leaves another prefix's alone.
  @Test func gcRemoteAbortsAbandonedUploadsUnderItsPrefix() throws {
    let configuration = try server.bucket(prefix: "remote/")
    var other = configuration
    other.prefix = "remote-other/"
    let remote = S3Transport(configuration: configuration)
    let neighbour = S3Transport(configuration: other)
    let killed = try remote.initiateUpload("objects/big")
    _ = try remote.uploadPart(
      "objects/big", uploadID: killed, number: 1, Data(repeating: 7, count: 1000))
    let theirs = try neighbour.initiateUpload("objects/big")
    #expect(try remote.incompleteUploads().map(\.uploadID) == [killed])
    // moto dates every upload 2010-11-10: one initiated less than 20 years ago stays.
    #expect(try remote.abortAbandonedUploads(olderThan: 20 * 365 * 86_400).count == 0)
    #expect(try remote.incompleteUploads().map(\.uploadID) == [killed])

    let fixture = try Fixture()
    let report = try RemoteSync(store: fixture.store, remote: "origin", transport: remote)
      .eraseRemovedBytes()
    #expect(report.abandonedUploads == 1)
    #expect(report.bytesFreed == 1000)
    #expect(try remote.incompleteUploads().isEmpty)
    #expect(try neighbour.incompleteUploads().map(\.uploadID) == [theirs])
    let json = try #require(
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
    #expect(json["abandonedUploads"] as? Int == 1)
  }

  /// Keys refused the listing of uploads (made for pushing) do not make `gc --remote` fail
  /// after it erased what it had to: the uploads are left, and the report says which
  /// permission was refused.
  @Test func gcRemoteWithKeysRefusedTheUploadsLeavesThem() throws {
    var configuration = try server.bucket(prefix: "remote/")
    let killed = try S3Transport(configuration: configuration).initiateUpload("objects/big")
    configuration.credentials = server.keeper
    let remote = S3Transport(configuration: configuration)
    #expect(throws: RemoteError.self) { try remote.incompleteUploads() }

    let fixture = try Fixture()
    let report = try RemoteSync(store: fixture.store, remote: "origin", transport: remote)
      .eraseRemovedBytes()
    #expect(report.abandonedUploads == 0)
    let refused = try #require(report.uploadsUnchecked)
    #expect(refused.contains("s3:ListBucketMultipartUploads"), "\(refused)")
    configuration.credentials = server.writer
    #expect(
      try S3Transport(configuration: configuration).incompleteUploads().map(\.uploadID) == [
        killed
      ])
  }

  @Test func listingsComeInPages() throws {
    var configuration = try server.bucket()
    configuration.listPageSize = 2
    let remote = S3Transport(configuration: configuration)
    let keys = (0..<7).map { "objects/sha256/0\($0)/\(String(repeating: "e", count: 62))" }
    for key in keys.reversed() { _ = try remote.put(key, data: Data(key.utf8)) }
    let listed = try remote.list(prefix: "objects/")
    #expect(listed.map(\.key) == keys)
    #expect(listed.allSatisfy { $0.size == $0.key.utf8.count })
  }

  /// The sync engine transfers in parallel through one transport.
  @Test func oneTransportServesManyThreads() throws {
    let remote = S3Transport(configuration: try server.bucket())
    let keys = (0..<24).map { "objects/\($0)" }
    let outcomes = Locked([RemotePutOutcome?](repeating: nil, count: keys.count))
    DispatchQueue.concurrentPerform(iterations: keys.count) { index in
      let outcome = try? remote.put(
        keys[index], data: Data(repeating: UInt8(index), count: 1000 + index))
      outcomes.withLock { $0[index] = outcome }
    }
    #expect(outcomes.withLock { $0 }.allSatisfy { $0 == .created })
    #expect(try remote.list(prefix: "objects/").count == keys.count)
    for (index, key) in keys.enumerated() {
      #expect(try remote.get(key) == Data(repeating: UInt8(index), count: 1000 + index))
    }
  }

  /// A wrong secret, an unknown key and a key without the right are refused with exit 77, and
  /// the message says which variable (or profile setting) to check.
  @Test func wrongCredentialsAreRefusedNamingWhatToCheck() throws {
    let configuration = try server.bucket()
    let writer = S3Transport(configuration: configuration)
    #expect(try writer.put("refs/a", data: Data("a".utf8)) == .created)

    func refusal(
      _ credentials: AWSCredentials, source: S3Configuration.CredentialSource = .environment,
      _ operation: (S3Transport) throws -> Void
    ) -> RemoteError? {
      var changed = configuration
      changed.credentials = credentials
      changed.credentialSource = source
      do {
        try operation(S3Transport(configuration: changed))
        return nil
      } catch let error as RemoteError {
        return error
      } catch {
        Issue.record("unexpected \(error)")
        return nil
      }
    }
    let wrongSecret = AWSCredentials(
      accessKeyID: server.writer.accessKeyID, secretAccessKey: "wrong")
    for operation: (S3Transport) throws -> Void in [
      { _ = try $0.get("refs/a") }, { _ = try $0.has("refs/a") }, { _ = try $0.list(prefix: "") },
      { _ = try $0.put("refs/b", data: Data()) },
    ] {
      let error = try #require(refusal(wrongSecret, operation))
      guard case .accessDenied = error else {
        Issue.record("\(error)")
        continue
      }
      #expect(error.kind.exitStatus == 77)
      #expect(error.description.contains("AWS_SECRET_ACCESS_KEY"), "\(error)")
    }
    let unknownKey = AWSCredentials(accessKeyID: "AKIAUNKNOWN000000000", secretAccessKey: "x")
    let unknown = try #require(refusal(unknownKey) { _ = try $0.get("refs/a") })
    #expect(unknown.description.contains("check AWS_ACCESS_KEY_ID"), "\(unknown)")
    let profile = try #require(
      refusal(wrongSecret, source: .profile(name: "team", file: "/home/u/.aws/credentials")) {
        _ = try $0.get("refs/a")
      })
    #expect(profile.description.contains("aws_secret_access_key of profile 'team'"), "\(profile)")
    // The reader may read, not write.
    let reader = try #require(refusal(server.reader) { _ = try $0.put("refs/b", data: Data()) })
    #expect(reader.kind.exitStatus == 77)
    #expect(reader.description.contains("may not do this"), "\(reader)")
    var readerConfiguration = configuration
    readerConfiguration.credentials = server.reader
    #expect(try S3Transport(configuration: readerConfiguration).get("refs/a") == Data("a".utf8))
  }

  @Test func aMissingBucketIsNamed() throws {
    var configuration = try server.bucket()
    configuration.bucket = "openledger-no-such-bucket"
    let remote = S3Transport(configuration: configuration)
    do {
      _ = try remote.list(prefix: "")
      Issue.record("listed a bucket that does not exist")
    } catch let error as RemoteError {
      #expect(
        error.description.contains("bucket openledger-no-such-bucket does not exist"), "\(error)")
    }
  }

  /// Informational: `OPENLEDGER_S3_THROUGHPUT=1 swift test --skip-build --filter throughput`.
  @Test(.enabled(if: ProcessInfo.processInfo.environment["OPENLEDGER_S3_THROUGHPUT"] != nil))
  func throughput() throws {
    let remote = S3Transport(configuration: try server.bucket())
    let directory = try TemporaryDirectory()
    let source = "\(directory.path)/shard"
    let size = 256 << 20
    var bytes = Data(count: size)
    bytes.withUnsafeMutableBytes { buffer in
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      for index in stride(from: 0, to: size, by: 8) {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        buffer.storeBytes(of: state, toByteOffset: index, as: UInt64.self)
      }
    }
    try bytes.write(to: URL(fileURLWithPath: source))
    let start = Date()
    #expect(try remote.put("objects/big", contentsOf: source) == .created)
    let uploaded = Date()
    let fetched = try remote.get("objects/big")
    let downloaded = Date()
    #expect(fetched == bytes)
    let megabytes = Double(size) / 1_048_576
    print(
      "S3 throughput against moto, 256 MiB: upload \(megabytes / uploaded.timeIntervalSince(start)) "
        + "MiB/s, download \(megabytes / downloaded.timeIntervalSince(uploaded)) MiB/s")
  }
}
