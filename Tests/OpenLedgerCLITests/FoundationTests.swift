import Foundation
import GRDB
import Testing

/// End-to-end tests of the foundation commands: they run the built binary and check stdout,
/// stderr and the exit code.
@Suite struct FoundationTests {
  /// A sandbox with a store and the identities `alice` (owner) and `bob`.
  func setUp() throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["identity", "new", "bob"])
    return sandbox
  }

  /// A store this user cannot write is refused with what to do (exit 77), not SQLite's words.
  /// As root (who writes anything), the command runs as `nobody` through setpriv.
  @Test func aStoreThisUserCannotWriteIsNamed() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice"])
    let asRoot = getuid() == 0
    let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first {
      FileManager.default.isExecutableFile(atPath: $0)
    }
    if asRoot, setpriv == nil { return }  // no way to lose root's rights here
    // As nobody, the sandbox must be reachable: every directory above it searchable by all.
    var above = (sandbox.root as NSString).deletingLastPathComponent
    while asRoot, above != "/" {
      var info = stat()
      if stat(above, &info) != 0 || info.st_mode & S_IXOTH == 0 { return }
      above = (above as NSString).deletingLastPathComponent
    }
    let mode = asRoot ? "a+rX" : "a-w"
    let chmod = try runProcess("/bin/chmod", ["-R", mode, sandbox.root])
    try #require(chmod.status == 0, "\(chmod.stderr)")
    defer { _ = try? runProcess("/bin/chmod", ["-R", "u+w", sandbox.root]) }
    let result =
      asRoot
      ? try runProcess(
        setpriv!,
        [
          "--reuid", "65534", "--regid", "65534", "--clear-groups", Sandbox.binary, "review",
          "list", "papers",
        ],
        in: sandbox.work, environment: sandbox.environment)
      : try sandbox.run(["review", "list", "papers"])
    #expect(result.status == 77, "\(result.stderr)")
    #expect(result.stderr.contains("cannot be written by this user"), "\(result.stderr)")
    #expect(result.stderr.contains("--store"), "\(result.stderr)")
  }

  @Test func happyPath() throws {
    let sandbox = try setUp()
    let created = try sandbox.ok([
      "datanet", "create", "papers", "--as", "alice", "--description", "Open abstracts",
      "--license", "CC-BY-4.0", "--record-format", "jsonl", "--text-field", "abstract",
      "--require", "title", "--max-length", "5000", "--curator", "bob",
    ])
    #expect(created.hasPrefix("Created Datanet papers ("))

    let list = try sandbox.ok(["datanet", "list"])
    #expect(list.contains("papers"))
    #expect(list.contains("alice ("))

    let json = try decodeJSON(try sandbox.ok(["datanet", "show", "papers", "--format", "json"]))
    let state = try #require(json as? [String: Any])
    #expect(state["name"] as? String == "papers")
    #expect(state["license"] as? String == "CC-BY-4.0")
    #expect((state["curators"] as? [String])?.count == 2)
    let schema = try #require(state["schema"] as? [String: Any])
    #expect(schema["textFields"] as? [String] == ["abstract"])
    #expect(schema["required"] as? [String] == ["title"])
    #expect(schema["maxLength"] as? Int == 5000)

    try sandbox.ok(["datanet", "update", "papers", "--as", "alice", "--remove-curator", "bob"])
    try sandbox.ok(["datanet", "update", "papers", "--as", "alice", "--near-duplicates", "reject"])
    let shown = try sandbox.ok(["datanet", "show", "papers"])
    #expect(shown.contains("near duplicates  reject"))

    let log = try sandbox.ok(["log", "papers"])
    let lines = log.split(separator: "\n")
    #expect(lines.count == 4, "a header and three events")
    #expect(lines[1].contains("datanet.create"))
    #expect(lines[2].contains("-curator bob"))
    let events = try #require(
      try decodeJSON(try sandbox.ok(["log", "papers", "--format", "json"])) as? [[String: Any]])
    #expect(
      events.map { $0["type"] as? String } == [
        "datanet.create", "datanet.update", "datanet.update",
      ])
    #expect((events[1]["parents"] as? [String]) == [events[0]["id"] as! String])

    let fsck = try sandbox.run(["fsck"])
    #expect(fsck.status == 0)
    #expect(fsck.stdout.contains("checked 3 objects"))
    #expect(fsck.stdout.contains("no problems"))
    let gc = try sandbox.ok(["gc", "--dry-run"])
    #expect(gc.contains("would remove 0"))
    let rebuilt = try sandbox.ok(["rebuild-catalog"])
    #expect(rebuilt.contains("replayed 3 events into 1 Datanet"))
    #expect(try sandbox.ok(["datanet", "show", "papers"]) == shown)
  }

  @Test func identities() throws {
    let sandbox = try Sandbox()
    let created = try sandbox.ok(["identity", "new", "carol"])
    #expect(created.contains("Created identity carol"))
    let mode =
      try FileManager.default.attributesOfItem(atPath: sandbox.identityPath("carol"))[
        .posixPermissions] as? Int
    #expect(mode == 0o600)
    let shown = try #require(
      try decodeJSON(try sandbox.ok(["identity", "show", "--format", "json"])) as? [String: Any])
    let account = try #require(shown["account"] as? String)
    #expect(account.count == 64)
    #expect(try sandbox.ok(["identity", "list"]).contains(account))
    let exported = try #require(
      try decodeJSON(try sandbox.ok(["identity", "export-public", "carol"])) as? [String: Any])
    #expect(exported["account"] as? String == account)
    #expect(exported["algorithm"] as? String == "ed25519")
    #expect(!(try sandbox.ok(["identity", "export-public", "carol"])).contains("privateKey"))
    let again = try sandbox.run(["identity", "new", "carol"])
    #expect(again.status == 73)
    #expect(again.stderr.contains("exists already"))
    let invalid = try sandbox.run(["identity", "new", "no/slash"])
    #expect(invalid.status == 64)
  }

  @Test func storeDiscovery() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "a", "--as", "alice"])
    let nested = "\(sandbox.work)/deep/er"
    try FileManager.default.createDirectory(atPath: nested, withIntermediateDirectories: true)
    #expect(try sandbox.run(["datanet", "list"], in: nested).stdout.contains("a "))
    let elsewhere = "\(sandbox.root)/elsewhere"
    try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
    #expect(
      try sandbox.run(["datanet", "list", "--store", sandbox.store], in: elsewhere).status == 0)
    #expect(
      try sandbox.run(["datanet", "list", "--store", sandbox.work], in: elsewhere).status == 0)
    let viaEnv = try sandbox.run(
      ["datanet", "list"], in: elsewhere, environment: ["OPENLEDGER_STORE": sandbox.store])
    #expect(viaEnv.stdout.contains("a "))
    // init honours $OPENLEDGER_STORE too, so the next command finds what it made.
    let fresh = "\(sandbox.root)/fresh-store"
    let made = try sandbox.run(["init"], in: elsewhere, environment: ["OPENLEDGER_STORE": fresh])
    #expect(made.status == 0, "\(made.stderr)")
    #expect(FileManager.default.fileExists(atPath: "\(fresh)/config.json"))
    #expect(!FileManager.default.fileExists(atPath: "\(elsewhere)/.openledger"))
    let found = try sandbox.run(
      ["datanet", "list"], in: elsewhere, environment: ["OPENLEDGER_STORE": fresh])
    #expect(found.status == 0, "\(found.stderr)")
    let config = try #require(
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: "\(sandbox.store)/config.json")))
        as? [String: Any])
    #expect(config["formatVersion"] as? Int == 1)
  }

  @Test func noStoreFound() throws {
    let sandbox = try Sandbox()
    let result = try sandbox.run(["datanet", "list"])
    #expect(result.status == 66)
    #expect(result.stdout.isEmpty)
    #expect(result.stderr.contains("no openledger store found"))
    #expect(result.stderr.contains("openledger init"))
    #expect(result.stderr.contains("--store"))
    let missing = try sandbox.run(["datanet", "list", "--store", "\(sandbox.root)/nope"])
    #expect(missing.status == 66)
    #expect(missing.stderr.contains("is not an openledger store"))
  }

  @Test func initWhereAStoreExists() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    let again = try sandbox.run(["init"])
    #expect(again.status == 73)
    #expect(again.stderr.contains("a store already exists at \(sandbox.store)"))
    #expect(FileManager.default.fileExists(atPath: "\(sandbox.store)/config.json"))
  }

  @Test func badDatanetNames() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice"])
    let taken = try sandbox.run(["datanet", "create", "papers", "--as", "bob"])
    #expect(taken.status == 73)
    #expect(taken.stderr.contains("a Datanet named 'papers' exists already"))
    let invalid = try sandbox.run(["datanet", "create", "Bad Name!", "--as", "alice"])
    #expect(invalid.status == 64)
    #expect(invalid.stderr.contains("not a valid Datanet name"))
    let unknown = try sandbox.run(["datanet", "show", "nothing"])
    #expect(unknown.status == 66)
    #expect(unknown.stderr.contains("no Datanet named 'nothing'"))
    #expect(try sandbox.ok(["log", "papers"]).split(separator: "\n").count == 2)
  }

  @Test func malformedSchemaFile() throws {
    let sandbox = try setUp()
    try sandbox.write("schema.json", #"{"format": "jsonl", "textFields": "abstract"}"#)
    let result = try sandbox.run([
      "datanet", "create", "papers", "--as", "alice", "--schema", "schema.json",
    ])
    #expect(result.status == 65)
    #expect(result.stderr.contains("schema.json"))
    #expect(result.stderr.contains("'textFields'"))
    try sandbox.write("typo.json", #"{"format": "jsonl", "requird": ["x"]}"#)
    let typo = try sandbox.run([
      "datanet", "create", "papers", "--as", "alice", "--schema", "typo.json",
    ])
    #expect(typo.status == 65)
    #expect(typo.stderr.contains("'requird'"))
    try sandbox.write("yaml.json", #"{"format": "yaml"}"#)
    let yaml = try sandbox.run([
      "datanet", "create", "papers", "--as", "alice", "--schema", "yaml.json",
    ])
    #expect(yaml.status == 65)
    #expect(
      yaml.stderr.contains("field 'format': 'yaml' is not a record format: use text, jsonl, csv"))
    try sandbox.write("nofields.json", #"{"format": "jsonl", "textFields": []}"#)
    let noFields = try sandbox.run([
      "datanet", "create", "papers", "--as", "alice", "--schema", "nofields.json",
    ])
    #expect(noFields.status == 65)
    #expect(noFields.stderr.contains("field 'textFields': it must name at least one field"))
    let missing = try sandbox.run([
      "datanet", "create", "papers", "--as", "alice", "--schema", "none.json",
    ])
    #expect(missing.status == 66)
    try sandbox.write(
      "good.json", #"{"format": "csv", "textFields": ["body"], "required": ["id"]}"#)
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice", "--schema", "good.json"])
    #expect(try sandbox.ok(["datanet", "show", "papers"]).contains("record format    csv"))
  }

  @Test func identityProblems() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    let none = try sandbox.run(["datanet", "create", "papers"])
    #expect(none.status == 66)
    #expect(none.stderr.contains("no identity found"))
    #expect(none.stderr.contains("openledger identity new"))
    try sandbox.ok(["identity", "new", "alice"])
    let unknown = try sandbox.run(["datanet", "create", "papers", "--as", "mallory"])
    #expect(unknown.status == 66)
    #expect(unknown.stderr.contains("no identity named 'mallory'"))
    let unknownEnv = try sandbox.run(
      ["datanet", "create", "papers"], environment: ["OPENLEDGER_IDENTITY": "mallory"])
    #expect(unknownEnv.status == 66)
    // With one identity it is used without --as.
    try sandbox.ok(["datanet", "create", "papers"])
    try sandbox.ok(["identity", "new", "bob"])
    let ambiguous = try sandbox.run(["datanet", "create", "other"])
    #expect(ambiguous.status == 64)
    #expect(ambiguous.stderr.contains("--as"))
    let unknownCurator = try sandbox.run([
      "datanet", "update", "papers", "--as", "alice", "--add-curator", "zed",
    ])
    #expect(unknownCurator.status == 66)
    #expect(unknownCurator.stderr.contains("'zed'"))
  }

  @Test func looseKeyPermissionsAreRefused() throws {
    let sandbox = try setUp()
    let path = sandbox.identityPath("alice")
    chmod(path, 0o644)
    let result = try sandbox.run(["datanet", "create", "papers", "--as", "alice"])
    #expect(result.status == 77)
    #expect(result.stderr.contains("chmod 600 \(path)"))
    #expect(try sandbox.ok(["datanet", "list", "--format", "json"]).contains("["))
    // The other identities are still listed; the command fails naming the bad file.
    let listed = try sandbox.run(["identity", "list"])
    #expect(listed.status == 77)
    #expect(listed.stdout.contains("bob"))
    #expect(!listed.stdout.contains("alice"))
    #expect(listed.stderr.contains("chmod 600 \(path)"))
    chmod(path, 0o600)
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice"])
  }

  @Test func onlyTheOwnerUpdatesCurators() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice", "--curator", "bob"])
    let objectsBefore = try objectFiles(sandbox.store)
    let refused = try sandbox.run([
      "datanet", "update", "papers", "--as", "bob", "--remove-curator", "alice",
    ])
    #expect(refused.status == 77)
    #expect(refused.stderr.contains("may not change the curators of 'papers'"))
    #expect(try objectFiles(sandbox.store) == objectsBefore, "nothing was written")
    #expect(try sandbox.ok(["log", "papers"]).split(separator: "\n").count == 2)
    // Changes that change nothing are refused, not signed.
    try sandbox.ok(["identity", "new", "carol"])
    for (arguments, status, message) in [
      (["--add-curator", "bob"], Int32(73), "'bob' is a curator of papers already"),
      (["--remove-curator", "carol"], 66, "'carol' is not a curator of papers"),
      (["--add-curator", "carol", "--remove-curator", "carol"], 64, "both added and removed"),
      (["--remove-curator", "alice", "--remove-curator", "bob"], 65, "without curators"),
      (["--description", "", "--license", "unspecified"], 64, "nothing changes"),
    ] {
      let noop = try sandbox.run(["datanet", "update", "papers", "--as", "alice"] + arguments)
      #expect(noop.status == status, "\(arguments): \(noop.stderr)")
      #expect(noop.stderr.contains(message))
      #expect(try objectFiles(sandbox.store) == objectsBefore, "nothing was written")
    }
    // A curator may change the description.
    try sandbox.ok(["datanet", "update", "papers", "--as", "bob", "--description", "by bob"])
    let outsider = try sandbox.run(["identity", "new", "mallory"])
    #expect(outsider.status == 0)
    let refusedOutsider = try sandbox.run([
      "datanet", "update", "papers", "--as", "mallory", "--license", "MIT",
    ])
    #expect(refusedOutsider.status == 77)
  }

  @Test func lockedCatalogWaitsThenFails() throws {
    let sandbox = try setUp()
    let configPath = "\(sandbox.store)/config.json"
    var config = try #require(
      try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configPath)))
        as? [String: Any])
    config["busyTimeoutMilliseconds"] = 300
    try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))
    var configuration = Configuration()
    configuration.allowsUnsafeTransactions = true
    let blocker = try DatabaseQueue(
      path: "\(sandbox.store)/catalog.sqlite", configuration: configuration)
    try blocker.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
    let started = Date()
    let result = try sandbox.run(["datanet", "create", "papers", "--as", "alice"])
    #expect(Date().timeIntervalSince(started) >= 0.25, "it waited for the lock")
    #expect(result.status == 74)
    #expect(result.stderr.contains("locked by another openledger process"))
    try blocker.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK") }
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice"])
  }

  @Test func fsckNamesAnAlteredObject() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice"])
    let files = try objectFiles(sandbox.store)
    #expect(files.count == 1)
    let path = "\(sandbox.store)/objects/sha256/\(files[0])"
    let id = files[0].replacingOccurrences(of: "/", with: "")
    chmod(path, 0o644)
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    bytes[bytes.count / 2] ^= 0x01
    try bytes.write(to: URL(fileURLWithPath: path))
    let result = try sandbox.run(["fsck"])
    #expect(result.status == 1)
    #expect(result.stdout.contains("corrupt: object \(id) is corrupt"))
    let json = try #require(
      try decodeJSON(try sandbox.run(["fsck", "--format", "json"]).stdout) as? [String: Any])
    let problems = try #require(json["problems"] as? [[String: Any]])
    #expect(problems.first?["object"] as? String == id)
    let log = try sandbox.run(["log", "papers"])
    #expect(log.status != 0)
    #expect(log.stderr.contains(id))
  }

  @Test func gcRemovesUnreferencedObjects() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "papers", "--as", "alice"])
    let stray =
      "\(sandbox.store)/objects/sha256/2c/f24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
    try FileManager.default.createDirectory(
      atPath: (stray as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data("hello".utf8).write(to: URL(fileURLWithPath: stray))
    let dry = try sandbox.ok(["gc", "--dry-run"])
    #expect(dry.contains("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"))
    #expect(FileManager.default.fileExists(atPath: stray))
    let done = try sandbox.ok(["gc"])
    #expect(done.contains("removed 1 unreferenced object"))
    #expect(!FileManager.default.fileExists(atPath: stray))
    #expect(try sandbox.run(["fsck"]).status == 0)
  }

  @Test func usageErrorsExit64() throws {
    let sandbox = try setUp()
    #expect(try sandbox.run(["datanet", "create"]).status == 64)
    #expect(try sandbox.run(["datanet", "list", "--format", "yaml"]).status == 64)
    #expect(try sandbox.run(["datanet", "update", "papers"]).status == 64)
    #expect(try sandbox.run(["frobnicate"]).status == 64)
    let help = try sandbox.run(["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("datanet"))
  }

  /// The object files of a store, as `ab/cdef…` paths, sorted.
  func objectFiles(_ store: String) throws -> [String] {
    let root = "\(store)/objects/sha256"
    var files = [String]()
    for fan in try FileManager.default.contentsOfDirectory(atPath: root).sorted() {
      for name in try FileManager.default.contentsOfDirectory(atPath: "\(root)/\(fan)").sorted() {
        files.append("\(fan)/\(name)")
      }
    }
    return files
  }
}
