import Foundation
import OpenLedgerKit
import Testing

/// Two "machines" (two store directories with separate identity homes) sharing Datanets
/// through a remote, and a remote as untrusted input.
@Suite struct RemoteTests {
  /// One person's machine: a working directory and an identity home of their own.
  struct Machine {
    let sandbox: Sandbox
    let name: String

    var home: String { "\(sandbox.root)/\(name)" }
    var environment: [String: String] {
      ["XDG_CONFIG_HOME": "\(home)/config", "HOME": home]
    }

    init(_ sandbox: Sandbox, _ name: String) throws {
      self.sandbox = sandbox
      self.name = name
      try FileManager.default.createDirectory(
        atPath: "\(home)/work", withIntermediateDirectories: true)
      try ok(["identity", "new", name])
    }

    @discardableResult
    func run(_ arguments: [String], in directory: String? = nil) throws -> RunResult {
      try sandbox.run(arguments, in: directory ?? "\(home)/work", environment: environment)
    }

    @discardableResult
    func ok(
      _ arguments: [String], in directory: String? = nil,
      sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws -> String {
      let result = try run(arguments, in: directory)
      #expect(
        result.status == 0,
        "\(name): openledger \(arguments.joined(separator: " ")) failed: \(result.stderr)",
        sourceLocation: sourceLocation)
      return result.stdout
    }

    func write(_ name: String, _ text: String, in directory: String? = nil) throws {
      try Data(text.utf8).write(
        to: URL(fileURLWithPath: "\(directory ?? "\(home)/work")/\(name)"))
    }

    func json(_ arguments: [String], in directory: String? = nil) throws -> Any {
      try decodeJSON(try ok(arguments + ["--format", "json"], in: directory))
    }

    func status(of contribution: String, in directory: String? = nil) throws -> String? {
      let listing = try #require(
        try json(["review", "list", "notes", "--status", "all"], in: directory)
          as? [[String: Any]])
      return listing.first { $0["id"] as? String == contribution }?["status"] as? String
    }

    func contribute(_ file: String, _ text: String, in directory: String? = nil) throws -> String {
      try write(file, "{\"text\": \"\(text)\"}\n", in: directory)
      let result = try #require(
        try json(["contribute", "notes", file], in: directory) as? [String: Any])
      return try #require(result["contribution"] as? String)
    }
  }

  /// alice's store with the Datanet `notes`, pushed to `remote`.
  func start(_ remote: String) throws -> (Sandbox, alice: Machine, bob: Machine) {
    let sandbox = try Sandbox()
    let alice = try Machine(sandbox, "alice")
    let bob = try Machine(sandbox, "bob")
    try alice.ok(["init"])
    try alice.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    try alice.ok(["remote", "add", "origin", remote])
    try alice.ok(["push"])
    return (sandbox, alice, bob)
  }

  /// `machine` contributes a note and a secret (the gardener's phone number) to `notes`, and
  /// accepts them; the contribution, and the id of the secret's record.
  func contributeASecret(_ machine: Machine) throws -> (contribution: String, record: String) {
    let secret = "Private phone number of the gardener: 555 0199, call after six."
    try machine.write(
      "a.jsonl",
      "{\"text\": \"A note on the plane trees planted in 1920.\"}\n{\"text\": \"\(secret)\"}\n")
    let contribution = try #require(
      (try machine.json(["contribute", "notes", "a.jsonl"]) as? [String: Any])?["contribution"]
        as? String)
    try machine.ok(["review", "accept", contribution])
    return (contribution, Digest.of(Data("{\"text\":\"\(secret)\"}".utf8)).hex)
  }

  /// The collaboration of issue 15's "Done means", over a directory.
  @Test func twoMachinesCollaborateThroughADirectory() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try bob.ok(["clone", remote, "notes-clone"])
    let clone = "\(bob.home)/work/notes-clone"
    let contribution = try bob.contribute(
      "b.jsonl", "Bob saw a zyzzogeton beetle under the lindens by the school gate.", in: clone)
    try bob.ok(["push"], in: clone)

    let pulled = try #require(try alice.json(["pull"]) as? [String: Any])
    let datanets = try #require(pulled["datanets"] as? [[String: Any]])
    #expect(datanets.first?["events"] as? Int == 1)
    #expect(datanets.first?["mode"] as? String == "incremental")
    #expect(try alice.status(of: contribution) == "pending")
    try alice.ok(["review", "accept", contribution])
    try alice.ok(["push"])

    try bob.ok(["pull"], in: clone)
    #expect(try bob.status(of: contribution, in: clone) == "accepted")
    for (machine, directory) in [(alice, nil), (bob, clone)] {
      try machine.ok(["validate"], in: directory)
    }
    // Nothing new: a pull is a couple of requests, whatever the Datanet's size.
    let again = try #require(try bob.json(["pull"], in: clone) as? [String: Any])
    #expect((again["requests"] as? Int ?? 99) <= 2)
    // Both stores hold the same ledger.
    #expect(
      try alice.ok(["log", "notes", "--format", "json"])
        == bob.ok(["log", "notes", "--format", "json"], in: clone))
  }

  /// alice's `notes` with bob as a second curator and one contribution of alice's, pending,
  /// cloned by bob into `clone`.
  func withCuratorBob() throws -> (
    alice: Machine, bob: Machine, bobAccount: String, clone: String, contribution: String
  ) {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    let bobAccount = try #require(
      (try bob.json(["identity", "show", "bob"]) as? [String: Any])?["account"] as? String)
    try alice.ok(["datanet", "update", "notes", "--add-curator", bobAccount])
    let contribution = try alice.contribute("a.jsonl", "A note on the plane trees of 1920.")
    try alice.ok(["push"])
    try bob.ok(["clone", remote, "c"])
    let clone = "\(bob.home)/work/c"
    return (alice, bob, bobAccount, clone, contribution)
  }

  /// Curators on two machines decide the same contribution apart: after both push and pull,
  /// both stores hold the same decision, and each pull reports the conflict.
  @Test func concurrentDecisionsEndTheSameOnBothMachines() throws {
    let (alice, bob, _, clone, contribution) = try withCuratorBob()
    try alice.ok(["review", "accept", contribution])
    try bob.ok(["review", "reject", contribution, "--reason", "off topic"], in: clone)
    try alice.ok(["push"])
    try bob.ok(["push"], in: clone)
    let alicePull = try #require(try alice.json(["pull"]) as? [String: Any])
    let bobPull = try #require(try bob.json(["pull"], in: clone) as? [String: Any])
    let statusA = try alice.status(of: contribution)
    #expect(statusA == (try bob.status(of: contribution, in: clone)))
    #expect(statusA == "accepted" || statusA == "rejected")
    // Each pull reports the one conflict, naming the same losing review.
    func conflicts(_ report: [String: Any]) -> [String] {
      ((report["datanets"] as? [[String: Any]]) ?? []).flatMap {
        (($0["conflicts"] as? [[String: Any]]) ?? []).compactMap { $0["event"] as? String }
      }
    }
    #expect(conflicts(alicePull).count == 1)
    #expect(conflicts(alicePull) == conflicts(bobPull))
    for (machine, directory) in [(alice, nil), (bob, clone)] {
      try machine.ok(["validate"], in: directory)
    }
    // A later clone counts the past conflict instead of listing it as news.
    try alice.ok(["push"])
    let remote = try #require(
      (try alice.json(["remote", "list"]) as? [[String: Any]])?.first?["url"] as? String)
    let cloned = try alice.ok(["clone", remote, "later"])
    #expect(cloned.contains("1 conflict(s) among its past decisions"))
    #expect(!cloned.contains("conflict: "))
  }

  /// Another store's Datanet of a name the remote already holds is not pushed (73): every
  /// pull and clone of the remote would stop at the one they do not hold.
  @Test func aDatanetOfATakenNameIsNotPushed() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, _) = try start(remote)
    let carol = try Machine(sandbox, "carol")
    try carol.ok(["init"])
    try carol.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    try carol.ok(["remote", "add", "origin", remote])
    let pushed = try carol.run(["push"])
    #expect(pushed.status == 73)
    #expect(pushed.stderr.contains("holds another Datanet named 'notes'"))
    #expect(try FileManager.default.contentsOfDirectory(atPath: "\(remote)/heads").count == 1)
    try alice.ok(["pull"])
  }

  /// A URL that every use would refuse is refused when the remote is added (64), and nothing
  /// is kept of it.
  @Test func aRemoteThatCannotWorkIsNotAdded() throws {
    let sandbox = try Sandbox()
    let (_, alice, _) = try start("\(sandbox.root)/shared")
    for (url, says) in [
      ("s3://a/x", "is not an S3 bucket name"), ("http://", "is not a remote openledger can use"),
      ("https://host/x?query", "is not a remote openledger can use"),
      ("ftp://host/x", "is not a remote openledger can use"),
    ] {
      let result = try alice.run(["remote", "add", "other", url])
      #expect(result.status == 64, "\(url): \(result.stderr)")
      #expect(result.stderr.contains(says), "\(url): \(result.stderr)")
    }
    let endpoint = try alice.run([
      "remote", "add", "other", "s3://bucket/x", "--endpoint", "ftp://h",
    ])
    #expect(endpoint.status == 64, "\(endpoint.stderr)")
    #expect(!(try alice.ok(["remote", "list"])).contains("other"))
    try alice.ok(["remote", "add", "other", "s3://legacy_Bucket/x"])  // old names pass
  }

  @Test func anUnknownRemoteIsNotFound() throws {
    let sandbox = try Sandbox()
    let (_, alice, _) = try start("\(sandbox.root)/shared")
    let result = try alice.run(["pull", "upstream"])
    #expect(result.status == 66)
    #expect(result.stderr.contains("no remote named 'upstream'"))
    #expect(result.stderr.contains("origin"))
  }

  /// A directory nobody pushed to (here a store's working directory) is no remote: clone and
  /// pull say so (66) instead of finishing with nothing, and the clone leaves nothing behind;
  /// so does a clone of a Datanet the remote does not hold, naming those it does.
  @Test func whatARemoteDoesNotHoldIsNotFound() throws {
    let sandbox = try Sandbox()
    let (_, alice, bob) = try start("\(sandbox.root)/shared")
    let clone = try bob.run(["clone", alice.home + "/work", "c"])
    #expect(clone.status == 66, "\(clone.stderr)")
    #expect(
      clone.stderr.contains("\(alice.home)/work holds no openledger remote"), "\(clone.stderr)")
    #expect(clone.stderr.contains("check the URL"), "\(clone.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "\(bob.home)/work/c"))
    let empty = "\(sandbox.root)/empty"
    try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
    try alice.ok(["remote", "add", "wrong", empty])
    let pull = try alice.run(["pull", "wrong"])
    #expect(pull.status == 66, "\(pull.stderr)")
    #expect(pull.stderr.contains("holds no openledger remote"), "\(pull.stderr)")
    try alice.ok(["pull"])  // origin, pushed to, is one
    let unknown = try bob.run(["clone", "\(sandbox.root)/shared", "d", "--datanet", "papers"])
    #expect(unknown.status == 66, "\(unknown.stderr)")
    #expect(
      unknown.stderr.contains("holds no Datanet named papers (it holds notes)"),
      "\(unknown.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "\(bob.home)/work/d"))
    // Nor is a directory that holds something replaced or added to.
    try bob.write("notes.txt", "mine")
    let occupied = try bob.run(["clone", "\(sandbox.root)/shared", "."])
    #expect(occupied.status == 73, "\(occupied.stderr)")
    #expect(occupied.stderr.contains("exists and is not an empty directory"), "\(occupied.stderr)")
    #expect(!occupied.stderr.contains("Usage:"), "\(occupied.stderr)")
    #expect(!FileManager.default.fileExists(atPath: "\(bob.home)/work/.openledger"))
  }

  /// A remote that serves an object whose bytes are not its name: refused, named, and nothing
  /// of the pull applied.
  @Test func aCorruptedObjectIsRefusedAndNothingApplied() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try bob.ok(["clone", remote, "c"])
    _ = try alice.contribute("a.jsonl", "A note on the plane trees planted in 1920.")
    try alice.ok(["push"])
    let shard = try #require(
      FileManager.default.enumerator(atPath: "\(remote)/objects")?.allObjects
        .compactMap { $0 as? String }.first { $0.split(separator: "/").count == 3 })
    let path = "\(remote)/objects/\(shard)"
    chmod(path, 0o644)
    try Data("not the shard".utf8).write(to: URL(fileURLWithPath: path))
    let result = try bob.run(["pull"], in: "\(bob.home)/work/c")
    #expect(result.status == 1)
    #expect(result.stderr.contains("do not hash to its name"))
    #expect(result.stderr.contains("objects/\(shard)"))
    let listing = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: "\(bob.home)/work/c")
        as? [[String: Any]])
    #expect(listing.isEmpty)
  }

  /// bob's clone `c` of a directory remote, to which alice then pushed a contribution.
  struct ClonedThenContributed {
    let sandbox: Sandbox
    let remote: String
    let bob: Machine
    let contribution: String
  }

  func cloneThenContribute() throws -> ClonedThenContributed {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try bob.ok(["clone", remote, "c"])
    let contribution = try alice.contribute("a.jsonl", "A note on the plane trees of 1920.")
    try alice.ok(["push"])
    return ClonedThenContributed(
      sandbox: sandbox, remote: remote, bob: bob, contribution: contribution)
  }

  /// A remote that serves a shard longer than the event that names it says: refused without
  /// reading it whole, named, nothing applied; once the remote is mended the pull goes through.
  @Test func aShardLongerThanItsEventSaysIsRefused() throws {
    let cloned = try cloneThenContribute()
    let (remote, bob, contribution) = (cloned.remote, cloned.bob, cloned.contribution)
    let objects = try #require(
      FileManager.default.enumerator(atPath: "\(remote)/objects")?.allObjects
        .compactMap { $0 as? String }.filter { $0.split(separator: "/").count == 3 })
    var originals = [String: Data]()
    for object in objects {
      let path = "\(remote)/objects/\(object)"
      originals[path] = try Data(contentsOf: URL(fileURLWithPath: path))
      chmod(path, 0o644)
      try (originals[path]! + Data(repeating: 0x41, count: 1 << 20))
        .write(to: URL(fileURLWithPath: path))
    }
    let clone = "\(bob.home)/work/c"
    let result = try bob.run(["pull"], in: clone)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("bytes expected"), "\(result.stderr)")
    #expect(objects.contains { result.stderr.contains("objects/\($0)") }, "\(result.stderr)")
    let listing = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: clone) as? [[String: Any]])
    #expect(listing.isEmpty)
    try bob.ok(["validate"], in: clone)
    for (path, bytes) in originals { try bytes.write(to: URL(fileURLWithPath: path)) }
    try bob.ok(["pull"], in: clone)
    let pulled = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: clone) as? [[String: Any]])
    #expect(pulled.compactMap { $0["id"] as? String } == [contribution])
  }

  /// A head file longer than any push writes is refused before it is held: corrupt (exit 1),
  /// named, nothing applied; once it is gone the pull goes through.
  @Test func aHeadFileTooLongIsRefused() throws {
    let cloned = try cloneThenContribute()
    let (remote, bob, contribution) = (cloned.remote, cloned.bob, cloned.contribution)
    let datanet = try #require(
      try FileManager.default.contentsOfDirectory(atPath: "\(remote)/heads").first)
    let key = "heads/\(datanet)/\(String(repeating: "ab", count: 32)).json"
    try Data(repeating: 0x20, count: RemoteLayout.largestHeadFile + 1)
      .write(to: URL(fileURLWithPath: "\(remote)/\(key)"))
    let clone = "\(bob.home)/work/c"
    let result = try bob.run(["pull"], in: clone)
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains(key), "\(result.stderr)")
    #expect(
      result.stderr.contains("longer than the \(RemoteLayout.largestHeadFile) bytes expected"),
      "\(result.stderr)")
    #expect(try bob.status(of: contribution, in: clone) == nil)
    try FileManager.default.removeItem(atPath: "\(remote)/\(key)")
    try bob.ok(["pull"], in: clone)
    #expect(try bob.status(of: contribution, in: clone) == "pending")
  }

  /// Makes the file at `path` `size` bytes long without writing them (a sparse file): what a
  /// pull that reads it whole would allocate.
  func inflate(_ path: String, to size: Int) throws {
    chmod(path, 0o644)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: UInt64(size))
    try handle.close()
  }

  /// A pack, or an object no event gives the size of (a provenance), longer than any push
  /// writes is refused before it is held: corrupt (exit 1), naming it and the limit, nothing
  /// applied; once the remote is mended the pull goes through.
  @Test func aPackOrObjectTooLongIsRefused() throws {
    let cloned = try cloneThenContribute()
    let (remote, bob, contribution) = (cloned.remote, cloned.bob, cloned.contribution)
    let clone = "\(bob.home)/work/c"
    func refused(
      _ keys: [String], limit: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation
    ) throws {
      var originals = [String: Data]()
      for key in keys {
        let path = "\(remote)/\(key)"
        originals[path] = try Data(contentsOf: URL(fileURLWithPath: path))
        try inflate(path, to: limit + 1)
      }
      let result = try bob.run(["pull"], in: clone)
      #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
      #expect(
        keys.contains { result.stderr.contains($0) }, "\(result.stderr)",
        sourceLocation: sourceLocation)
      #expect(
        result.stderr.contains("longer than the \(limit) bytes expected"), "\(result.stderr)",
        sourceLocation: sourceLocation)
      #expect(try bob.status(of: contribution, in: clone) == nil, sourceLocation: sourceLocation)
      for (path, bytes) in originals { try bytes.write(to: URL(fileURLWithPath: path)) }
    }
    // The pack of alice's last push among them (bob fetched the others before).
    try refused(
      try FileManager.default.contentsOfDirectory(atPath: "\(remote)/packs").map { "packs/\($0)" },
      limit: RemoteLayout.largestPack)
    let objects = try #require(
      FileManager.default.enumerator(atPath: "\(remote)/objects")?.allObjects
        .compactMap { $0 as? String }.filter { $0.split(separator: "/").count == 3 })
    let provenance = try #require(
      try objects.first { object in
        try Data(contentsOf: URL(fileURLWithPath: "\(remote)/objects/\(object)"))
          .starts(with: Data(#"{"format":"openledger-provenance""#.utf8))
      })
    try refused(["objects/\(provenance)"], limit: RemoteLayout.largestObject)
    try bob.ok(["validate"], in: clone)
    try bob.ok(["pull"], in: clone)
    #expect(try bob.status(of: contribution, in: clone) == "pending")
  }

  /// A remote holding a review signed by someone who is no curator: refused on replay, named,
  /// and nothing of the pull applied (exit 1).
  @Test func aForgedEventOnTheRemoteIsRefused() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    let contribution = try alice.contribute("a.jsonl", "A note on the plane trees of 1920.")
    try alice.ok(["push"])
    try bob.ok(["clone", remote, "c"])
    let clone = "\(bob.home)/work/c"
    // bob, no curator, accepts his own way and pushes.
    let store = try Store.open(at: "\(clone)/.openledger")
    let identity = try IdentityStore(directory: "\(bob.home)/config/openledger/identities")
      .load(name: "bob")
    let ledger = Ledger(store: store)
    let datanet = try ledger.datanet("notes").id
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: datanet, parents: try ledger.heads(of: datanet), actor: identity.account,
        time: "2026-06-01T00:00:00.000Z",
        body: .contributionReview(
          ContributionReview(
            contribution: try #require(Digest(hex: contribution)), decision: .accept,
            reason: "mine"))), by: identity)
    let pack = EventPack.encode([forged])
    let transport = DirectoryTransport(root: remote)
    _ = try transport.put(RemoteLayout.packKey(Digest.of(pack)), data: pack)
    let head = try RemoteHeadFile(
      datanet: datanet, name: "notes", heads: [forged.id], packs: [Digest.of(pack)]
    ).encoded()
    _ = try transport.put(RemoteLayout.headKey(datanet, Digest.of(head)), data: head)
    // And a genuine new contribution in the same pull.
    _ = try alice.contribute("b.jsonl", "Another note, on the lindens by the gate.")
    try alice.ok(["push"])

    let result = try alice.run(["pull"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains(forged.id.hex))
    #expect(result.stderr.contains("may not review"))
    #expect(result.stderr.contains("nothing of this pull was applied"))
    #expect(try alice.status(of: contribution) == "pending")
    try alice.ok(["validate"])
  }

  /// Pushes from several machines at the same moment all land.
  @Test func concurrentPushesAllLand() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try bob.ok(["clone", remote, "c"])
    let clone = "\(bob.home)/work/c"
    var expected = Set<String>()
    for round in 0..<5 {
      expected.insert(try alice.contribute("a\(round).jsonl", "Alice's note number \(round)."))
      expected.insert(
        try bob.contribute("b\(round).jsonl", "Bob's note number \(round).", in: clone))
      let group = DispatchGroup()
      for (machine, directory) in [(alice, nil as String?), (bob, clone)] {
        group.enter()
        DispatchQueue.global().async {
          _ = try? machine.run(["push"], in: directory)
          group.leave()
        }
      }
      group.wait()
    }
    try alice.ok(["pull"])
    try bob.ok(["pull"], in: clone)
    for (machine, directory) in [(alice, nil), (bob, clone)] {
      let listing = try #require(
        try machine.json(["review", "list", "notes", "--status", "all"], in: directory)
          as? [[String: Any]])
      #expect(Set(listing.compactMap { $0["id"] as? String }) == expected)
      try machine.ok(["validate"], in: directory)
    }
  }

  /// A reward epoch must see every decision: while a remote holds changes not pulled,
  /// `rewards compute` refuses, unless --offline.
  @Test func rewardsWaitForWhatTheRemoteHolds() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    let accepted = try alice.contribute("a.jsonl", "A note on the plane trees planted in 1920.")
    try alice.ok(["review", "accept", accepted])
    try alice.ok(["index", "build", "notes"])
    try alice.ok(["push"])
    try bob.ok(["clone", remote, "c"])
    _ = try bob.contribute("b.jsonl", "Bob's note on the lindens.", in: "\(bob.home)/work/c")
    try bob.ok(["push"], in: "\(bob.home)/work/c")
    try alice.write(
      "log.jsonl",
      "{\"id\": \"q1\", \"output\": \"the plane trees planted in 1920\", \"fee\": \"100\"}\n")
    let refused = try alice.run(["rewards", "compute", "notes", "--inferences", "log.jsonl"])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("openledger pull origin"))
    #expect(refused.stderr.contains("--offline"))
    try alice.ok(["rewards", "compute", "notes", "--inferences", "log.jsonl", "--offline"])
  }

  /// A pull killed midway leaves a store that validates, and running it again finishes.
  @Test func aKilledPullFinishesWhenRunAgain() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try bob.ok(["clone", remote, "c"])
    let clone = "\(bob.home)/work/c"
    try contributeThirty(alice)
    try bob.kill(["pull"], in: clone, once: 5, objectsIn: clone)

    try bob.ok(["validate"], in: clone)
    let listed = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: clone) as? [[String: Any]])
    #expect(listed.isEmpty)
    try bob.ok(["pull"], in: clone)
    let after = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: clone) as? [[String: Any]])
    #expect(after.count == 30)
    try bob.ok(["validate"], in: clone)
  }

  /// A clone killed midway leaves the store it was filling; the same clone, run again,
  /// finishes it (and only it: another URL, or a finished clone, is still refused, 73).
  @Test func aKilledCloneFinishesWhenRunAgain() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try contributeThirty(alice)
    let clone = "\(bob.home)/work/c"
    try bob.kill(["clone", remote, "c"], in: nil, once: 5, objectsIn: clone)

    #expect(try bob.run(["clone", "\(sandbox.root)/elsewhere", "c"]).status == 73)
    try bob.ok(["clone", remote, "c"])
    let listed = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: clone) as? [[String: Any]])
    #expect(listed.count == 30)
    try bob.ok(["validate"], in: clone)
    #expect(try bob.run(["clone", remote, "c"]).status == 73)
  }

  /// A clone limited with --datanet keeps to those Datanets when it pulls, and to those a
  /// `pull --datanet` adds.
  @Test func aClonesDatanetsAreWhatItPulls() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try alice.ok(["datanet", "create", "diary", "--record-format", "jsonl", "--text-field", "text"])
    try alice.ok(["push"])
    let cloned = try #require(
      try bob.json(["clone", remote, "c", "--datanet", "notes"]) as? [String: Any])
    let clone = "\(bob.home)/work/c"
    #expect(cloned["directory"] as? String == clone)
    func pulled(_ arguments: [String] = []) throws -> [String] {
      let report = try #require(try bob.json(["pull"] + arguments, in: clone) as? [String: Any])
      return ((report["datanets"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
    }
    _ = try alice.contribute("a.jsonl", "A note on the plane trees.")
    #expect(try pulled() == ["notes"])
    #expect(try pulled(["--datanet", "diary"]) == ["diary"])
    #expect(Set(try pulled()) == ["notes", "diary"])
  }

  /// 30 contributions to alice's `notes`, in-process for speed, pushed unless told.
  func contributeThirty(_ alice: Machine, push: Bool = true) throws {
    let store = try Store.open(at: "\(alice.home)/work/.openledger")
    let identity = try IdentityStore(directory: "\(alice.home)/config/openledger/identities")
      .load(name: "alice")
    for n in 0..<30 {
      let path = "\(alice.home)/work/n\(n).jsonl"
      try Data("{\"text\": \"Note \(n): \(UUID().uuidString)\"}\n".utf8).write(
        to: URL(fileURLWithPath: path))
      _ = try Contributor(store: store).contribute(
        to: "notes", inputs: [.path(path)], by: identity, options: IngestOptions(),
        clock: SystemClock())
    }
    if push { try alice.ok(["push"]) }
  }

  /// Pulled records join the near-duplicate index: the puller's next fingerprint or
  /// contribution is compared with them. A clone leaves them pending (it writes no segment and
  /// validates); the first command that compares records indexes them, once.
  @Test func pulledRecordsAreComparedForNearDuplicates() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    let text =
      "The plane trees on the main street were planted in 1920 by the town council, and most "
      + "of them still stand today between the post office and the old school building. In "
      + "spring the street is in deep shade by May, and in autumn the leaves fill the gutters "
      + "until the first storms of November carry them down to the river below the bridge."
    _ = try alice.contribute("a.jsonl", text)
    try alice.ok(["push"])
    try bob.ok(["clone", remote, "c"])
    let clone = "\(bob.home)/work/c"
    try bob.write(
      "b.jsonl", "{\"text\": \"\(text.replacingOccurrences(of: "today", with: "now"))\"}\n",
      in: clone)
    let store = try Store.open(at: "\(clone)/.openledger")
    let directory =
      "\(clone)/.openledger/indexes/\(try Ledger(store: store).datanet("notes").id.hex)"
      + "/near-duplicates"
    // The records each of the index's files holds.
    func segments() throws -> [Int] {
      try FileManager.default.contentsOfDirectory(atPath: directory).filter {
        $0.hasSuffix(".seg")
      }.map { try NearDuplicateSegment(path: "\(directory)/\($0)").recordCount }
    }
    #expect(!FileManager.default.fileExists(atPath: directory))
    try bob.ok(["validate"], in: clone)
    let first = try bob.run(
      ["fingerprint", "--datanet", "notes", "b.jsonl", "--format", "json"], in: clone)
    #expect(first.status == 0)
    #expect(first.stderr.contains("first indexing the records of 1 pulled shard(s)"))
    let fingerprint = try #require(try decodeJSON(first.stdout) as? [String: Any])
    #expect(fingerprint["nearDuplicatesFlagged"] as? Int == 1)
    #expect(try segments() == [1])
    let again = try bob.run(["fingerprint", "--datanet", "notes", "b.jsonl"], in: clone)
    #expect(again.status == 0 && !again.stderr.contains("indexing"))
    let report = try #require(
      try bob.json(["contribute", "notes", "b.jsonl"], in: clone) as? [String: Any])
    #expect((report["report"] as? [String: Any])?["nearDuplicatesFlagged"] as? Int == 1)
    // The pulled record was indexed once: the segment the fingerprint wrote, merged with the
    // contribution's own, as small segments are.
    #expect(try segments() == [2])
    try bob.ok(["validate"], in: clone)
  }

  /// Takedowns travel: a pulled takedown masks the record at once, and `gc --remote` erases
  /// its bytes from the remote; a later clone reads the redacted shard in the original's place.
  @Test func takedownsTravelAndGCErasesTheBytesOnTheRemote() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    let record = try contributeASecret(alice).record
    try alice.ok(["push"])
    try bob.ok(["clone", remote, "c"])
    let clone = "\(bob.home)/work/c"
    try alice.ok(["takedown", "notes", "--record", record, "--reason", "personal data"])
    try alice.ok(["push"])
    try bob.ok(["pull"], in: clone)
    try bob.ok(["export", "notes", "--out", "x"], in: clone)
    let exported = try String(
      contentsOfFile:
        "\(clone)/x/data/\(try FileManager.default.contentsOfDirectory(atPath: "\(clone)/x/data")[0])",
      encoding: .utf8)
    #expect(!exported.contains("gardener"))
    #expect(exported.contains("plane trees"))

    #expect(try anyFile(under: "\(remote)/objects", holds: "gardener"))
    let gc = try #require(
      try alice.json(["gc", "--remote", "origin"]) as? [String: Any])
    let remoteReport = try #require(gc["remote"] as? [String: Any])
    #expect((remoteReport["shardsDeleted"] as? [Any])?.count == 1)
    #expect(try !anyFile(under: "\(remote)/objects", holds: "gardener"))

    // A new clone reads the redacted shard in the original's place.
    let carol = try Machine(sandbox, "carol")
    try carol.ok(["clone", remote, "n"])
    let fresh = "\(carol.home)/work/n"
    try carol.ok(["validate"], in: fresh)
    try carol.ok(["export", "notes", "--out", "x"], in: fresh)
    let again = try String(
      contentsOfFile:
        "\(fresh)/x/data/\(try FileManager.default.contentsOfDirectory(atPath: "\(fresh)/x/data")[0])",
      encoding: .utf8)
    #expect(again.contains("plane trees"))
    #expect(!again.contains("gardener"))
  }

  /// Whether a file under `directory` holds `text`.
  func anyFile(under directory: String, holds text: String) throws -> Bool {
    try FileManager.default.subpathsOfDirectory(atPath: directory).contains { path in
      let data = (try? Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(path)"))) ?? Data()
      return String(decoding: data, as: UTF8.self).contains(text)
    }
  }

  /// `gc --remote` before the takedown is pushed would send a shard that erases a record the
  /// remote's ledger still holds: refused (65) before anything is done here or there; after the
  /// push it erases the bytes.
  @Test func gcRemoteWaitsForTheTakedownToBePushed() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, _) = try start(remote)
    let secret = "Private phone number of the gardener: 555 0199, call after six."
    try alice.write(
      "a.jsonl", "{\"text\": \"A note on the plane trees.\"}\n{\"text\": \"\(secret)\"}\n")
    _ = try alice.json(["contribute", "notes", "a.jsonl"])
    try alice.ok(["push"])
    let record = Digest.of(Data("{\"text\":\"\(secret)\"}".utf8)).hex
    try alice.ok(["takedown", "notes", "--record", record, "--reason", "personal data"])

    let refused = try alice.run(["gc", "--remote", "origin"])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("push first"))
    // Nothing was done here either: the shard still waits to be redacted.
    let dry = try #require(try alice.json(["gc", "--dry-run"]) as? [String: Any])
    #expect((dry["shardsRedacted"] as? [Any])?.count == 1)
    // An unknown remote is named before anything is done too.
    #expect(try alice.run(["gc", "--remote", "orgin"]).status == 66)
    #expect(
      ((try alice.json(["gc", "--dry-run"]) as? [String: Any])?["shardsRedacted"] as? [Any])?.count
        == 1)

    // A push killed a day ago left a staging file; one under way now has one too.
    for (name, age) in [("old", 2 * 86_400.0), ("new", 0.0)] {
      let path = "\(remote)/.staging/\(name)"
      try Data("part of a shard".utf8).write(to: URL(fileURLWithPath: path))
      try FileManager.default.setAttributes(
        [.modificationDate: Date(timeIntervalSinceNow: -age)], ofItemAtPath: path)
    }
    try alice.ok(["push"])
    let gc = try #require(try alice.json(["gc", "--remote", "origin"]) as? [String: Any])
    #expect(try !anyFile(under: "\(remote)/objects", holds: "gardener"))
    #expect((gc["remote"] as? [String: Any])?["abandonedWrites"] as? Int == 1)
    #expect(try FileManager.default.contentsOfDirectory(atPath: "\(remote)/.staging") == ["new"])
  }

  /// A record taken down after an earlier `gc --remote` leaves the remote too: the earlier
  /// redacted copy, which still holds it, is deleted there. And `gc --remote` sends only the
  /// shards of the Datanets the remote holds.
  @Test func gcRemoteErasesEveryCopyAndOnlyOfItsDatanets() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    let first = "The gardener's first secret: the shed key is under the third stone."
    let second = "The gardener's second secret: his phone is 555 0199."
    try alice.write(
      "a.jsonl",
      "{\"text\": \"A note on the plane trees.\"}\n{\"text\": \"\(first)\"}\n"
        + "{\"text\": \"\(second)\"}\n")
    let contribution = try #require(
      (try alice.json(["contribute", "notes", "a.jsonl"]) as? [String: Any])?["contribution"]
        as? String)
    try alice.ok(["review", "accept", contribution])
    // A Datanet of alice's own that this remote never holds.
    try alice.ok(["datanet", "create", "diary", "--record-format", "jsonl", "--text-field", "text"])
    try alice.write(
      "d.jsonl", "{\"text\": \"Dear diary, the lindens.\"}\n{\"text\": \"Dear diary, 42.\"}\n")
    _ = try alice.json(["contribute", "diary", "d.jsonl"])
    try alice.ok(["push", "--datanet", "notes"])
    for (text, datanet) in [(first, "notes"), ("Dear diary, 42.", "diary")] {
      let record = Digest.of(Data("{\"text\":\"\(text)\"}".utf8)).hex
      try alice.ok(["takedown", datanet, "--record", record, "--reason", "personal data"])
    }
    try alice.ok(["gc"])
    try alice.ok(["push", "--datanet", "notes"])
    try alice.ok(["gc", "--remote", "origin"])
    #expect(try !anyFile(under: "\(remote)/objects", holds: "shed key"))
    #expect(try anyFile(under: "\(remote)/objects", holds: "555 0199"))
    #expect(try !anyFile(under: "\(remote)/objects", holds: "Dear diary"))

    let record = Digest.of(Data("{\"text\":\"\(second)\"}".utf8)).hex
    try alice.ok(["takedown", "notes", "--record", record, "--reason", "personal data"])
    try alice.ok(["gc"])
    try alice.ok(["push", "--datanet", "notes"])
    let gc = try #require(try alice.json(["gc", "--remote", "origin"]) as? [String: Any])
    #expect(((gc["remote"] as? [String: Any])?["shardsDeleted"] as? [Any])?.count == 1)
    #expect(try !anyFile(under: "\(remote)/objects", holds: "555 0199"))
    #expect(try !anyFile(under: "\(remote)/objects", holds: "Dear diary"))

    // A clone reads the latest redaction in the original's place.
    try bob.ok(["clone", remote, "c"])
    let clone = "\(bob.home)/work/c"
    try bob.ok(["validate"], in: clone)
    try bob.ok(["export", "notes", "--out", "x"], in: clone)
    #expect(try anyFile(under: "\(clone)/x/data", holds: "plane trees"))
    #expect(try !anyFile(under: "\(clone)/x/data", holds: "gardener"))
  }

  /// The owner removes a curator while the curator, apart, accepts a contribution. The
  /// removal wins on both machines, even when the curator's pull would fold it after the
  /// acceptance, and that pull reports the conflict.
  @Test func aConcurrentRemovalOverridesTheCuratorOnBothMachines() throws {
    let (alice, bob, bobAccount, clone, contribution) = try withCuratorBob()

    func last(_ type: String, of machine: Machine, in directory: String? = nil) throws -> String {
      let log = try #require(
        try machine.json(["log", "notes"], in: directory) as? [[String: Any]])
      return try #require(log.last { $0["type"] as? String == type }?["id"] as? String)
    }
    // The removal must sort after the review, so that bob's pull finds his own events first in
    // the merged order (the order of the events' ids, which hold the time): both are made again
    // from copies of the stores until it does.
    let stores = ["\(alice.home)/work/.openledger", "\(clone)/.openledger"]
    for store in stores {
      try FileManager.default.copyItem(atPath: store, toPath: store + ".saved")
    }
    var review = ""
    var removal = ""
    for _ in 0..<16 {
      try bob.ok(["review", "accept", contribution], in: clone)
      try alice.ok(["datanet", "update", "notes", "--remove-curator", bobAccount])
      review = try last("contribution.review", of: bob, in: clone)
      removal = try last("datanet.update", of: alice)
      if removal > review { break }
      for store in stores {
        try FileManager.default.removeItem(atPath: store)
        try FileManager.default.copyItem(atPath: store + ".saved", toPath: store)
      }
    }
    try #require(removal > review)
    try alice.ok(["push"])
    try bob.ok(["push"], in: clone)

    let pulled = try #require(try bob.json(["pull"], in: clone) as? [String: Any])
    let conflicts = ((pulled["datanets"] as? [[String: Any]]) ?? []).flatMap {
      (($0["conflicts"] as? [[String: Any]]) ?? []).compactMap { $0["event"] as? String }
    }
    #expect(conflicts == [review])
    try alice.ok(["pull"])
    #expect(try bob.status(of: contribution, in: clone) == "pending")
    #expect(try alice.status(of: contribution) == "pending")
    for (machine, directory) in [(alice, nil), (bob, clone)] {
      try machine.ok(["verify-ledger"], in: directory)
      try machine.ok(["validate"], in: directory)
    }
  }

  /// Head files are folded into one when they gather, so a clone of a Datanet pushed many
  /// times costs a few requests, not two per push; `gc --remote` deletes the packs no head
  /// file names any more.
  @Test func manyPushesConsolidate() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    for n in 0..<20 {
      _ = try alice.contribute("n\(n).jsonl", "Note number \(n) on the lindens.")
      try alice.ok(["push"])
    }
    let datanet = try #require(
      try FileManager.default.contentsOfDirectory(atPath: "\(remote)/heads").first)
    let headFiles = try FileManager.default.contentsOfDirectory(
      atPath: "\(remote)/heads/\(datanet)")
    #expect(headFiles.count <= 5, "\(headFiles.count) head files")
    let clone = try #require(
      try bob.json(["clone", remote, "c"]) as? [String: Any])
    // 20 shards and 20 provenance objects (two per contribution), then a listing of heads/ and
    // of the Datanet's, the few head files left and their packs; without consolidation, 20
    // head files and 20 packs more.
    #expect((clone["requests"] as? Int ?? 999) <= 52, "\(clone["requests"] ?? "")")
    let listing = try #require(
      try bob.json(["review", "list", "notes"], in: "\(bob.home)/work/c") as? [[String: Any]])
    #expect(listing.count == 20)
    let packsBefore = try FileManager.default.contentsOfDirectory(atPath: "\(remote)/packs").count
    let gc = try #require(try alice.json(["gc", "--remote", "origin"]) as? [String: Any])
    let deleted = (gc["remote"] as? [String: Any])?["packsDeleted"] as? Int ?? 0
    #expect(deleted > 0)
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: "\(remote)/packs").count
        == packsBefore - deleted)
    // The remote still clones whole.
    let carol = try Machine(sandbox, "carol")
    try carol.ok(["clone", remote, "c"])
    try carol.ok(["validate"], in: "\(carol.home)/work/c")
  }

  /// A push killed midway leaves a remote that clones what was announced before, and running
  /// it again finishes the job.
  @Test func aKilledPushFinishesWhenRunAgain() throws {
    let sandbox = try Sandbox()
    let remote = "\(sandbox.root)/shared"
    let (_, alice, bob) = try start(remote)
    try contributeThirty(alice, push: false)
    /// How many files, and bytes, `folder` of the remote holds.
    func held(_ folder: String) -> (files: Int, bytes: Int) {
      let root = "\(remote)/\(folder)"
      let paths = FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []
      let files = paths.compactMap {
        try? FileManager.default.attributesOfItem(atPath: "\(root)/\($0)")
      }
      .filter { $0[.type] as? FileAttributeType == .typeRegular }
      return (files.count, files.compactMap { $0[.size] as? Int }.reduce(0, +))
    }
    try alice.kill(["push"], in: nil, once: 5) { held("objects").files }

    // What the remote announces is whole: a clone holds the Datanet as first pushed.
    try bob.ok(["clone", remote, "c"])
    let listed = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: "\(bob.home)/work/c")
        as? [[String: Any]])
    #expect(listed.isEmpty)
    try alice.ok(["validate"])
    // The push run again counts as sent only what it sent.
    let (objects, packs) = (held("objects"), held("packs"))
    let pushed = try #require(
      (try alice.json(["push"]) as? [String: Any])?["datanets"] as? [[String: Any]])
    #expect(pushed.first?["objects"] as? Int == held("objects").files - objects.files)
    #expect(
      pushed.first?["bytes"] as? Int
        == held("objects").bytes - objects.bytes + held("packs").bytes - packs.bytes)
    try bob.ok(["pull"], in: "\(bob.home)/work/c")
    let after = try #require(
      try bob.json(["review", "list", "notes", "--status", "all"], in: "\(bob.home)/work/c")
        as? [[String: Any]])
    #expect(after.count == 30)
    try bob.ok(["validate"], in: "\(bob.home)/work/c")
  }
}

extension RemoteTests.Machine {
  /// Runs `openledger arguments` and kills it (SIGKILL) once `measure` has grown by `count`.
  func kill(
    _ arguments: [String], in directory: String?, once count: Int, measure: () -> Int
  ) throws {
    let before = measure()
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Sandbox.binary)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: directory ?? "\(home)/work")
    process.environment = sandbox.environment.merging(environment) { $1 }
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    while process.isRunning, measure() < before + count { usleep(500) }
    Foundation.kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(process.terminationReason == .uncaughtSignal, "it ended before the kill")
  }

  /// The same, once the store of `clone` holds `count` more objects.
  func kill(_ arguments: [String], in directory: String?, once count: Int, objectsIn clone: String)
    throws
  {
    let objects = ObjectStore(root: "\(clone)/.openledger/objects/sha256", staging: "/tmp")
    try kill(arguments, in: directory, once: count) {
      var malformed = [String]()
      return (try? objects.allObjects(malformed: &malformed).count) ?? 0
    }
  }
}
