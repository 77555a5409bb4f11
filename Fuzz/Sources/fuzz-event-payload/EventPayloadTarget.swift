import Foundation
import FuzzSupport
import OpenLedgerKit

/// An event payload on any bytes (Ledger/Event.swift): the input is signed by the fuzzing
/// identity as the payload of a canonical event envelope, so that `SignedEvent.verified` reads
/// it past the envelope, which a mutated envelope's broken base64 and signatures rarely let the
/// fuzzer do. Seeds are payloads of real events whose actor is that identity, so their
/// signatures verify.
///
/// Property besides the sanitizers: a payload accepted as an event encodes and decodes back to
/// the same payload, as it does when it is signed and when it is replayed.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventPayload(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let payload = Data(fuzzInput(data, count))
  let envelope: Data
  do {
    envelope = try Envelope.sign(
      payload: payload, type: eventPayloadType, by: FuzzIdentity.identity
    )
    .encoded()
  } catch {
    expect(false, "cannot sign or encode an envelope: \(error)")
    return 0
  }
  guard let event = try? SignedEvent.verified(id: Digest.of(envelope), bytes: envelope) else {
    return 0
  }
  do {
    let again = try JSONDecoder().decode(
      EventPayload.self, from: CanonicalEncoder.encode(event.payload))
    expect(again == event.payload, "the payload changes when encoded and decoded again")
  } catch {
    expect(false, "an accepted payload cannot be encoded and decoded again: \(error)")
  }
  return 0
}
