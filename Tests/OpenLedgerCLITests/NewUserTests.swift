import Foundation
import OpenLedgerKit
import Testing

/// End-to-end: what a new user tripped on (issue 18), each checked as that user met it.
@Suite struct NewUserTests {
  /// A store with `alice` and the Datanet `d` created with `create` (the format first).
  func setUp(_ create: [String] = ["--record-format", "jsonl"]) throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["datanet", "create", "d"] + create)
    return sandbox
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(try decodeJSON(text) as? [String: Any])
  }

  /// Writes `contents` as raw bytes under the working directory.
  func writeBytes(_ sandbox: Sandbox, _ path: String, _ bytes: [UInt8]) throws {
    let full = "\(sandbox.work)/\(path)"
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: full))
  }

  // MARK: Errors

  /// Usage errors start like every other error: one prefix for every error the program prints.
  @Test func usageErrorsHaveTheSamePrefix() throws {
    let sandbox = try setUp()
    for arguments in [
      ["bogus"], ["datanet", "update", "d"], ["contribute"], ["validate", "--max-findings", "x"],
    ] {
      let result = try sandbox.run(arguments)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix("openledger: error: "), "\(arguments): \(result.stderr)")
      #expect(!result.stderr.contains("Error: "), "\(result.stderr)")
    }
    let missing = try sandbox.run(["datanet", "show", "nope"])
    #expect(missing.status == 66)
    #expect(missing.stderr.hasPrefix("openledger: error: "))
  }

  /// README, Guide and ExitCodes.md give the exit codes the program uses, every one of them, and
  /// the prefix its errors really start with; ExitCodes.md cites nothing outside the repository.
  @Test func docsAgreeWithTheBinaryOnExitCodes() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent()
    func read(_ path: String) throws -> String {
      try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }
    let kinds: [FailureKind] = [
      .checksFailed, .usage, .dataError, .notFound, .internalError, .cannotCreate, .ioError,
      .permissionDenied,
    ]
    let codes = Set([0] + kinds.map { Int($0.exitStatus) })
    let exitCodes = try read("Docs/ExitCodes.md")
    let table = exitCodes.split(separator: "\n").compactMap { line -> Int? in
      guard line.hasPrefix("| ") else { return nil }
      return Int(line.dropFirst(2).prefix { $0.isNumber })
    }
    #expect(Set(table) == codes, "ExitCodes.md lists \(table)")
    #expect(table.count == codes.count)
    #expect(!exitCodes.contains("DESIGN"), "ExitCodes.md cites a document not in the repository")
    let guide = try read("Docs/Guide.md").replacingOccurrences(of: "\n", with: " ")
    let start = try #require(guide.range(of: "Exit codes are in [ExitCodes.md](ExitCodes.md):"))
    let end = try #require(guide.range(of: ".", range: start.upperBound..<guide.endIndex))
    let listed = guide[start.upperBound..<end.lowerBound].split(separator: ",").compactMap {
      Int($0.trimmingCharacters(in: .whitespaces).prefix { $0.isNumber })
    }
    #expect(Set(listed) == codes, "the Guide lists \(listed)")
    // The prefix the docs give is the one the binary prints, for usage and other errors alike.
    let sandbox = try Sandbox()
    let usage = try sandbox.run(["bogus"])
    let missing = try sandbox.run(["datanet", "show", "nope", "--store", "\(sandbox.work)/none"])
    let prefix = "`openledger: error: `"
    for (name, text) in [
      ("ExitCodes.md", exitCodes), ("Guide.md", guide), ("README.md", try read("README.md")),
    ] {
      #expect(text.contains(prefix), "\(name)")
    }
    for result in [usage, missing] {
      #expect(result.stderr.hasPrefix("openledger: error: "), "\(result.stderr)")
    }
    #expect(usage.status == FailureKind.usage.exitStatus)
    #expect(missing.status == FailureKind.notFound.exitStatus)
  }

  // MARK: Quiet, help, counts

  /// `-q` leaves out tables: `identity new` prints the account alone, `export` nothing.
  @Test func quietLeavesOutTables() throws {
    let sandbox = try setUp(["--record-format", "text"])
    let created = try sandbox.run(["identity", "new", "bob", "-q"])
    #expect(created.status == 0)
    let account = created.stdout.trimmingCharacters(in: .newlines)
    #expect(account.count == 64 && account.allSatisfy(\.isHexDigit), "\(created.stdout)")
    #expect(created.stderr.isEmpty)
    try sandbox.write("a.txt", "A note about the plane trees along the canal in full leaf.")
    let submitted = try json(
      try sandbox.ok(["contribute", "d", "a.txt", "--format", "json", "--as", "alice"]))
    let contribution = try #require(submitted["contribution"] as? String)
    try sandbox.ok(["review", "accept", contribution, "--as", "alice"])
    let exported = try sandbox.run(["export", "d", "--out", "out", "-q"])
    #expect(exported.status == 0, "\(exported.stderr)")
    #expect(exported.stdout.isEmpty, "\(exported.stdout)")
    #expect(FileManager.default.fileExists(atPath: "\(sandbox.work)/out/datapackage.json"))
    // Without -q the table is there.
    let loud = try sandbox.run(["export", "d", "--out", "out2"])
    #expect(loud.stdout.contains("datapackage.json"))
  }

  /// `--skip-invalid` says what it does for each command: fingerprint and validate store
  /// nothing (validate does not take it at all).
  @Test func skipInvalidHelpSaysWhatItDoes() throws {
    let sandbox = try Sandbox()
    let fingerprint = try sandbox.run(["fingerprint", "--help"])
    #expect(fingerprint.stdout.contains("--skip-invalid"))
    #expect(!fingerprint.stdout.lowercased().contains("store the valid"), "\(fingerprint.stdout)")
    let validate = try sandbox.run(["validate", "--help"])
    #expect(!validate.stdout.contains("--skip-invalid"), "\(validate.stdout)")
    let contribute = try sandbox.run(["contribute", "--help"])
    #expect(contribute.stdout.contains("Store the valid records"))
  }

  /// The JSON `recordsRead` and the text's record count are the same number: every record read,
  /// the invalid ones included.
  @Test func recordsReadAgreesWithTheText() throws {
    let sandbox = try setUp(["--record-format", "jsonl", "--require", "text"])
    var lines = (0..<7).map { "{\"text\": \"note number \($0) about the trees of the park\"}" }
    lines += ["{\"title\": \"no text\"}", "not json"]
    try sandbox.write("notes.jsonl", lines.joined(separator: "\n") + "\n")
    let report = try json(
      try sandbox.ok([
        "fingerprint", "--datanet", "d", "notes.jsonl", "--format", "json", "--skip-invalid",
      ]))
    #expect(report["recordsRead"] as? Int == 9)
    #expect(report["invalid"] as? Int == 2)
    let text = try sandbox.run(["contribute", "d", "notes.jsonl", "--skip-invalid"])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains(": 9 record(s)"), "\(text.stdout)")
    #expect(text.stdout.contains("new records       7"), "\(text.stdout)")
  }

  // MARK: Inputs

  /// A text Datanet takes any file of UTF-8 text, whatever its name, and skips binary files,
  /// saying how many, which and why.
  @Test func textDatanetsSniffTheContent() throws {
    let sandbox = try setUp(["--record-format", "text"])
    try sandbox.write(
      "licences/GPL-2", "GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991\nEveryone is permitted.")
    try sandbox.write("licences/copyright", "Format: https://example.org/copyright-format/1.0/")
    try writeBytes(
      sandbox, "licences/logo.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0])
    try writeBytes(sandbox, "licences/latin1", Array("caf".utf8) + [0xE9, 0x20, 0x6F, 0x6B])
    let result = try sandbox.run(["contribute", "d", "licences"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("new records       2"), "\(result.stdout)")
    #expect(
      result.stdout.contains("skipped 2 file(s): 2 binary: not UTF-8 text (e.g. licences/latin1)"),
      "\(result.stdout)")
    // Only binary files: the error says what was skipped and why, not that the input is empty.
    try writeBytes(sandbox, "images/a.png", [0x89, 0x50, 0x4E, 0x47, 0, 0, 0])
    try writeBytes(sandbox, "images/b.png", [0x89, 0x50, 0x4E, 0x47, 0, 1, 0])
    try sandbox.write("images/.hidden", "text, but hidden")
    let empty = try sandbox.run(["contribute", "d", "images"])
    #expect(empty.status == 65)
    #expect(!empty.stderr.contains("the input is empty"), "\(empty.stderr)")
    #expect(empty.stderr.contains("3 file(s) skipped"), "\(empty.stderr)")
    #expect(empty.stderr.contains("2 binary: not UTF-8 text (e.g. "), "\(empty.stderr)")
    #expect(empty.stderr.contains("images/a.png"), "\(empty.stderr)")
    #expect(empty.stderr.contains("1 hidden"), "\(empty.stderr)")
  }

  /// A JSONL Datanet says which files it passed over, and why, when nothing was read.
  @Test func skippedFilesAreNamedWhenNothingIsRead() throws {
    let sandbox = try setUp()
    try sandbox.write("data/notes.txt", "some text")
    let result = try sandbox.run(["contribute", "d", "data"])
    #expect(result.status == 65)
    #expect(result.stderr.contains("1 not named for jsonl"), "\(result.stderr)")
    #expect(result.stderr.contains("data/notes.txt"), "\(result.stderr)")
    #expect(!result.stderr.contains("the input is empty"), "\(result.stderr)")
  }

  /// `fingerprint x.tar.gz` without a Datanet reads the entries as what they are named for,
  /// and asks for --record-format when they are of several formats.
  @Test func fingerprintGuessesTheFormatFromArchiveEntries() throws {
    let sandbox = try Sandbox()
    try sandbox.write("pack/a.jsonl", "{\"text\": \"one\"}\n{\"text\": \"two\"}\n")
    try sandbox.write("pack/b.jsonl", "{\"text\": \"three\"}\n")
    let tar = try runProcess(
      "/bin/tar", ["-czf", "x.tar.gz", "-C", "pack", "a.jsonl", "b.jsonl"], in: sandbox.work)
    #expect(tar.status == 0, "\(tar.stderr)")
    let report = try json(try sandbox.ok(["fingerprint", "x.tar.gz", "--format", "json"]))
    #expect(report["recordFormat"] as? String == "jsonl")
    #expect(report["recordsRead"] as? Int == 3)
    #expect((report["skippedFiles"] as? [Any])?.isEmpty == true)
    try sandbox.write("pack/c.csv", "text\nfour\n")
    let mixed = try runProcess(
      "/bin/tar", ["-czf", "mixed.tar.gz", "-C", "pack", "a.jsonl", "c.csv"], in: sandbox.work)
    #expect(mixed.status == 0)
    let ambiguous = try sandbox.run(["fingerprint", "mixed.tar.gz"])
    #expect(ambiguous.status == 64, "\(ambiguous.stderr)")
    #expect(ambiguous.stderr.contains("--record-format"), "\(ambiguous.stderr)")
    let chosen = try sandbox.run(["fingerprint", "mixed.tar.gz", "--record-format", "csv"])
    #expect(chosen.status == 0, "\(chosen.stderr)")
  }

  // MARK: The store

  /// A store whose catalog is gone does not look empty: it says so and how to repair it.
  @Test func aMissingCatalogIsNamed() throws {
    let sandbox = try setUp()
    try FileManager.default.removeItem(atPath: "\(sandbox.store)/catalog.sqlite")
    for suffix in ["-wal", "-shm"] {
      try? FileManager.default.removeItem(atPath: "\(sandbox.store)/catalog.sqlite\(suffix)")
    }
    let list = try sandbox.run(["datanet", "list"])
    #expect(list.status == 74, "\(list.stdout)\(list.stderr)")
    #expect(list.stderr.contains("catalog"), "\(list.stderr)")
    #expect(list.stderr.contains("missing"), "\(list.stderr)")
    #expect(list.stderr.contains("openledger rebuild-catalog"), "\(list.stderr)")
    try sandbox.ok(["rebuild-catalog"])
    #expect(try sandbox.ok(["datanet", "list"]).contains("d "))
  }

  // MARK: CI

  /// Totals count every finding, whatever the listing limit, and every format says when some
  /// were not listed and how to list them all; no check appears from nowhere.
  @Test func validateCountsEveryFindingAndStatesTheLimit() throws {
    let sandbox = try setUp()
    let line = "{\"text\": \"the same note about the trees, again and again\"}\n"
    try sandbox.write("many.jsonl", String(repeating: line, count: 1201))
    let text = try sandbox.run(["validate", "--datanet", "d", "many.jsonl"])
    #expect(text.status == 0, "\(text.stdout)\(text.stderr)")
    #expect(
      text.stdout.contains("ok    input many.jsonl (1201 checked, 1200 warnings)"), "\(text.stdout)"
    )
    #expect(text.stdout.contains("… and 200 more warnings, not listed"))
    #expect(text.stdout.contains("--max-findings 0"))
    #expect(text.stdout.contains("1 check: all passed (0 errors, 1200 warnings)"))
    let report = try json(
      try sandbox.ok(["validate", "--datanet", "d", "many.jsonl", "--format", "json"]))
    #expect(report["warnings"] as? Int == 1200)
    #expect(report["unlisted"] as? Int == 200)
    #expect(report["findingLimit"] as? Int == 1000)
    #expect((report["checks"] as? [Any])?.count == 1)
    #expect((report["notes"] as? [String])?.first?.contains("--max-findings 0") == true)
    let junit = try sandbox.ok(["validate", "--datanet", "d", "many.jsonl", "--format", "junit"])
    #expect(junit.contains("--max-findings 0"))
    let github = try sandbox.ok(["validate", "--datanet", "d", "many.jsonl", "--format", "github"])
    #expect(github.contains("::notice title=openledger validate::"))
    #expect(github.contains("--max-findings 0"))
    #expect(github.contains("1200 warnings"))
    let all = try json(
      try sandbox.ok([
        "validate", "--datanet", "d", "many.jsonl", "--format", "json", "--max-findings", "0",
      ]))
    #expect(all["unlisted"] as? Int == 0)
    #expect(all["warnings"] as? Int == 1200)
    let strict = try sandbox.run(["validate", "--datanet", "d", "many.jsonl", "--strict"])
    #expect(strict.status == 1)
    #expect(strict.stdout.contains("(1200 errors, 0 warnings)"), "\(strict.stdout)")
  }

  /// Records already in the Datanet are one note, not a warning each, and do not fail --strict.
  @Test func recordsAlreadyContributedAreOneNote() throws {
    let sandbox = try setUp()
    let lines = (0..<30).map { "{\"text\": \"note \($0) on the linden trees by the school\"}" }
    try sandbox.write("data/notes.jsonl", lines.joined(separator: "\n") + "\n")
    try sandbox.ok(["contribute", "d", "data"])
    let again = try sandbox.run(["validate", "--datanet", "d", "data", "--strict"])
    #expect(again.status == 0, "\(again.stdout)")
    #expect(!again.stdout.contains("warning:"), "\(again.stdout)")
    #expect(again.stdout.contains("(0 errors, 0 warnings)"), "\(again.stdout)")
    let notes = again.stdout.split(separator: "\n").filter { $0.hasPrefix("note: ") }
    #expect(notes.count == 1, "\(again.stdout)")
    #expect(notes.first?.contains("30 record(s) are already in the Datanet") == true)
    let github = try sandbox.ok(["validate", "--datanet", "d", "data", "--format", "github"])
    #expect(!github.contains("::warning"), "\(github)")
    #expect(github.contains("::notice"))
  }

  /// A near duplicate the policy refuses gets the same verdict from contribute and validate:
  /// left out, the rest stored, exit 0 (validate warns; --strict fails).
  @Test func aRefusedNearDuplicateGetsOneVerdict() throws {
    let sandbox = try setUp(["--record-format", "jsonl", "--near-duplicates", "reject"])
    try sandbox.ok(["contribute", "d", fixture("notes.jsonl")])
    let validated = try sandbox.run(["validate", "--datanet", "d", fixture("near.jsonl")])
    let contributed = try sandbox.run(["contribute", "d", fixture("near.jsonl")])
    #expect(contributed.status == 0)
    #expect(contributed.stdout.contains("1 refused"))
    #expect(validated.status == contributed.status, "\(validated.stdout)")
    #expect(validated.stdout.contains("refuses it"), "\(validated.stdout)")
    let strict = try sandbox.run(["validate", "--datanet", "d", fixture("near.jsonl"), "--strict"])
    #expect(strict.status == 1)
  }

  // MARK: Datanet settings

  /// `--license` takes SPDX identifiers and expressions over the shipped list, and LicenseRef-
  /// for others; anything else is refused, naming the list's version.
  @Test func licensesAreCheckedAgainstTheSPDXList() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    let wrong = try sandbox.run(["datanet", "create", "a", "--license", "foo-bar"])
    #expect(wrong.status == 64, "\(wrong.stderr)")
    #expect(wrong.stderr.contains("'foo-bar'"), "\(wrong.stderr)")
    #expect(wrong.stderr.contains("SPDX License List 3."), "\(wrong.stderr)")
    let close = try sandbox.run(["datanet", "create", "a", "--license", "Apache2"])
    #expect(close.status == 64)
    #expect(close.stderr.contains("did you mean Apache-2.0"), "\(close.stderr)")
    for (given, recorded, name) in [
      ("mit", "MIT"), ("MIT OR Apache-2.0", "MIT OR Apache-2.0"),
      ("(mit or Apache-2.0) AND CC-BY-4.0", "(MIT OR Apache-2.0) AND CC-BY-4.0"),
      (
        "GPL-2.0-or-later WITH Classpath-exception-2.0",
        "GPL-2.0-or-later WITH Classpath-exception-2.0"
      ),
      ("LicenseRef-field-notes-terms", "LicenseRef-field-notes-terms"),
    ].enumerated().map({ ($0.element.0, $0.element.1, "n\($0.offset)") }) {
      let created = try json(
        try sandbox.ok(["datanet", "create", name, "--license", given, "--format", "json"]))
      #expect(created["license"] as? String == recorded, "\(given)")
    }
    for broken in ["MIT OR", "(MIT", "MIT WITH nothing-exception", "AND MIT"] {
      let result = try sandbox.run(["datanet", "create", "b", "--license", broken])
      #expect(result.status == 64, "\(broken): \(result.stderr)")
    }
    let update = try sandbox.run(["datanet", "update", "n0", "--license", "nonsense"])
    #expect(update.status == 64)
    try sandbox.ok(["datanet", "update", "n0", "--license", "apache-2.0"])
    #expect(try sandbox.ok(["datanet", "show", "n0"]).contains("Apache-2.0"))
  }

  /// A policy file names accounts as the flags do: by account id or local identity name.
  @Test func policyFilesTakeIdentityNames() throws {
    let sandbox = try setUp()
    try sandbox.ok(["identity", "new", "bob"])
    try sandbox.write("policy.json", #"{"protocolAccount": "bob", "unattributedAccount": "alice"}"#)
    try sandbox.ok(["datanet", "update", "d", "--rewards-policy", "policy.json", "--as", "alice"])
    let shown = try sandbox.ok(["datanet", "show", "d"])
    #expect(shown.contains("protocol bob ("), "\(shown)")
    try sandbox.write("bad.json", #"{"protocolAccount": "nobody"}"#)
    let bad = try sandbox.run([
      "datanet", "update", "d", "--rewards-policy", "bad.json", "--as", "alice",
    ])
    #expect(bad.status == 65, "\(bad.stderr)")
    #expect(bad.stderr.contains("protocolAccount 'nobody'"), "\(bad.stderr)")
  }

  // MARK: Amounts and names

  /// Amounts read by people are in token units, as a wallet shows them; JSON keeps integers.
  @Test func amountsAreShownInTokenUnits() throws {
    let sandbox = try setUp(["--record-format", "jsonl", "--require", "text"])
    let text =
      "The plane trees along the river shed their bark in long pale strips during the dry weeks of August."
    try sandbox.write("a.jsonl", "{\"text\": \"\(text)\"}\n")
    let submitted = try json(try sandbox.ok(["contribute", "d", "a.jsonl", "--format", "json"]))
    try sandbox.ok(["review", "accept", try #require(submitted["contribution"] as? String)])
    try sandbox.ok(["index", "build", "d"])
    try sandbox.write(
      "log.jsonl", "{\"id\":\"q1\",\"output\":\"As they say, \(text)\",\"fee\":\"2500000\"}\n")
    let computed = try sandbox.run([
      "rewards", "compute", "d", "--inferences", "log.jsonl", "--token", "OPEN", "--decimals", "6",
    ])
    #expect(computed.status == 0, "\(computed.stderr)")
    #expect(computed.stdout.contains("fees 2.5 OPEN"), "\(computed.stdout)")
    #expect(!computed.stdout.contains("smallest units"))
    let shown = try sandbox.ok(["rewards", "show", "d"])
    #expect(shown.contains("fees 2.5 OPEN, cumulative 2.5 OPEN"), "\(shown)")
    let report = try json(try sandbox.ok(["rewards", "show", "d", "--format", "json"]))
    let epoch = try #require(report["epoch"] as? [String: Any])
    #expect(epoch["fees"] as? String == "2500000")
    try sandbox.ok(["manifest", "export", "d", "--out", "m"])
    let verified = try sandbox.ok(["manifest", "verify", "m/manifest.json"])
    #expect(verified.contains("2.5 OPEN"), "\(verified)")
    let payouts = try sandbox.ok(["payout", "show", "d"])
    #expect(payouts.contains("2.5 OPEN"), "\(payouts)")
    // An operator's signed log and the debt an epoch records are in token units too.
    try sandbox.ok(["datanet", "update", "d", "--add-operator", "alice"])
    try sandbox.write(
      "log2.jsonl", "{\"id\":\"q2\",\"output\":\"As they say, \(text)\",\"fee\":\"1250000\"}\n")
    let signed = try sandbox.run([
      "rewards", "sign-log", "d", "log2.jsonl", "--out", "log2.sig", "--token", "OPEN",
      "--decimals", "6",
    ])
    #expect(signed.status == 0, "\(signed.stderr)")
    #expect(signed.stderr.contains("fees 1.25 OPEN"), "\(signed.stderr)")
    let owed = try sandbox.ok([
      "rewards", "compute", "d", "--inferences", "log2.jsonl", "--signed-log", "log2.sig",
      "--token", "OPEN", "--decimals", "6",
    ])
    #expect(owed.contains("owes 1.25 OPEN"), "\(owed)")
  }

  /// A permission error names a known identity beside its short id.
  @Test func permissionErrorsNameKnownIdentities() throws {
    let sandbox = try setUp(["--record-format", "text"])
    try sandbox.ok(["identity", "new", "bob"])
    try sandbox.write("a.txt", "A note about the plane trees along the canal in full leaf.")
    let submitted = try json(
      try sandbox.ok(["contribute", "d", "a.txt", "--as", "bob", "--format", "json"]))
    let contribution = try #require(submitted["contribution"] as? String)
    let refused = try sandbox.run(["review", "accept", contribution, "--as", "bob"])
    #expect(refused.status == 77)
    #expect(refused.stderr.contains("openledger: error: bob ("), "\(refused.stderr)")
    try sandbox.ok(["review", "accept", contribution, "--as", "alice"])
    let twice = try sandbox.run(["review", "accept", contribution, "--as", "alice"])
    #expect(twice.stderr.contains("by alice ("), "\(twice.stderr)")
  }

  // MARK: Review

  /// `review show` of a `--skip-invalid` contribution lists which records were left out.
  @Test func reviewShowListsTheInvalidRecords() throws {
    let sandbox = try setUp(["--record-format", "jsonl", "--require", "text"])
    try sandbox.write(
      "notes.jsonl",
      "{\"text\": \"a fine note about the oak\"}\n{\"title\": \"no text\"}\nnot json\n")
    let submitted = try json(
      try sandbox.ok(["contribute", "d", "notes.jsonl", "--skip-invalid", "--format", "json"]))
    let contribution = try #require(submitted["contribution"] as? String)
    let shown = try sandbox.ok(["review", "show", contribution])
    #expect(shown.contains("Invalid records (2, skipped; not stored):"), "\(shown)")
    #expect(shown.contains("notes.jsonl:2: missing required field 'text'"), "\(shown)")
    #expect(shown.contains("notes.jsonl:3: malformed JSON"), "\(shown)")
  }

  // MARK: Completion

  /// Completion offers the store's Datanet names and the identities' names.
  @Test func completionOffersDatanetsAndIdentities() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "dogs", "--record-format", "text"])
    let all = try sandbox.run(["---completion", "contribute", "--", "positional@0", "0", "0", ""])
    #expect(all.status == 0, "\(all.stderr)")
    #expect(all.stdout.split(separator: "\n") == ["d", "dogs"], "\(all.stdout)")
    let prefixed = try sandbox.run(["---completion", "log", "--", "positional@0", "0", "2", "do"])
    #expect(prefixed.stdout.split(separator: "\n") == ["dogs"], "\(prefixed.stdout)")
    let option = try sandbox.run([
      "---completion", "validate", "--", "--datanet", "0", "0", "",
    ])
    #expect(option.stdout.split(separator: "\n") == ["d", "dogs"], "\(option.stdout)")
    try sandbox.ok(["identity", "new", "bob"])
    let identities = try sandbox.run([
      "---completion", "review", "accept", "--", "--as", "0", "0", "",
    ])
    #expect(identities.stdout.split(separator: "\n") == ["alice", "bob"], "\(identities.stdout)")
    // The same for the commands that came with remotes and payouts.
    for command in [["payout", "show"], ["payout", "set"], ["rewards", "sign-log"]] {
      let offered = try sandbox.run(
        ["---completion"] + command + ["--", "positional@0", "0", "0", ""])
      #expect(offered.stdout.split(separator: "\n") == ["d", "dogs"], "\(command)")
    }
    let pushed = try sandbox.run(["---completion", "push", "--", "--datanet", "0", "0", "d"])
    #expect(pushed.stdout.split(separator: "\n") == ["d", "dogs"], "\(pushed.stdout)")
    let proof = try sandbox.run([
      "---completion", "manifest", "proof", "--", "positional@1", "0", "0", "",
    ])
    #expect(proof.stdout.split(separator: "\n") == ["alice", "bob"], "\(proof.stdout)")
    let script = try sandbox.ok(["--generate-completion-script", "bash"])
    #expect(script.contains("---completion contribute -- positional@0"), "bash script")
  }

  // MARK: Schema changes

  /// The owner changes the schema with a signed update: records already in stay, new
  /// contributions follow it, and replay, verify-ledger and validate agree.
  @Test func theOwnerChangesTheSchema() throws {
    let sandbox = try setUp(["--record-format", "jsonl"])
    try sandbox.ok(["identity", "new", "bob"])
    try sandbox.ok(["datanet", "update", "d", "--add-curator", "bob", "--as", "alice"])
    try sandbox.write("short.jsonl", "{\"text\": \"a short note on oaks\"}\n")
    try sandbox.ok(["contribute", "d", "short.jsonl", "--as", "alice"])
    let byCurator = try sandbox.run(["datanet", "update", "d", "--min-length", "40", "--as", "bob"])
    #expect(byCurator.status == 77, "\(byCurator.stderr)")
    let changed = try sandbox.run(["datanet", "update", "d", "--min-length", "40", "--as", "alice"])
    #expect(changed.status == 0, "\(changed.stderr)")
    #expect(changed.stderr.contains("minimum length 0 → 40"), "\(changed.stderr)")
    #expect(changed.stderr.contains("the 1 record(s) already in it stay as they are"))
    #expect(try sandbox.ok(["datanet", "show", "d"]).contains("40 to any characters"))
    try sandbox.write("later.jsonl", "{\"text\": \"another short note\"}\n")
    let refused = try sandbox.run(["contribute", "d", "later.jsonl", "--as", "alice"])
    #expect(refused.status == 65, "\(refused.stdout)\(refused.stderr)")
    let again = try sandbox.run(["datanet", "update", "d", "--min-length", "40", "--as", "alice"])
    #expect(again.status == 64)
    let format = try sandbox.run([
      "datanet", "update", "d", "--record-format", "csv", "--as", "alice",
    ])
    #expect(format.status == 64)
    #expect(format.stderr.contains("stays so"), "\(format.stderr)")
    try sandbox.ok(["validate"])
    try sandbox.ok(["verify-ledger", "d"])
    try sandbox.ok(["rebuild-catalog"])
    #expect(try sandbox.ok(["datanet", "show", "d"]).contains("40 to any characters"))
    let removed = try sandbox.run(["datanet", "update", "d", "--min-length", "0", "--as", "alice"])
    #expect(removed.status == 0, "\(removed.stderr)")
    try sandbox.ok(["contribute", "d", "later.jsonl", "--as", "alice"])
  }

  // MARK: Progress

  /// With the total known, long work shows a bar: done of total, percent, rate; counters only
  /// when the total is not known (standard input).
  @Test func progressShowsABarWhenTheTotalIsKnown() throws {
    let sandbox = try setUp(["--record-format", "jsonl", "--require", "text"])
    let lines = (0..<3000).map {
      "{\"text\": \"note \($0) on the linden trees by the old school\"}"
    }
    try sandbox.write("notes.jsonl", lines.joined(separator: "\n") + "\n")
    let size = try #require(
      try FileManager.default.attributesOfItem(atPath: "\(sandbox.work)/notes.jsonl")[.size] as? Int
    )
    for command in [
      ["fingerprint", "--datanet", "d", "notes.jsonl"],
      ["validate", "--datanet", "d", "notes.jsonl"],
      ["contribute", "d", "notes.jsonl", "--format", "json"],
    ] {
      let result = try sandbox.runOnTerminal(command)
      #expect(result.status == 0, "\(command): \(result.stderr)")
      #expect(result.stderr.contains("\(command[0]) ["), "\(command): \(result.stderr)")
      #expect(result.stderr.contains("100%"), "\(command): \(result.stderr)")
      #expect(result.stderr.contains("/\(Self.bytes(size))"), "\(command): \(result.stderr)")
      #expect(result.stderr.contains("3000 records"), "\(command): \(result.stderr)")
    }
    let list = try #require(
      try decodeJSON(try sandbox.ok(["review", "list", "d", "--format", "json"]))
        as? [[String: Any]])
    try sandbox.ok(["review", "accept", try #require(list.first?["id"] as? String)])
    for (command, unit) in [
      (["index", "build", "d"], "records"), (["export", "d", "--out", "out"], "records"),
      (["gc"], "objects"), (["validate"], "objects"), (["fsck"], "objects"),
    ] {
      let result = try sandbox.runOnTerminal(command)
      #expect(result.status == 0, "\(command): \(result.stderr)")
      #expect(result.stderr.contains("\(command[0]) ["), "\(command): \(result.stderr)")
      #expect(result.stderr.contains("100%"), "\(command): \(result.stderr)")
      #expect(result.stderr.contains(" \(unit)"), "\(command): \(result.stderr)")
    }
    // Standard input has no known size: counters, no bar.
    let piped = try sandbox.runOnTerminal(["fingerprint", "--datanet", "d", "-"])
    #expect(!piped.stderr.contains("fingerprint ["), "\(piped.stderr)")
    #expect(piped.stderr.contains("fingerprint: 0 records"), "\(piped.stderr)")
  }

  /// Byte counts as the program prints them.
  static func bytes(_ count: Int) -> String {
    count < 1000 ? "\(count) B" : String(format: "%.1f KB", Double(count) / 1000)
  }
}
