import Foundation
import FuzzSupport
import OpenLedgerKit

/// A reward manifest's `leaves.jsonl` on any bytes (Rewards/LeavesFile.swift), parsed as
/// `manifest verify` parses it (order problems kept, reported apart) and as a manifest is
/// loaded (order checked), then made into the Merkle tree and claim proofs.
///
/// Properties besides the sanitizers: a file that parses with its order checked is exactly the
/// file its leaves write (one canonical encoding), and every leaf's proof leads to the root.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLeaves(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let input = fuzzInput(data, count)
  let lenient = try? RewardLeaves.parse(input, datanet: datanet, epoch: 1, checkingOrder: false)
  _ = lenient?.orderProblem()
  guard let leaves = try? RewardLeaves.parse(input, datanet: datanet, epoch: 1) else { return 0 }
  expect(lenient != nil, "leaves that parse in order fail to parse unordered")
  expect(
    leaves.jsonLines().elementsEqual(input), "the leaves write other bytes than they were read from"
  )
  let tree = leaves.tree()
  for index in 0..<min(leaves.count, 64) {
    let proof = tree.proof(forLeaf: index)
    expect(
      MerkleTree.verify(leaf: leaves.leafHash(at: index), proof: proof, root: tree.root),
      "leaf \(index)'s proof does not lead to the root")
  }
  return 0
}

/// The Datanet every leaf is hashed with; any fixed id will do.
private let datanet = Digest.of(Data("fuzz".utf8))
