import Foundation
import GRDB
import Testing

@testable import OpenLedgerKit

@Suite struct LedgerTests {
  @Test func createThenUpdateFoldsIntoState() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    #expect(create.datanet == create.id)
    let update = DatanetUpdate(license: "MIT", addCurators: [fixture.bob.account])
    let event = try fixture.ledger.append(
      .datanetUpdate(update), to: create.id, by: fixture.alice, clock: fixture.clock)
    #expect(event.payload.parents == [create.id])
    let state = try fixture.ledger.datanet("papers")
    #expect(state.license == "MIT")
    #expect(state.curators == [fixture.alice.account, fixture.bob.account].sorted())
    #expect(try fixture.ledger.events(of: create.id).map(\.id) == [create.id, event.id])
  }

  @Test func onlyTheOwnerChangesCuratorsAndARefusalWritesNothing() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    try fixture.ledger.append(
      .datanetUpdate(DatanetUpdate(addCurators: [fixture.bob.account])), to: create.id,
      by: fixture.alice, clock: fixture.clock)
    var malformed = [String]()
    let before = try fixture.store.objects.allObjects(malformed: &malformed)
    #expect(throws: LedgerError.self) {
      try fixture.ledger.append(
        .datanetUpdate(DatanetUpdate(removeCurators: [fixture.alice.account])), to: create.id,
        by: fixture.bob, clock: fixture.clock)
    }
    do {
      try fixture.ledger.append(
        .datanetUpdate(DatanetUpdate(addCurators: [fixture.bob.account])), to: create.id,
        by: fixture.bob, clock: fixture.clock)
      Issue.record("a curator changed the curators")
    } catch let error as LedgerError {
      #expect(error.kind == .permissionDenied)
    }
    #expect(try fixture.store.objects.allObjects(malformed: &malformed) == before)
    #expect(try fixture.ledger.events(of: create.id).count == 2)
    // A curator may still change the description.
    try fixture.ledger.append(
      .datanetUpdate(DatanetUpdate(description: "new")), to: create.id, by: fixture.bob,
      clock: fixture.clock)
    #expect(try fixture.ledger.datanet("papers").description == "new")
  }

  @Test func datanetNamesAreUnique() throws {
    let fixture = try Fixture()
    _ = try fixture.createDatanet()
    do {
      _ = try fixture.createDatanet(by: fixture.bob)
      Issue.record("a second Datanet with the same name was created")
    } catch let error as LedgerError {
      #expect(error.kind == .cannotCreate)
    }
  }

  @Test func datanetsResolveByNameIdAndPrefix() throws {
    let fixture = try Fixture()
    let event = try fixture.createDatanet()
    #expect(try fixture.ledger.datanet(event.id.hex).name == "papers")
    #expect(try fixture.ledger.datanet(String(event.id.hex.prefix(10))).name == "papers")
    #expect(throws: LedgerError.self) { try fixture.ledger.datanet("nope") }
  }

  @Test func rebuildingTheCatalogReplaysToTheSameState() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    try fixture.ledger.append(
      .datanetUpdate(DatanetUpdate(license: "MIT", addCurators: [fixture.bob.account])),
      to: create.id, by: fixture.alice, clock: fixture.clock)
    let before = try fixture.ledger.datanet("papers")
    let report = try fixture.store.rebuildCatalog()
    #expect(report.eventsApplied == 2)
    #expect(report.rejected.isEmpty)
    #expect(try fixture.ledger.datanet("papers") == before)
  }

  /// An event written into the store by hand, signed by someone who may not make the change,
  /// is refused on replay just as it would have been on write.
  @Test func replayRefusesAForgedEvent() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    let forged = try SignedEvent.sign(
      EventPayload(
        datanet: create.id, parents: [create.id], actor: fixture.bob.account,
        time: "2026-01-01T00:00:00.000Z",
        body: .datanetUpdate(DatanetUpdate(addCurators: [fixture.bob.account]))),
      by: fixture.bob)
    try fixture.store.objects.put(forged.bytes)
    let report = try fixture.store.rebuildCatalog()
    #expect(report.eventsApplied == 1)
    #expect(report.rejected.map(\.event) == [forged.id.hex])
    #expect(try fixture.ledger.datanet("papers").curators == [fixture.alice.account])
  }

  @Test func anAlteredEventFailsVerification() throws {
    let fixture = try Fixture()
    let create = try fixture.createDatanet()
    var bytes = try fixture.store.objects.read(create.id)
    let text = String(decoding: bytes, as: UTF8.self)
    var envelope = try JSONDecoder().decode(Envelope.self, from: bytes)
    var payload = try JSONDecoder().decode(EventPayload.self, from: envelope.payloadBytes!)
    payload.time = "2020-01-01T00:00:00.000Z"
    envelope.payload = try CanonicalEncoder.encode(payload).base64EncodedString()
    bytes = try envelope.encoded()
    #expect(text != String(decoding: bytes, as: UTF8.self))
    #expect(throws: LedgerError.self) {
      try SignedEvent.verified(id: Digest.of(bytes), bytes: bytes)
    }
  }

  @Test func topologicalOrderPutsParentsFirstAndBreaksTiesById() {
    let a = Digest.of(Data("a".utf8))
    let b = Digest.of(Data("b".utf8))
    let c = Digest.of(Data("c".utf8))
    let d = Digest.of(Data("d".utf8))
    let parents: [Digest: [Digest]] = [a: [], b: [a], c: [a], d: [b, c]]
    let order = TopologicalOrder.sort(parents)
    #expect(order.first == a)
    #expect(order.last == d)
    #expect(Array(order[1...2]) == [b, c].sorted())
    var missing = [Digest]()
    _ = TopologicalOrder.sort([d: [b]]) { _, parent in missing.append(parent) }
    #expect(missing == [b])
  }
}
