import Foundation
import FuzzSupport
import OpenLedgerKit

/// A remote's event pack on any bytes (Remote/RemoteLayout.swift), through `EventPack.decode`
/// as a pull reads each pack a head file names: named by its SHA-256, every event verified.
///
/// Properties besides the sanitizers: an accepted pack holds at least one event, each named by
/// the SHA-256 of its bytes, in strictly ascending order of id, and is exactly the bytes its
/// events encode to (one pack for one set of events).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRemotePack(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let bytes = Data(fuzzInput(data, count))
  let id = Digest.of(bytes)
  guard
    let events = try? EventPack.decode(
      bytes, key: RemoteLayout.packKey(id), id: id, location: "fuzz")
  else { return 0 }
  expect(!events.isEmpty, "an accepted pack holds no event")
  for event in events {
    expect(event.id == Digest.of(event.bytes), "event \(event.id.short) is not its bytes' hash")
  }
  expect(
    zip(events, events.dropFirst()).allSatisfy { $0.id < $1.id },
    "an accepted pack's events are not in ascending order of id")
  expect(EventPack.encode(events) == bytes, "an accepted pack encodes to other bytes")
  return 0
}
