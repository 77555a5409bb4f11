import Foundation
import FuzzSupport
import OpenLedgerKit

/// A ledger event object on any bytes (Ledger/DSSE.swift, Ledger/Event.swift): the bytes as an
/// object of the store would hold them, named by their SHA-256, through `SignedEvent.verified`,
/// which `rebuild-catalog`, `validate` and `log` run on every event (and pulls will, on events
/// from other machines).
///
/// Property besides the sanitizers: an envelope accepted as an event is in its one canonical
/// encoding (DESIGN §3), so one signed payload can never become two events.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventEnvelope(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let bytes = Data(fuzzInput(data, count))
  guard let event = try? SignedEvent.verified(id: Digest.of(bytes), bytes: bytes) else {
    return 0
  }
  let envelope = try? JSONDecoder().decode(Envelope.self, from: bytes)
  expect(
    (try? envelope?.encoded()) == bytes,
    "event \(event.id.short) is accepted though its envelope is not in the canonical encoding")
  return 0
}
