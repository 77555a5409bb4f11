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
/// Properties besides the sanitizers: the report has each offline check once, in order, and it
/// passes only when every check passed; a proof that `manifest proof` gives is valid.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let files = FileBundle.files(fuzzInput(data, count), limit: names.count)
  let scratch = ScratchDirectory.shared
  scratch.clear()
  for (file, name) in zip(files, names) { scratch.write(file, to: name) }
  let path = "\(scratch.path)/\(ManifestFiles.envelope)"
  let verifier = ManifestVerifier(trusted: [FuzzIdentity.identity.account: "fuzz"])
  let report = verifier.verify(path: path)
  let offline = ManifestCheck.allCases.filter { $0 != .ledger && $0 != .recompute }
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
