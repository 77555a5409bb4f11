import Foundation
import OpenLedgerKit
import Testing

/// How a person names someone else's account for a role: by the public key file they were
/// sent, or by the short id listings print, as well as by the full id or a local name.
@Suite struct AccountNamingTests {
  typealias Machine = RemoteTests.Machine

  /// The curators and model operators of alice's Datanet `notes`.
  func members(_ alice: Machine) throws -> (curators: [String], operators: [String]) {
    let state = try #require(try alice.json(["datanet", "show", "notes"]) as? [String: Any])
    return (state["curators"] as? [String] ?? [], state["operators"] as? [String] ?? [])
  }

  @Test func aPublicKeyFileOrAShortIDNamesAnAccount() throws {
    let sandbox = try Sandbox()
    let alice = try Machine(sandbox, "alice")
    let bob = try Machine(sandbox, "bob")
    try alice.ok(["init"])
    try alice.ok(["datanet", "create", "notes", "--record-format", "jsonl", "--text-field", "text"])
    let bobAccount = try #require(
      (try bob.json(["identity", "show", "bob"]) as? [String: Any])?["account"] as? String)
    // bob sends alice the file `identity export-public` writes; she names bob by it.
    try bob.ok(["identity", "export-public", "--out", "\(alice.home)/work/bob.pub.json"])
    try alice.ok(["datanet", "update", "notes", "--add-curator", "bob.pub.json"])
    #expect(try members(alice).curators.contains(bobAccount))
    // Known to the ledger now, bob is named by the short id listings print, or 8 digits.
    try alice.ok(["datanet", "update", "notes", "--add-operator", String(bobAccount.prefix(12))])
    #expect(try members(alice).operators == [bobAccount])
    try alice.ok(["datanet", "update", "notes", "--remove-curator", String(bobAccount.prefix(8))])
    #expect(!(try members(alice).curators.contains(bobAccount)))
    // A prefix of no account the store knows is not found, saying what to pass.
    let unknown = bobAccount.hasPrefix("0123") ? "fedcba987654" : "0123456789ab"
    let result = try alice.run(["datanet", "update", "notes", "--add-curator", unknown])
    #expect(result.status == 66, "\(result.stderr)")
    #expect(result.stderr.contains("'\(unknown)' names no account"), "\(result.stderr)")
    #expect(result.stderr.contains("identity export-public"), "\(result.stderr)")
    // Fewer than 8 digits are not taken as a prefix.
    let short = try alice.run([
      "datanet", "update", "notes", "--add-curator", String(bobAccount.prefix(7)),
    ])
    #expect(short.status == 66, "\(short.stderr)")
    _ = sandbox
  }
}
