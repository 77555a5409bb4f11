import Foundation
import Testing

/// An archive fixture of the core's tests (Tests/OpenLedgerKitTests/Inputs/archives).
func archiveFixture(_ name: String) -> String {
  URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("OpenLedgerKitTests/Inputs/archives/\(name)").path
}

/// End-to-end: contributing archives, good and hostile.
@Suite struct ArchiveInputTests {
  func setUp() throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["datanet", "create", "papers", "--record-format", "jsonl"])
    return sandbox
  }

  @Test(arguments: [
    "good.tar", "good.tar.gz", "good.tar.bz2", "good.tar.xz", "good.tar.zst", "good.zip", "good.7z",
  ])
  func everyFormatGivesTheSameRecords(_ name: String) throws {
    let sandbox = try setUp()
    let output = try sandbox.ok(["contribute", "papers", archiveFixture(name), "--format", "json"])
    let result = try #require(try decodeJSON(output) as? [String: Any])
    let report = try #require(result["report"] as? [String: Any])
    #expect(report["recordsNew"] as? Int == 3)
    let inputs = try #require(report["inputs"] as? [[String: Any]])
    #expect(inputs.count == 1)
    #expect(
      (inputs[0]["path"] as? String)?.hasSuffix("\(name):corpus/papers/2024/abstracts.jsonl")
        == true)
    #expect(try sandbox.run(["fsck"]).status == 0)
  }

  @Test func aCompressedFileAndStdin() throws {
    let sandbox = try setUp()
    try sandbox.ok(["contribute", "papers", archiveFixture("data.jsonl.zst")])
    let piped = try sandbox.run(
      ["contribute", "papers", "-"],
      stdin: try Data(contentsOf: URL(fileURLWithPath: archiveFixture("data.jsonl.gz"))))
    #expect(piped.status == 0)
    #expect(piped.stdout.contains("already in the Datanet"))
  }

  /// Each hostile archive is refused with exit 65, a message naming the archive and the entry,
  /// and nothing stored.
  @Test(arguments: [
    ("zip-slip.zip", "'../evil.txt' has a '..' component"),
    ("traversal.tar", "'..' component"),
    ("absolute.tar", "absolute"),
    ("symlink.tar", "symbolic link"),
    ("hardlink.tar", "hard link"),
    ("device.tar", "device"),
    ("fifo.tar", "FIFO"),
    ("bomb.tar.zst", "--max-ratio"),
    ("truncated.tar.gz", "damaged or incomplete"),
    ("corrupt.zip", "damaged"),
    ("encrypted.zip", "encrypted"),
    ("bad-crc.jsonl.gz", "the gzip checksum (CRC-32) does not match the content"),
    ("bad-length.tar.gz", "the gzip length field does not match"),
    ("bad-crc-after-end.tar.gz", "the gzip checksum (CRC-32) does not match the content"),
  ])
  func hostileArchivesAreRefused(_ name: String, _ expected: String) throws {
    let sandbox = try setUp()
    let result = try sandbox.run(["contribute", "papers", archiveFixture(name)])
    #expect(result.status == 65, "\(result.stderr)")
    #expect(result.stderr.contains(name), "\(result.stderr)")
    #expect(result.stderr.contains(expected), "\(result.stderr)")
    #expect(try sandbox.ok(["log", "papers"]).split(separator: "\n").count == 2, "no contribution")
    #expect(try sandbox.run(["fsck"]).status == 0)
  }

  /// `validate` over a hostile archive points its annotation at the archive.
  @Test func validateAnnotatesARefusedArchiveWithItsFile() throws {
    let sandbox = try setUp()
    try FileManager.default.copyItem(
      atPath: archiveFixture("zip-slip.zip"), toPath: "\(sandbox.work)/zip-slip.zip")
    let result = try sandbox.run([
      "validate", "--datanet", "papers", "zip-slip.zip", "--format", "github",
    ])
    #expect(result.status == 1)
    #expect(result.stdout.contains("::error file=zip-slip.zip,"), "\(result.stdout)")
    #expect(result.stdout.contains("'..' component"))
  }

  /// A genuine text file that compresses 290 to 1: refused by default like a bomb, nothing
  /// stored; stored whole once --max-ratio is raised. The other limits can be lowered too.
  @Test func raisingALimitLetsAGenuineArchiveThrough() throws {
    let sandbox = try setUp()
    try sandbox.ok(["datanet", "create", "raw", "--record-format", "text"])
    let refused = try sandbox.run(["contribute", "raw", archiveFixture("repeated-2mib.tar.gz")])
    #expect(refused.status == 65)
    #expect(refused.stderr.contains("more than 200 times"), "\(refused.stderr)")
    #expect(refused.stderr.contains("raise the limit with --max-ratio"))
    #expect(try sandbox.ok(["log", "raw"]).split(separator: "\n").count == 2, "no contribution")
    let raised = try sandbox.run([
      "contribute", "raw", archiveFixture("repeated-2mib.tar.gz"), "--max-ratio", "2000",
    ])
    #expect(raised.status == 0, "\(raised.stderr)")
    #expect(raised.stdout.contains("new records       1"))
    let lowered = try sandbox.run([
      "contribute", "raw", archiveFixture("zeros-3mib.tar.gz"), "--max-ratio", "100000",
      "--max-expanded-size", "1MiB",
    ])
    #expect(lowered.status == 65)
    #expect(lowered.stderr.contains("--max-expanded-size"))
  }
}
