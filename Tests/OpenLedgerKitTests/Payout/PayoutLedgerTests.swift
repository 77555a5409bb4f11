import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

/// `payout.set` in the ledger: the latest in the fold's order wins, the same on every machine;
/// replay rebuilds and checks the catalog's table; a bad event is refused on replay.
@Suite struct PayoutLedgerTests {
  static let first = EVMAddress(canonical: "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")!
  static let second = EVMAddress(canonical: "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")!

  let fixture: Fixture
  let datanet: DatanetState

  init() throws {
    fixture = try Fixture()
    _ = try fixture.createDatanet()
    datanet = try fixture.ledger.datanet("papers")
  }

  var payouts: Payouts { Payouts(store: fixture.store, datanet: datanet) }

  /// `body` signed by `identity` with `parents`, stored as an object (unless `storing` is
  /// false) but not applied.
  func forge(
    _ body: EventBody, by identity: Identity, parents: [Digest], second: Int = 0,
    storing: Bool = true
  ) throws -> SignedEvent {
    let event = try SignedEvent.sign(
      EventPayload(
        datanet: datanet.id, parents: parents, actor: identity.account,
        time: String(format: "2026-06-01T00:%02d:%02d.000Z", second / 60, second % 60),
        body: body),
      by: identity)
    if storing { try fixture.store.objects.put(event.bytes) }
    return event
  }

  @Test func theLatestSetWinsAndEarlierHeadsKeepTheirs() throws {
    let before = try fixture.ledger.heads(of: datanet.id)
    let set = try payouts.set(
      PayoutSet(address: Self.first, chainId: 1), by: fixture.bob, clock: fixture.clock)
    let middle = try fixture.ledger.heads(of: datanet.id)
    try payouts.set(PayoutSet(address: Self.second), by: fixture.bob, clock: fixture.clock)
    let now = try payouts.addresses()
    #expect(now[fixture.bob.account]?.address == Self.second)
    #expect(now[fixture.bob.account]?.chainId == nil)
    #expect(now[fixture.alice.account] == nil)
    let asOf = { (heads: [Digest]) in
      try fixture.store.catalog.read { db in
        try PayoutCatalog.addresses(of: datanet.id, asOf: heads, in: db)
      }
    }
    #expect(try asOf(before).isEmpty)
    #expect(try asOf(middle)[fixture.bob.account]?.event == set.id)
    #expect(try asOf(middle)[fixture.bob.account]?.chainId == 1)

    // Rebuilt from the objects, the same; and the ledger check agrees with the catalog.
    _ = try fixture.store.rebuildCatalog()
    #expect(try payouts.addresses() == now)
    #expect(try fixture.store.verifyLedger().isClean)
  }

  /// Two sets by one account that neither saw: the fold's order decides (the larger event id
  /// folds last and wins), whatever order a store learned them in.
  @Test func concurrentSetsResolveByTheFoldsOrder() throws {
    let parents = try fixture.ledger.heads(of: datanet.id)
    let a = try forge(
      .payoutSet(PayoutSet(address: Self.first)), by: fixture.bob, parents: parents, second: 1)
    // Signed later, but with the smaller id: the fold takes it first, so `a` wins; neither
    // the signing time nor the order of arrival counts.
    var second = 2
    var b: SignedEvent
    repeat {
      b = try forge(
        .payoutSet(PayoutSet(address: Self.second)), by: fixture.bob, parents: parents,
        second: second, storing: false)
      second += 1
    } while b.id > a.id
    try fixture.store.objects.put(b.bytes)
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.isEmpty, "\(report.rejected)")
    #expect(try payouts.addresses()[fixture.bob.account]?.event == a.id)
    #expect(try payouts.addresses()[fixture.bob.account]?.address == Self.first)
  }

  @Test func replayRefusesTheZeroAddress() throws {
    let forged = try forge(
      .payoutSet(PayoutSet(address: .zero)), by: fixture.bob,
      parents: try fixture.ledger.heads(of: datanet.id))
    let report = try fixture.store.rebuildCatalog()
    #expect(report.rejected.map(\.event) == [forged.id.hex])
    #expect(report.rejected.first?.reason.contains("zero address") == true)
    #expect(try payouts.addresses().isEmpty)
    // And writing one is refused before anything is signed.
    #expect(throws: PayoutError.zeroAddress) {
      try payouts.set(PayoutSet(address: .zero), by: fixture.bob, clock: fixture.clock)
    }
  }

  @Test func theLedgerCheckFindsACatalogThatDisagrees() throws {
    try payouts.set(PayoutSet(address: Self.first), by: fixture.bob, clock: fixture.clock)
    try fixture.store.catalog.write { db in
      try db.execute(
        sql: "UPDATE payout_addresses SET address = ?", arguments: [Self.second.hex])
    }
    let findings = try fixture.store.verifyLedger().findings
    #expect(findings.map(\.kind) == [.catalogMismatch])
    #expect(
      findings.first?.message.contains("payout address of account \(fixture.bob.account.hex)")
        == true)
  }

  @Test func theEventRoundTripsCanonically() throws {
    let event = try payouts.set(
      PayoutSet(address: Self.first, chainId: 8453), by: fixture.bob, clock: fixture.clock)
    let payload = try #require(
      Envelope.decodeForTest(event.bytes))
    #expect(
      payload.contains(
        #""body":{"address":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","chainId":8453}"#))
    #expect(payload.contains(#""type":"payout.set""#))
    let verified = try SignedEvent.verified(id: event.id, bytes: event.bytes)
    #expect(verified.payload == event.payload)
  }
}

extension Envelope {
  /// The payload text of an envelope's bytes.
  static func decodeForTest(_ bytes: Data) -> String? {
    (try? JSONDecoder().decode(Envelope.self, from: bytes))?.payloadBytes.map {
      String(decoding: $0, as: UTF8.self)
    }
  }
}
