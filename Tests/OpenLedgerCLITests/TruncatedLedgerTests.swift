import Foundation
import OpenLedgerKit
import Testing

/// A ledger that lost its newest events (issue 13, defect 7): the manifests they recorded are
/// still in the store and in exports, and `manifest verify` and `validate` must say that the
/// ledger lacks what those manifests name.
extension RewardsCommandTests {
  /// Epoch `number` as `rewards show --format json` lists it.
  func shownEpoch(_ number: Int) throws -> [String: Any] {
    let shown = try #require(
      try decodeJSON(
        try sandbox.ok(["rewards", "show", "trees", "--epoch", "\(number)", "--format", "json"]))
        as? [String: Any])
    return try #require(shown["epoch"] as? [String: Any])
  }

  /// Deletes the object files of `events` and rebuilds the catalog from what is left.
  func truncateLedger(deleting events: [String]) throws {
    for event in events {
      try FileManager.default.removeItem(
        atPath: "\(sandbox.store)/objects/sha256/\(event.prefix(2))/\(event.dropFirst(2))")
    }
    try sandbox.ok(["rebuild-catalog"])
  }

  /// The findings of `validate --datanet trees --format json` with `code`.
  func findings(_ report: [String: Any], code: String) -> [[String: Any]] {
    ((report["checks"] as? [[String: Any]]) ?? []).flatMap {
      (($0["findings"] as? [[String: Any]]) ?? []).filter { $0["code"] as? String == code }
    }
  }

  func validateJSON() throws -> (status: Int32, report: [String: Any]) {
    let result = try sandbox.run(["validate", "--datanet", "trees", "--format", "json"])
    return (result.status, try #require(try decodeJSON(result.stdout) as? [String: Any]))
  }

  /// Computes epochs 1 and 2 and exports epoch 2 into `e2/`.
  func twoEpochsExported() throws {
    #expect(try compute().status == 0)
    try sandbox.write("log2.jsonl", Self.secondLog)
    #expect(try compute(log: "log2.jsonl").status == 0)
    try sandbox.ok(["manifest", "export", "trees", "--out", "e2"])
  }

  @Test func aManifestWhoseEpochEventIsGoneFailsVerifyAndValidate() throws {
    try twoEpochsExported()
    let epoch2 = try shownEpoch(2)
    let manifest = try #require(epoch2["manifest"] as? String)
    let event = try #require(epoch2["event"] as? String)
    #expect(try sandbox.ok(["manifest", "verify", "e2/manifest.json"]).contains("passed  ledger"))
    let (cleanStatus, clean) = try validateJSON()
    #expect(cleanStatus == 0, "\(clean)")

    try truncateLedger(deleting: [event])
    let verified = try sandbox.run(["manifest", "verify", "e2/manifest.json"])
    #expect(verified.status == 1, "\(verified.stdout)")
    #expect(verified.stderr.contains("failed verification: ledger"), "\(verified.stderr)")
    #expect(verified.stdout.contains("FAILED  ledger"))
    #expect(
      verified.stdout.contains("the store's ledger of trees lacks epoch 2's rewards.epoch event"),
      "\(verified.stdout)")
    #expect(verified.stdout.contains("truncated"))
    #expect(verified.stdout.contains("passed  signature"))
    // The same with --format json: the ledger check failed, not skipped.
    let json = try sandbox.run(["manifest", "verify", "e2/manifest.json", "--format", "json"])
    #expect(json.status == 1)
    let checks = try #require(
      (try decodeJSON(json.stdout) as? [String: Any])?["checks"] as? [[String: Any]])
    #expect(checks.first { $0["check"] as? String == "ledger" }?["status"] as? String == "failed")

    let (status, report) = try validateJSON()
    #expect(status == 1)
    let missing = findings(report, code: "manifest-epoch-missing")
    #expect(missing.count == 1, "\(report)")
    #expect(missing.first?["subject"] as? String == manifest)
    #expect(missing.first?["severity"] as? String == "error")
    let message = try #require(missing.first?["message"] as? String)
    #expect(message.contains("epoch 2 of trees"), "\(message)")
    #expect(message.contains(manifest))
    let text = try sandbox.run(["validate", "--datanet", "trees"])
    #expect(text.status == 1)
    #expect(
      text.stdout.contains("FAIL  unrecorded manifests trees (1 checked, 1 error)"),
      "\(text.stdout)")
    #expect(text.stdout.contains("is recorded by no rewards.epoch event"))

    // Where no store holds the Datanet, the ledger check has nothing to compare with.
    try sandbox.ok(["identity", "export-public", "alice", "--out", "alice.pub.json"])
    let elsewhere = "\(sandbox.root)/elsewhere"
    try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
    let offline = try sandbox.run(
      [
        "manifest", "verify", "\(sandbox.work)/e2/manifest.json", "--key",
        "\(sandbox.work)/alice.pub.json",
      ], in: elsewhere)
    #expect(offline.status == 0, "\(offline.stdout)")
    #expect(offline.stdout.contains("skipped  ledger"))
  }

  @Test func aManifestNamingLedgerHeadsThatAreGoneFails() throws {
    try twoEpochsExported()
    let epoch1Event = try #require(try shownEpoch(1)["event"] as? String)
    let epoch2 = try shownEpoch(2)
    let epoch2Event = try #require(epoch2["event"] as? String)
    let manifest = try #require(epoch2["manifest"] as? String)
    // Epoch 2 was computed when epoch 1's event was the ledger's only head.
    let predicate = try RewardsManifest.load(path: "\(sandbox.work)/e2/manifest.json").predicate
    #expect(predicate.ledgerHeads.map(\.hex) == [epoch1Event])

    try truncateLedger(deleting: [epoch2Event, epoch1Event])
    let verified = try sandbox.run(["manifest", "verify", "e2/manifest.json"])
    #expect(verified.status == 1)
    #expect(verified.stdout.contains("FAILED  ledger"))
    #expect(verified.stdout.contains("lacks epoch 2's rewards.epoch event"))
    #expect(verified.stdout.contains("the ledger heads the manifest names"), "\(verified.stdout)")
    #expect(verified.stdout.contains(epoch1Event))

    let (status, report) = try validateJSON()
    #expect(status == 1)
    // Both epochs' manifests are left without their events; epoch 2's also names a head.
    #expect(findings(report, code: "manifest-epoch-missing").count == 2, "\(report)")
    let heads = findings(report, code: "manifest-heads-missing")
    #expect(heads.count == 1)
    #expect(heads.first?["subject"] as? String == manifest)
    let message = try #require(heads.first?["message"] as? String)
    #expect(message.contains(epoch1Event), "\(message)")
    #expect(message.contains("epoch 2 of trees"))
  }

  @Test func aManifestThatLostTheRaceForItsEpochIsAWarning() throws {
    // A manifest signed for epoch 1 that the ledger never recorded (as a `rewards compute`
    // that lost to a concurrent one leaves): the ledger has its own epoch 1.
    let directory = try exported()
    try forgeMovingBobsAmountToCarol(in: directory)
    let forged = try RewardsManifest.load(path: "\(directory)/manifest.json")
    try ObjectStore(root: "\(sandbox.store)/objects/sha256", staging: "\(sandbox.store)/tmp")
      .put(forged.bytes)
    let (status, report) = try validateJSON()
    #expect(status == 0, "\(report)")
    let unrecorded = findings(report, code: "manifest-not-recorded")
    #expect(unrecorded.count == 1, "\(report)")
    #expect(unrecorded.first?["severity"] as? String == "warning")
    #expect(unrecorded.first?["subject"] as? String == forged.id.hex)
    #expect((unrecorded.first?["message"] as? String)?.contains("openledger gc") == true)
    let strict = try sandbox.run(["validate", "--datanet", "trees", "--strict"])
    #expect(strict.status == 1)
  }
}
