import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct MerkleTreeTests {
  func sha256(_ bytes: [UInt8]) -> Digest { Digest.of(bytes) }

  /// Distinct leaf hashes, ascending.
  func leaves(_ count: Int, seed: UInt64 = 1) -> [Digest] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in sha256((0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }
    .sorted()
  }

  func tree(_ leaves: [Digest]) -> MerkleTree {
    MerkleTree(sortedLeafHashes: leaves.flatMap(\.bytes))
  }

  @Test func nodeHashIsSHA256OfOneAndTheSortedPair() {
    let (a, b) = (sha256([1]), sha256([2]))
    let expected = sha256([0x01] + min(a, b).bytes + max(a, b).bytes)
    #expect(MerkleTree.nodeHash(a, b) == expected)
    #expect(MerkleTree.nodeHash(b, a) == expected)
  }

  @Test func oneLeafIsItsOwnRootWithAnEmptyProof() {
    let leaf = leaves(1)
    let single = tree(leaf)
    #expect(single.root == leaf[0])
    #expect(single.nodes.count == 32)
    #expect(single.proof(forLeaf: 0).isEmpty)
    #expect(MerkleTree.verify(leaf: leaf[0], proof: [], root: single.root))
  }

  @Test func layoutFollowsTheDocumentedArray() {
    let l = leaves(3)
    let three = tree(l)
    let n = { MerkleTree.nodeHash($0, $1) }
    // T = [node(T1, T2), node(L1, L0), L2, L1, L0]
    #expect(three.root == n(n(l[0], l[1]), l[2]))
    #expect(three.proof(forLeaf: 2) == [n(l[0], l[1])])
    #expect(three.proof(forLeaf: 0) == [l[1], l[2]])
    #expect(three.nodes.count == 5 * 32)
    #expect(Array(three.nodes[2 * 32..<3 * 32]) == l[2].bytes)
    #expect(Array(three.nodes[4 * 32..<5 * 32]) == l[0].bytes)

    let f = leaves(5)
    // 9 nodes: T8..T4 = L0..L4, T3 = n(T7, T8), T2 = n(T5, T6), T1 = n(T3, T4), T0 = n(T1, T2).
    let t3 = n(f[1], f[0])
    let t2 = n(f[3], f[2])
    let t1 = n(t3, f[4])
    #expect(tree(f).root == n(t1, t2))
    #expect(tree(f).proof(forLeaf: 0) == [f[1], f[4], t2])
    #expect(tree(f).proof(forLeaf: 4) == [t3, t2])
  }

  @Test func everyProofVerifiesAndAnAlteredOneDoesNot() {
    for count in 1...70 {
      let l = leaves(count, seed: UInt64(count))
      let t = tree(l)
      for j in 0..<count {
        let proof = t.proof(forLeaf: j)
        #expect(proof.count <= Int(log2(Double(count)).rounded(.up)))
        #expect(MerkleTree.verify(leaf: l[j], proof: proof, root: t.root), "n=\(count) j=\(j)")
        if !proof.isEmpty {
          var altered = proof
          altered[altered.count / 2] = sha256([9])
          #expect(!MerkleTree.verify(leaf: l[j], proof: altered, root: t.root))
          #expect(!MerkleTree.verify(leaf: l[(j + 1) % count], proof: proof, root: t.root))
        }
      }
    }
  }
}
