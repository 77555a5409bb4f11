import Foundation
import Testing

/// End-to-end: text that comes from contributors and curators (descriptions, licences, reasons,
/// record text, file names) never reaches a person's terminal with characters the terminal would
/// obey; it shows them as visible escapes.
@Suite struct TerminalEscapingTests {
  /// An OSC 52 clipboard write ended by BEL, a carriage return that would overwrite the line
  /// with a fake message, a screen clear, a C1 CSI and a right-to-left override.
  static let hostile =
    "A\u{1B}]52;c;SGVsbG8=\u{07}B\rFAKE: accepted by curator\u{1B}[2J\u{9B}31m\u{202E}Z"
  /// How `hostile` shows.
  static let shown = #"A\e]52;c;SGVsbG8=\aB\rFAKE: accepted by curator\e[2J\u{9b}31m\u{202e}Z"#

  /// The characters of `text` a terminal would obey: every C0 control but the newline, DEL,
  /// C1 controls, and the bidirectional overrides and isolates.
  static func obeyed(_ text: String) -> [String] {
    text.unicodeScalars.filter { scalar in
      switch scalar.value {
      case 0x0A: false
      case 0x00..<0x20, 0x7F..<0xA0, 0x202A...0x202E, 0x2066...0x2069: true
      default: false
      }
    }.map { String(format: "U+%04X", $0.value) }
  }

  func expectEscaped(
    _ result: RunResult, _ what: String, sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(Self.obeyed(result.stdout).isEmpty, "\(what): stdout", sourceLocation: sourceLocation)
    #expect(Self.obeyed(result.stderr).isEmpty, "\(what): stderr", sourceLocation: sourceLocation)
    #expect(
      (result.stdout + result.stderr).contains(Self.shown), "\(what) shows the escaped text",
      sourceLocation: sourceLocation)
  }

  @Test func curatorsSeeEscapesNotControlCharacters() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["identity", "new", "bob"])
    try sandbox.ok([
      "datanet", "create", "notes", "--as", "alice", "--record-format", "jsonl",
      "--description", Self.hostile, "--license", "CC0-1.0",
    ])
    // A licence is checked against the SPDX list; the refusal quotes it escaped.
    let license = try sandbox.run(["datanet", "create", "other", "--license", Self.hostile])
    #expect(license.status == 64)
    expectEscaped(license, "datanet create --license")
    // JSON escapes the controls in the file; the record's text holds them raw.
    let escapedJSON = Self.hostile.unicodeScalars.map { scalar in
      scalar.value < 0x20 ? String(format: "\\u%04x", scalar.value) : String(scalar)
    }.joined()
    try sandbox.write(
      "first.jsonl",
      "{\"text\": \"\(escapedJSON)\"}\n{\"text\": \"a second, plain record for the list\"}\n")
    let contributed = try #require(
      try decodeJSON(
        try sandbox.ok(["contribute", "notes", "first.jsonl", "--as", "bob", "--format", "json"]))
        as? [String: Any])
    let contribution = try #require(contributed["contribution"] as? String)
    try sandbox.ok(["review", "reject", contribution, "--as", "alice", "--reason", Self.hostile])

    for arguments in [
      // `datanet list` shows no free text any more: names and licences are checked.
      ["datanet", "show", "notes"], ["log", "notes"],
      ["review", "show", contribution, "--all"],
    ] {
      let result = try sandbox.run(arguments)
      #expect(result.status == 0, "\(arguments): \(result.stderr)")
      expectEscaped(result, arguments.joined(separator: " "))
    }
    // JSON output keeps the exact text, in JSON's own escaping.
    let json = try sandbox.ok(["datanet", "show", "notes", "--format", "json"])
    #expect(json.contains(#"A\u001b]52;c;SGVsbG8=\u0007B\rFAKE"#), "\(json)")

    // Errors name what was given, escaped: a file (whose name is refused before it is looked
    // for), an unknown Datanet, an unexpected argument.
    let named = try sandbox.run(["contribute", "notes", Self.hostile + ".jsonl", "--as", "bob"])
    #expect(named.status == 65)
    expectEscaped(named, "contribute's error")
    let unknown = try sandbox.run(["datanet", "show", Self.hostile])
    #expect(unknown.status != 0)
    #expect(Self.obeyed(unknown.stderr).isEmpty, "\(Self.obeyed(unknown.stderr))")
    let usage = try sandbox.run(["log", "notes", Self.hostile])
    #expect(usage.status == 64)
    expectEscaped(usage, "a usage error")
  }

  /// A line of a Datanet's description can't pose as a row of the table it is shown in.
  @Test func newlinesInAValueStayInItsCell() throws {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok([
      "datanet", "create", "notes", "--record-format", "jsonl",
      "--description", "first line\nowner         mallory (0000000000000000)",
    ])
    let shown = try sandbox.ok(["datanet", "show", "notes"])
    #expect(shown.contains(#"first line\nowner         mallory"#), "\(shown)")
    #expect(!shown.split(separator: "\n").contains { $0.hasPrefix("owner         mallory") })
  }
}
