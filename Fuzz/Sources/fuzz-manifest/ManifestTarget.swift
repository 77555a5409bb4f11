import Foundation
import FuzzSupport
import OpenLedgerKit

/// An exported reward manifest on any bytes (Rewards/RewardsManifest.swift, ManifestVerifier,
/// LeavesFile.swift, ClaimProof): a bundle (FuzzSupport's `FileBundle`) of `manifest.json`,
/// `leaves.jsonl`, `tree.bin`, `previous-manifest.json` and `previous-leaves.jsonl`, written
/// into a folder as `manifest export` writes them (files past the bundle's end are absent), then
/// checked as `manifest verify` checks it offline, trusting the fuzzing identity, and asked for
/// a claim proof as `manifest proof` is.
///
/// Before that, the digests that tie the files together are made to agree, as whoever crafts an
/// export can and a fuzzer cannot: each statement's `leaves.jsonl` subject gets its leaves'
/// SHA-256, and the manifest's `previousManifest` (when it names one) the previous envelope's.
/// The statements are re-encoded, so their signatures no longer verify; the verifier checks
/// everything else all the same, which is what the fuzzer explores.
///
/// Properties besides the sanitizers: the report has each offline check once, in order, and it
/// passes only when every check passed; a proof that `manifest proof` gives is valid.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let files = consistent(FileBundle.files(fuzzInput(data, count), limit: names.count))
  let scratch = ScratchDirectory.shared
  scratch.clear()
  for (file, name) in zip(files, names) { scratch.write(file, to: name) }
  let path = "\(scratch.path)/\(ManifestFiles.envelope)"
  let verifier = ManifestVerifier(trusted: [FuzzIdentity.identity.account: "fuzz"])
  let report = verifier.verify(path: path)
  // Every check but `recompute`, which needs an inference log; `ledger` is skipped outside a
  // store, but listed.
  let offline = ManifestCheck.allCases.filter { $0 != .recompute }
  expect(report.checks.map(\.check) == offline, "the report lists \(report.checks.map(\.check))")
  expect(
    report.passed == report.checks.allSatisfy { $0.status != .failed },
    "the report's verdict disagrees with its checks")
  if let manifest = try? RewardsManifest.load(path: path),
    let leaves = files.count > 1
      ? try? RewardLeaves.parse(
        Data(files[1]), datanet: manifest.predicate.datanet, epoch: manifest.predicate.epoch)
      : nil
  {
    for account in [leaves.account(at: 0), FuzzIdentity.identity.account] {
      if let proof = try? ClaimProof.make(envelopePath: path, account: account) {
        expect(proof.isValid, "manifest proof gave an invalid proof for \(account.fingerprint)")
      }
    }
  }
  return 0
}

private let names = [
  ManifestFiles.envelope, ManifestFiles.leaves, ManifestFiles.tree,
  ManifestFiles.previousEnvelope, ManifestFiles.previousLeaves,
]

/// The bundle's files with the statements' digests set to the files they name (see above);
/// an envelope that does not read as one stays as it is.
private func consistent(_ files: [[UInt8]]) -> [[UInt8]] {
  var files = files
  if files.count > 3 {
    files[3] = resealed(files[3], leaves: files.count > 4 ? files[4] : nil, previous: nil)
  }
  if files.count > 0 {
    files[0] = resealed(
      files[0], leaves: files.count > 1 ? files[1] : nil, previous: files.count > 3 ? files[3] : nil
    )
  }
  return files
}

private func resealed(_ bytes: [UInt8], leaves: [UInt8]?, previous: [UInt8]?) -> [UInt8] {
  guard var envelope = try? JSONDecoder().decode(Envelope.self, from: Data(bytes)),
    let payload = envelope.payloadBytes,
    var statement = try? JSONDecoder().decode(RewardsStatement.self, from: payload)
  else { return bytes }
  for index in statement.subject.indices
  where statement.subject[index].name == ManifestFiles.leaves {
    if let leaves { statement.subject[index].digest["sha256"] = Digest.of(leaves).hex }
  }
  if let previous, statement.predicate.previousManifest != nil {
    statement.predicate.previousManifest = Digest.of(previous)
  }
  guard let encoded = try? CanonicalEncoder.encode(statement) else { return bytes }
  envelope.payload = encoded.base64EncodedString()
  return (try? [UInt8](envelope.encoded())) ?? bytes
}
