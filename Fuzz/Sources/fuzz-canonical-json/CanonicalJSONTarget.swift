import FuzzSupport
import OpenLedgerKit

/// The JSON canonicalizer (Ingest/CanonicalJSON.swift) on any bytes, as one JSONL line.
///
/// Besides the sanitizers, three properties: a canonicalizer reused across inputs (as each
/// ingest worker reuses its own) answers exactly as a fresh one; canonical output read again is
/// accepted and comes out unchanged; and the wanted fields it reports are the same both times.
nonisolated(unsafe) private var reused = JSONCanonicalizer(fields: wanted)
private let wanted = ["text", "title", "id", ""]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCanonicalJSON(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let input = fuzzInput(data, count)
  let fresh = canonicalize(input, with: JSONCanonicalizer(fields: wanted))
  let again = canonicalize(input, with: reused)
  reused = again.canonicalizer
  expect(
    fresh.output == again.output && fresh.error == again.error
      && fresh.canonicalizer.fields == again.canonicalizer.fields,
    "a reused canonicalizer answers differently from a fresh one")
  guard case .success(let canonical) = fresh.output else { return 0 }
  let second = canonical.withUnsafeBytes {
    canonicalize($0, with: JSONCanonicalizer(fields: wanted))
  }
  guard case .success(let twice) = second.output else {
    expect(
      false, "canonical output is refused when read again: \(String(describing: second.error))")
    return 0
  }
  expect(twice == canonical, "canonical output changes when canonicalized again")
  expect(
    second.canonicalizer.fields == fresh.canonicalizer.fields,
    "canonical output reports other field values than its input")
  return 0
}

private struct Outcome {
  var output: Result<[UInt8], JSONSyntaxError>
  var error: JSONSyntaxError? {
    if case .failure(let error) = output { return error }
    return nil
  }
  var canonicalizer: JSONCanonicalizer
}

private func canonicalize(_ input: UnsafeRawBufferPointer, with canonicalizer: JSONCanonicalizer)
  -> Outcome
{
  var canonicalizer = canonicalizer
  var output: [UInt8] = []
  do {
    try canonicalizer.canonicalize(input, into: &output)
    return Outcome(output: .success(output), canonicalizer: canonicalizer)
  } catch {
    return Outcome(output: .failure(error), canonicalizer: canonicalizer)
  }
}
