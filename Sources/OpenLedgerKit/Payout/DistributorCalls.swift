/// The calls openledger prepares for the distributor contract (`Contracts/`), ABI-encoded as
/// any wallet tool sends them (`cast send <distributor> 0x<calldata>`). The layouts, byte by
/// byte, are in Contracts/README.md; the selectors are the first four bytes of the Keccak-256
/// of each signature, checked by a test against `Contracts/selectors.json`.
public enum DistributorCall {
  public static let claimSignature = "claim(bytes32,address,uint256,bytes32[])"
  public static let claimSelector: [UInt8] = [0xa7, 0xed, 0x1e, 0xa0]
  public static let submitRootSignature = "submitRoot(bytes32,uint64,bytes32)"
  public static let submitRootSelector: [UInt8] = [0x69, 0xe2, 0xff, 0x55]

  /// `claim(account, recipient, cumulative, proof)` for a v2 proof: selector ‖ account ‖
  /// recipient left-padded to 32 bytes ‖ cumulative u256 ‖ 0x80 (where the proof starts) ‖
  /// its length ‖ its hashes. A leaf of the zero address is refused: whoever sent the claim
  /// would burn the account's rewards. `datanet` names the Datanet in that error.
  public static func claim(_ proof: ClaimProof, datanet: String) throws(PayoutError) -> [UInt8] {
    guard let recipient = proof.recipient else {
      throw .leavesWithoutRecipients(manifest: proof.manifest, epoch: proof.epoch)
    }
    guard !recipient.isZero else {
      throw .noPayoutAddress(account: proof.account, epoch: proof.epoch, datanet: datanet)
    }
    var out = claimSelector
    out += proof.account.bytes
    out += [UInt8](repeating: 0, count: 12) + recipient.bytes
    out += word(proof.cumulative.value)
    out += word(4 * 32)
    out += word(UInt128(proof.proof.count))
    for hash in proof.proof { out += hash.bytes }
    return out
  }

  /// `submitRoot(root, epoch, manifestHash)`: selector ‖ root ‖ epoch as a 32-byte word ‖ the
  /// manifest id (the SHA-256 of its envelope).
  public static func submitRoot(root: Digest, epoch: UInt64, manifest: Digest) -> [UInt8] {
    submitRootSelector + root.bytes + word(UInt128(epoch)) + manifest.bytes
  }

  /// The first four bytes of the Keccak-256 of a function's canonical signature.
  public static func selector(of signature: String) -> [UInt8] {
    Array(Keccak256.hash(signature).prefix(4))
  }

  /// `value` as a 32-byte big-endian word.
  static func word(_ value: UInt128) -> [UInt8] {
    [UInt8](repeating: 0, count: 16)
      + (0..<16).map { UInt8(truncatingIfNeeded: value >> UInt128(8 * (15 - $0))) }
  }
}
