import Foundation
import OpenLedgerKit
import Testing

/// What a person gets wrong naming or using a remote: each mistake is refused, saying what to
/// write instead, before anything is written where it should not be.
@Suite struct RemoteMistakeTests {
  typealias Machine = RemoteTests.Machine

  /// alice's store with the Datanet `notes`, pushed to the directory `shared`.
  func start() throws -> (Sandbox, alice: Machine, bob: Machine, remote: String) {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try RemoteTests().start(remote)
    return (sandbox, alice, bob, remote)
  }

  /// A URL with a typo, or a `~` the shell did not expand, is no directory: it is refused (64)
  /// with the likely fix, and no remote is added, nor anything cloned.
  @Test func aMistypedURLIsNotTakenForADirectory() throws {
    let (sandbox, alice, bob, _) = try start()
    for (url, says) in [
      ("s3:/lab-datanets/papers", "did you mean s3://lab-datanets/papers?"),
      ("s3//lab-datanets/papers", "did you mean s3://lab-datanets/papers?"),
      ("S3:lab-datanets", "did you mean s3://lab-datanets?"),
      ("file:/tmp/x", "did you mean file:///tmp/x?"),
      ("https:/host/x", "did you mean https://host/x?"),
      ("gs:/bucket/x", "looks like a mistyped URL"),
      (
        "~/share",
        "the shell did not expand ~ (it was quoted); write the full path, \(alice.home)/share"
      ),
      ("~bob/share", "the shell did not expand ~"),
    ] {
      let result = try alice.run(["remote", "add", "backup", url])
      #expect(result.status == 64, "\(url): \(result.stderr)")
      #expect(result.stderr.contains(says), "\(url): \(result.stderr)")
    }
    #expect(!(try alice.ok(["remote", "list"])).contains("backup"))
    #expect(!FileManager.default.fileExists(atPath: "\(alice.home)/work/s3:"))
    let clone = try bob.run(["clone", "s3:/lab-datanets/papers"])
    #expect(clone.status == 64, "\(clone.stderr)")
    #expect(clone.stderr.contains("did you mean s3://lab-datanets/papers?"), "\(clone.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: "\(bob.home)/work").isEmpty)
    // A directory whose name has a colon can still be named, from ./.
    try alice.ok(["remote", "add", "odd", "./s3:odd"])
    #expect(try alice.ok(["remote", "list"]).contains("\(alice.home)/work/./s3:odd"))
    _ = sandbox
  }

  /// A directory that is not there (a typo in the path), or a file, is a path to check (66),
  /// not a remote that cannot be reached: no advice about endpoints and the network.
  @Test func aMissingDirectoryIsNotFound() throws {
    let (sandbox, alice, bob, remote) = try start()
    let clone = try bob.run(["clone", "\(sandbox.root)/shraed", "c"])
    #expect(clone.status == 66, "\(clone.stderr)")
    #expect(
      clone.stderr.contains("remote \(sandbox.root)/shraed does not exist; check the path"),
      "\(clone.stderr)")
    #expect(!clone.stderr.contains("endpoint"), "\(clone.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "\(bob.home)/work/c"))
    try alice.write("a-file", "not a directory")
    try alice.ok(["remote", "add", "file", "a-file"])
    let pull = try alice.run(["pull", "file"])
    #expect(pull.status == 66, "\(pull.stderr)")
    #expect(pull.stderr.contains("\(alice.home)/work/a-file is a file"), "\(pull.stderr)")
    try alice.ok(["pull"])
    _ = remote
  }

  /// A store's directory, or the one holding it, is no remote: adding it is refused, and so is
  /// a push to it (a remote added before this was refused), with nothing written into the
  /// store.
  @Test func aStoreIsNotPushedInto() throws {
    let (sandbox, alice, bob, remote) = try start()
    try bob.ok(["clone", remote, "c"])
    let store = "\(bob.home)/work/c/.openledger"
    for (url, says) in [
      (store, "\(store) holds no openledger remote: it is an openledger store"),
      ("\(bob.home)/work/c", "it holds the openledger store \(store)"),
      ("file://\(store)", "which a push would write into"),
    ] {
      let added = try alice.run(["remote", "add", "bob", url])
      #expect(added.status == 66, "\(url): \(added.stderr)")
      #expect(added.stderr.contains(says), "\(url): \(added.stderr)")
    }
    // A remote added by an older openledger, in config.json.
    let config = "\(alice.home)/work/.openledger/config.json"
    var object = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: config)))
        as? [String: Any])
    object["remotes"] = [["name": "bob", "url": store]]
    try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: config))
    let push = try alice.run(["push", "bob"])
    #expect(push.status == 66, "\(push.stderr)")
    #expect(push.stderr.contains("it is an openledger store"), "\(push.stderr)")
    for name in ["heads", "packs", RemoteLayout.marker] {
      #expect(!FileManager.default.fileExists(atPath: "\(store)/\(name)"), "\(name)")
    }
    try bob.ok(["validate"], in: "\(bob.home)/work/c")
    _ = sandbox
  }

  /// `--endpoint` is for S3: given with a directory or a web server it would be ignored, so it
  /// is refused; the help says where the endpoint comes from otherwise, in the order used.
  @Test func anEndpointIsOnlyForS3() throws {
    let (sandbox, alice, bob, remote) = try start()
    for url in [remote, "https://example.org/notes"] {
      let added = try alice.run(["remote", "add", "other", url, "--endpoint", "http://h:9000"])
      #expect(added.status == 64, "\(url): \(added.stderr)")
      #expect(added.stderr.contains("is for an S3 remote"), "\(url): \(added.stderr)")
    }
    let clone = try bob.run(["clone", remote, "c", "--endpoint", "http://h:9000"])
    #expect(clone.status == 64, "\(clone.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "\(bob.home)/work/c"))
    for command in [["remote", "add"], ["clone"]] {
      let help = try sandbox.ok(command + ["--help"])
      #expect(
        help.contains("$AWS_ENDPOINT_URL_S3, else $AWS_ENDPOINT_URL"), "\(command): \(help)")
    }
  }

  /// `rewards compute` asks every remote first: one that cannot be asked is named, with the
  /// way to compute without it.
  @Test func rewardsNameTheRemoteThatCannotBeAsked() throws {
    let (sandbox, alice, _, _) = try start()
    let accepted = try alice.contribute("a.jsonl", "A note on the plane trees planted in 1920.")
    try alice.ok(["review", "accept", accepted])
    try alice.ok(["index", "build", "notes"])
    try alice.ok(["remote", "add", "gone", "\(sandbox.root)/unmounted"])
    try alice.write(
      "log.jsonl",
      "{\"id\": \"q1\", \"output\": \"the plane trees planted in 1920\", \"fee\": \"100\"}\n")
    let refused = try alice.run(["rewards", "compute", "notes", "--inferences", "log.jsonl"])
    #expect(refused.status == 66, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("cannot ask remote gone whether it holds changes to notes"),
      "\(refused.stderr)")
    #expect(refused.stderr.contains("--offline"), "\(refused.stderr)")
    #expect(refused.stderr.contains("openledger remote remove gone"), "\(refused.stderr)")
    try alice.ok(["rewards", "compute", "notes", "--inferences", "log.jsonl", "--offline"])
  }

  /// The remote argument's default is said once.
  @Test func theDefaultRemoteIsSaidOnce() throws {
    let sandbox = try Sandbox()
    for command in ["push", "pull"] {
      let help = try sandbox.ok([command, "--help"])
      #expect(help.components(separatedBy: "(default: origin)").count == 2, "\(help)")
    }
  }

  /// A Datanet's name where the remote's goes (`pull notes`) says how to name a Datanet.
  @Test func aDatanetGivenAsTheRemoteSaysHowToNameIt() throws {
    let (_, alice, _, _) = try start()
    for command in ["pull", "push"] {
      let result = try alice.run([command, "notes"])
      #expect(result.status == 66, "\(result.stderr)")
      #expect(
        result.stderr.contains(
          "no remote named 'notes' in this store, but a Datanet is: to \(command) only it, "
            + "write `openledger \(command) --datanet notes` (remotes: origin)"),
        "\(result.stderr)")
    }
    let unknown = try alice.run(["pull", "upstream"])
    #expect(unknown.stderr.contains("no remote named 'upstream' in this store (known: origin)"))
  }

  /// A clone holding a redacted shard in place of the original while its ledger does not take
  /// the erased record down: what a remote that lost the original before the takedown was
  /// pushed serves. Returns bob, the clone's directory, and the contribution and record.
  private func cloneOfARecordErasedWithoutItsTakedown() throws -> (
    bob: Machine, clone: String, contribution: String, record: String
  ) {
    let (_, alice, bob, remote) = try start()
    let (contribution, record) = try RemoteTests().contributeASecret(alice)
    try alice.ok(["push"])
    try alice.ok(["takedown", "notes", "--record", record, "--reason", "personal data"])
    try alice.ok(["gc"])

    // The remote gets the redacted shard in the original's place, and not the takedown.
    func objects(_ root: String, holding marker: String) throws -> [String] {
      try FileManager.default.subpathsOfDirectory(atPath: "\(root)/objects/sha256").filter {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: "\(root)/objects/sha256/\($0)")))
        return data.map { String(decoding: $0, as: UTF8.self).contains(marker) } ?? false
      }
    }
    let original = try #require(try objects(remote, holding: "gardener").first)
    let redacted = try #require(
      try objects("\(alice.home)/work/.openledger", holding: "OLSHARDR").first)
    try FileManager.default.removeItem(atPath: "\(remote)/objects/sha256/\(original)")
    try FileManager.default.createDirectory(
      atPath: "\(remote)/objects/sha256/\(redacted.prefix(2))", withIntermediateDirectories: true)
    try FileManager.default.copyItem(
      atPath: "\(alice.home)/work/.openledger/objects/sha256/\(redacted)",
      toPath: "\(remote)/objects/sha256/\(redacted)")
    let hex = { (path: String) in path.replacingOccurrences(of: "/", with: "") }
    try FileManager.default.createDirectory(
      atPath: "\(remote)/redactions/\(hex(original))", withIntermediateDirectories: true)
    try Data().write(
      to: URL(fileURLWithPath: "\(remote)/redactions/\(hex(original))/\(hex(redacted))"))

    try bob.ok(["clone", remote, "c"])
    return (bob, "\(bob.home)/work/c", contribution, record)
  }

  /// Such a record is not exported as a line without a record: the export fails (1), naming
  /// the record, and writes nothing.
  @Test func aRecordErasedWithoutItsTakedownIsNotExported() throws {
    let (bob, clone, contribution, record) = try cloneOfARecordErasedWithoutItsTakedown()
    let export = try bob.run(["export", "notes", "--out", "x"], in: clone)
    #expect(export.status == 1, "\(export.stderr)")
    #expect(
      export.stderr.contains("record \(record) of contribution \(contribution.prefix(12))"),
      "\(export.stderr)")
    #expect(export.stderr.contains("nothing was written"), "\(export.stderr)")
    #expect(export.stderr.contains("openledger validate"), "\(export.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: clone) == [".openledger"])
  }

  /// Nor is it indexed as an empty record, which attribution would then credit from an index
  /// built on bytes that are gone: `index build` fails (1), naming it, and lists no segment.
  @Test func aRecordErasedWithoutItsTakedownIsNotIndexed() throws {
    let (bob, clone, contribution, record) = try cloneOfARecordErasedWithoutItsTakedown()
    let build = try bob.run(["index", "build", "notes"], in: clone)
    #expect(build.status == 1, "\(build.stderr)")
    #expect(
      build.stderr.contains("record \(record) of contribution \(contribution.prefix(12))"),
      "\(build.stderr)")
    #expect(build.stderr.contains("pull the takedown"), "\(build.stderr)")
    let status = try bob.json(["index", "status", "notes"], in: clone)
    let segmentsListed = (status as? [String: Any])?["segments"] as? [Any]
    #expect(segmentsListed?.isEmpty == true, "\(status)")
    // Nor a segment's files: `indexes/<datanet>/<segment>/`, both named by 64-hex ids.
    let files =
      (try? FileManager.default.subpathsOfDirectory(atPath: "\(clone)/.openledger/indexes")) ?? []
    let segments = files.filter { path in
      path.split(separator: "/").filter { $0.count == 64 && $0.allSatisfy(\.isHexDigit) }
        .count > 1
    }
    #expect(segments.isEmpty, "\(segments)")
  }
}
