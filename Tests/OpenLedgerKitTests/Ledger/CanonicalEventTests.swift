import Foundation
import Testing

@testable import OpenLedgerKit

/// One signed payload is one event: an envelope stored in any other encoding than the one its
/// signer wrote is refused wherever events enter, so it cannot become a second event.
@Suite struct CanonicalEventTests {
  /// A Datanet with bob's contribution, which bob then withdrew.
  func withdrawn() throws -> (fixture: CurationFixture, submit: SignedEvent) {
    let fixture = try CurationFixture()
    let contribution = try fixture.contribute([sentence(1), sentence(2)], by: fixture.bob)
    try fixture.curation.withdraw(
      contribution.hex, reason: "oops", by: fixture.bob, clock: fixture.clock)
    let submit = try #require(
      try fixture.base.ledger.events(of: fixture.datanet.id).first { $0.id == contribution })
    return (fixture, submit)
  }

  /// The ways to re-encode an envelope while keeping its signature valid.
  static func reencodings(of bytes: Data) throws -> [String: Data] {
    let envelope = try JSONDecoder().decode(Envelope.self, from: bytes)
    var object = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
    var variants = [String: Data]()
    variants["indented"] = try CanonicalEncoder.encodePretty(envelope)
    variants["trailing newline"] = bytes + Data("\n".utf8)
    var repeated = envelope
    repeated.signatures.append(repeated.signatures[0])
    variants["repeated signature"] = try repeated.encoded()
    var anonymous = envelope
    anonymous.signatures[0].keyid = ""
    variants["empty keyid"] = try anonymous.encoded()
    object["note"] = "hello"
    variants["extra field"] = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    // The same payload bytes, encoded with `\/` escapes for the slashes in payloadType.
    variants["escaped slash"] = Data(
      String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "/", with: "\\/").utf8)
    return variants
  }

  @Test func reencodedEnvelopesAreRefused() throws {
    let (_, submit) = try withdrawn()
    let variants = try Self.reencodings(of: submit.bytes)
    #expect(variants.count == 6)
    for (name, bytes) in variants {
      #expect(bytes != submit.bytes, "\(name)")
      do {
        _ = try SignedEvent.verified(id: Digest.of(bytes), bytes: bytes)
        Issue.record("the \(name) envelope was accepted")
      } catch let error as LedgerError {
        switch error {
        case .nonCanonicalEvent, .corruptEvent: break
        default: Issue.record("the \(name) envelope: unexpected \(error)")
        }
      }
    }
    // The original still verifies.
    #expect(try SignedEvent.verified(id: submit.id, bytes: submit.bytes).id == submit.id)
  }

  /// The attack of issue 13: the withdrawn contribution's envelope, indented and stored under
  /// its new hash, came back as pending after `rebuild-catalog`.
  @Test func aReencodedSubmitCannotReviveAWithdrawnContribution() throws {
    let (fixture, submit) = try withdrawn()
    for (_, bytes) in try Self.reencodings(of: submit.bytes) {
      try fixture.store.objects.put(bytes)
    }
    let report = try fixture.store.rebuildCatalog()
    let contributions = try fixture.store.catalog.read { db in
      try String.fetchAll(db, sql: "SELECT status FROM contributions")
    }
    #expect(contributions == ["withdrawn"])
    #expect(report.rejected.count == 6)
    #expect(report.rejected.allSatisfy { $0.reason.contains("is refused") }, "\(report.rejected)")
    let verification = try fixture.store.verifyLedger()
    #expect(verification.findings.filter { $0.kind == .unverifiable }.count == 6)
    #expect(!verification.isClean)
  }

  /// A payload the actor signed in a non-canonical form is refused too, though its signature
  /// verifies: only the encoding `SignedEvent.sign` writes is an event.
  @Test func aSignedNonCanonicalPayloadIsRefused() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    let payload = EventPayload(
      datanet: create.id, parents: [create.id], actor: fixture.alice.account,
      time: "2026-01-01T00:00:00.000Z",
      body: .datanetUpdate(DatanetUpdate(description: "spaced")))
    let pretty = try CanonicalEncoder.encodePretty(payload)
    let envelope = try Envelope.sign(payload: pretty, type: eventPayloadType, by: fixture.alice)
    let bytes = try envelope.encoded()
    #expect(envelope.isSigned(by: fixture.alice.account))
    #expect(throws: LedgerError.self) {
      try SignedEvent.verified(id: Digest.of(bytes), bytes: bytes)
    }
  }

  /// Ed25519 signatures are not malleable here: adding the group order to S (which a lax
  /// verifier accepts) gives a signature that does not verify.
  @Test func aMalleatedSignatureDoesNotVerify() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    var envelope = try JSONDecoder().decode(Envelope.self, from: create.bytes)
    var signature = [UInt8](try #require(Data(base64Encoded: envelope.signatures[0].sig)))
    // ℓ = 2^252 + 27742317777372353535851937790883648493, little-endian.
    let order: [UInt8] = [
      0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
      0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ]
    var carry = 0
    for i in 0..<32 {
      let sum = Int(signature[32 + i]) + Int(order[i]) + carry
      signature[32 + i] = UInt8(sum & 0xff)
      carry = sum >> 8
    }
    envelope.signatures[0].sig = Data(signature).base64EncodedString()
    #expect(!envelope.isSigned(by: fixture.alice.account))
  }
}
