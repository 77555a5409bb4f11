import Foundation
import OpenLedgerKit
import Testing

/// Rough edges a new user of remotes meets: each does what the user meant, or says why not.
@Suite struct RemoteEdgeTests {
  typealias Machine = RemoteTests.Machine

  /// A push with nothing to push says so, rather than printing nothing; `-q` keeps it quiet
  /// and the JSON report is the same as before.
  @Test func aPushWithNothingToPushSaysSo() throws {
    let sandbox = try Sandbox()
    let alice = try Machine(sandbox, "alice")
    try alice.ok(["init"])
    try alice.ok(["remote", "add", "origin", "\(sandbox.root)/shared"])
    let push = try alice.run(["push"])
    #expect(push.status == 0, "\(push.stderr)")
    #expect(
      push.stderr.contains("nothing to push to origin: this store holds no Datanet"),
      "\(push.stderr)")
    let quiet = try alice.run(["push", "-q"])
    #expect(quiet.status == 0 && quiet.stdout.isEmpty && quiet.stderr.isEmpty, "\(quiet)")
    let report = try #require(try alice.json(["push"]) as? [String: Any])
    #expect((report["datanets"] as? [Any])?.isEmpty == true)
    try alice.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    try alice.ok(["push"])
    #expect(try alice.ok(["push"]) == "notes: origin is up to date\n")
    _ = sandbox
  }

  /// `remote add` of an S3 URL keeps the endpoint the environment gives, as `clone` does, so
  /// that a pull from a shell without the variable does not go to AWS; it says so.
  @Test func remoteAddKeepsTheEndpointOfTheEnvironment() throws {
    let sandbox = try Sandbox()
    let alice = try Machine(sandbox, "alice")
    try alice.ok(["init"])
    let endpoints = { () throws -> [String: String] in
      let listed = try #require(try alice.json(["remote", "list"]) as? [[String: Any]])
      return listed.reduce(into: [:]) {
        $0[$1["name"] as? String ?? ""] = $1["endpoint"] as? String
      }
    }
    let add = { (arguments: [String], variables: [String: String]) throws -> RunResult in
      try sandbox.run(
        ["remote", "add"] + arguments, in: "\(alice.home)/work",
        environment: alice.environment.merging(variables) { $1 })
    }
    let minio = ["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]
    let added = try add(["origin", "s3://lab-datanets/notes"], minio)
    #expect(added.status == 0, "\(added.stderr)")
    #expect(
      added.stdout
        == "Added remote origin (s3://lab-datanets/notes), with the endpoint "
        + "http://127.0.0.1:9 from $AWS_ENDPOINT_URL\n", "\(added.stdout)")
    // AWS_ENDPOINT_URL_S3 comes first, as for S3 itself; --endpoint before both; a directory
    // remote takes none.
    let both = minio.merging(["AWS_ENDPOINT_URL_S3": "http://127.0.0.1:10"]) { $1 }
    #expect(try add(["s3", "s3://lab-datanets/s3"], both).status == 0)
    #expect(
      try add(["given", "s3://lab-datanets/given", "--endpoint", "http://h:1"], both).status == 0)
    #expect(try add(["dir", "\(sandbox.root)/shared"], both).status == 0)
    #expect(
      try add(["aws", "s3://lab-datanets/aws"], [:]).stdout.hasSuffix("(s3://lab-datanets/aws)\n"))
    #expect(
      try endpoints() == [
        "origin": "http://127.0.0.1:9", "s3": "http://127.0.0.1:10", "given": "http://h:1",
      ])
    _ = sandbox
  }

  /// `clone --datanet` takes a Datanet's id, or a prefix of it, as well as its name; a name
  /// two Datanets of the remote share is refused, listing their ids to pass instead.
  @Test func cloneTakesADatanetIDAndRefusesASharedName() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try RemoteTests().start(remote)
    // carol makes another `notes` and pushes it elsewhere; the two remotes are then merged
    // (files copied over, as a sync tool would), so the remote holds two Datanets `notes`.
    let carol = try Machine(sandbox, "carol")
    try carol.ok(["init"])
    try carol.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    try carol.ok(["remote", "add", "origin", "\(sandbox.root)/elsewhere"])
    try carol.ok(["push"])
    let copy = try runProcess("/bin/cp", ["-R", "\(sandbox.root)/elsewhere/.", remote])
    #expect(copy.status == 0, "\(copy.stderr)")
    func id(_ machine: Machine, in directory: String? = nil) throws -> String {
      try #require(
        (try machine.json(["datanet", "show", "notes"], in: directory) as? [String: Any])?["id"]
          as? String)
    }
    let (aliceNotes, carolNotes) = (try id(alice), try id(carol))
    let shared = try bob.run(["clone", remote, "c", "--datanet", "notes"])
    #expect(shared.status == 64, "\(shared.stderr)")
    #expect(shared.stderr.contains("holds several Datanets named 'notes'"), "\(shared.stderr)")
    for id in [aliceNotes, carolNotes] {
      #expect(shared.stderr.contains(id), "\(shared.stderr)")
    }
    #expect(!FileManager.default.fileExists(atPath: "\(bob.home)/work/c"))
    // By 8 digits of its id, then by the whole id; later pulls keep to it.
    try bob.ok(["clone", remote, "a", "--datanet", String(aliceNotes.prefix(8))])
    #expect(try id(bob, in: "\(bob.home)/work/a") == aliceNotes)
    try bob.ok(["pull"], in: "\(bob.home)/work/a")
    try bob.ok(["clone", remote, "b", "--datanet", carolNotes.uppercased()])
    #expect(try id(bob, in: "\(bob.home)/work/b") == carolNotes)
    // An id prefix of no Datanet there is not found, naming what the remote holds.
    let unknown =
      aliceNotes.hasPrefix("0123") || carolNotes.hasPrefix("0123") ? "fedcba98" : "01234567"
    let missing = try bob.run(["clone", remote, "d", "--datanet", unknown])
    #expect(missing.status == 66, "\(missing.stderr)")
    #expect(
      missing.stderr.contains("holds no Datanet named \(unknown) (it holds notes)"),
      "\(missing.stderr)")
    _ = sandbox
  }

  /// A remote URL or `--endpoint` that is wrong whatever the surroundings is a mistake in the
  /// command line, followed by the command's usage as other usage errors are; a usage error
  /// found once the command runs (a push to a read-only remote) is its message alone.
  @Test func aMalformedRemoteArgumentIsFollowedByTheUsage() throws {
    let sandbox = try Sandbox()
    let alice = try Machine(sandbox, "alice")
    try alice.ok(["init"])
    for (command, rest) in [
      (["remote", "add"], ["backup", "s3:/lab-datanets/notes"]),
      (["remote", "add"], ["backup", "\(sandbox.root)/x", "--endpoint", "http://h:9000"]),
      (["remote", "add"], ["backup", "s3://"]),
      (["clone"], ["s3:/lab-datanets/notes"]),
      (["clone"], ["\(sandbox.root)/x", "--endpoint", "http://h:9000"]),
    ] {
      let result = try alice.run(command + rest)
      let name = command.joined(separator: " ")
      #expect(result.status == 64, "\(rest): \(result.stderr)")
      #expect(result.stderr.hasPrefix("openledger: error: "), "\(rest): \(result.stderr)")
      #expect(result.stderr.contains("Usage: openledger \(name) "), "\(rest): \(result.stderr)")
      #expect(
        result.stderr.contains("See 'openledger \(name) --help'"), "\(rest): \(result.stderr)")
    }
    try alice.ok(["remote", "add", "web", "https://example.org/notes"])
    let push = try alice.run(["push", "web"])
    #expect(push.status == 64, "\(push.stderr)")
    #expect(!push.stderr.contains("Usage:"), "\(push.stderr)")
    #expect(push.stderr.split(separator: "\n").count == 1, "\(push.stderr)")
    _ = sandbox
  }
}
