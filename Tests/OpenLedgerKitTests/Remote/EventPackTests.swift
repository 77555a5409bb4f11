import Foundation
import Testing

@testable import OpenLedgerKit

/// Packs as a push cuts them: never longer than a pull reads.
@Suite struct EventPackTests {
  /// `count` update events of a new Datanet, each naming the previous.
  func events(_ count: Int, in fixture: Fixture) throws -> [SignedEvent] {
    let create = try fixture.createDatanet()
    var parent = create.id
    return try (0..<count).map { n in
      let event = try SignedEvent.sign(
        EventPayload(
          datanet: create.id, parents: [parent], actor: fixture.alice.account,
          time: "2026-01-01T00:00:00.000Z",
          body: .datanetUpdate(DatanetUpdate(description: "update \(n)"))),
        by: fixture.alice)
      parent = event.id
      return event
    }
  }

  @Test func eventsAreCutIntoPacksNoLongerThanTheLimit() throws {
    let fixture = try Fixture()
    let events = try events(40, in: fixture)
    let largest = 8 + events.prefix(10).reduce(0) { $0 + 4 + $1.bytes.count }
    let packs = EventPack.encode(events, largest: largest)
    #expect(packs.count > 1)
    #expect(packs.allSatisfy { $0.count <= largest })
    var decoded = [SignedEvent]()
    for pack in packs {
      decoded += try EventPack.decode(
        pack, key: "packs/x.pack", id: Digest.of(pack), location: "test")
    }
    #expect(decoded.map(\.id) == events.map(\.id).sorted())
    // Room for them all: the one pack a push always wrote.
    #expect(
      EventPack.encode(events, largest: RemoteLayout.largestPack) == [EventPack.encode(events)])
  }

  /// A Datanet of 10,000 events fits one pack, far below the limit a pull reads to.
  @Test func tenThousandEventsAreFarBelowTheLimit() throws {
    let fixture = try Fixture()
    let packs = EventPack.encode(try events(10_000, in: fixture), largest: RemoteLayout.largestPack)
    #expect(packs.count == 1)
    #expect(packs[0].count * 20 < RemoteLayout.largestPack, "\(packs[0].count) bytes")
  }
}
