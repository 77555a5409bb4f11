import Foundation

/// What an account needs to claim its cumulative amount against a manifest's Merkle root: its
/// leaf and the sibling hashes up to the root (Docs/Manifest.md).
public struct ClaimProof: Codable, Sendable, Equatable {
  public var manifest: Digest
  public var datanet: Digest
  public var epoch: UInt64
  public var account: AccountID
  /// Leaf format v2: the address the leaf pays (the zero address when the account had none);
  /// absent in v1.
  public var recipient: EVMAddress?
  public var cumulative: DecimalAmount
  public var leaf: Digest
  /// Sibling hashes from the leaf up; each step hashes the pair in ascending order.
  public var proof: [Digest]
  public var root: Digest

  /// Whether the leaf is this account's and the proof leads from it to the root.
  public var isValid: Bool {
    RewardLeaves.leafHash(
      datanet: datanet, epoch: epoch, account: account, recipient: recipient,
      cumulative: cumulative.value) == leaf
      && MerkleTree.verify(leaf: leaf, proof: proof, root: root)
  }

  /// The proof for `account` in the manifest at `envelopePath`, whose `leaves.jsonl` lies next to
  /// it. The leaves must match the statement's digest and root.
  public static func make(envelopePath: String, account: AccountID) throws -> ClaimProof {
    try make(bundle: load(envelopePath: envelopePath), account: account)
  }

  /// The manifest at `envelopePath` with the `leaves.jsonl` beside it, checked against each
  /// other.
  public static func load(envelopePath: String) throws -> ManifestBundle {
    let envelope = try RewardsError.readFile(envelopePath, what: "the manifest")
    let directory = (envelopePath as NSString).deletingLastPathComponent
    let leavesPath = "\(directory.isEmpty ? "." : directory)/\(ManifestFiles.leaves)"
    let data = try RewardsError.readFile(leavesPath, what: "the manifest's leaves file")
    return try ManifestBundle.load(envelope: envelope, leavesFile: data, name: envelopePath)
  }

  /// The proof for `account` in `bundle`.
  public static func make(bundle: ManifestBundle, account: AccountID) throws -> ClaimProof {
    let (manifest, predicate, leaves, tree) = (
      bundle.manifest, bundle.predicate, bundle.leaves, bundle.tree
    )
    guard let index = leaves.index(of: account) else {
      throw RewardsError.accountNotInManifest(
        account: account, manifest: manifest.id, epoch: predicate.epoch)
    }
    return ClaimProof(
      manifest: manifest.id, datanet: predicate.datanet, epoch: predicate.epoch, account: account,
      recipient: leaves.recipient(at: index), cumulative: DecimalAmount(leaves.amounts[index]),
      leaf: leaves.leafHash(at: index),
      proof: tree.proof(forLeaf: index), root: tree.root)
  }
}
