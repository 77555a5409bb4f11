import Crypto
import Foundation

/// The SHA-256 Merkle tree of an epoch's leaves (DESIGN §7, Docs/Manifest.md), laid out as a
/// complete binary tree in an array, as OpenZeppelin's `StandardMerkleTree` does:
///
/// - with n leaves sorted by hash ascending (L0 < L1 < … < Ln−1), the tree has 2n − 1 nodes;
///   leaf j is node 2n − 2 − j, and node i < n − 1 is `SHA-256(0x01 ‖ min ‖ max)` of its children
///   2i + 1 and 2i + 2, comparing the two 32-byte hashes as unsigned big-endian numbers;
/// - node 0 is the root. No node is duplicated or carried up unhashed: an odd count simply leaves
///   the leaves on two depths. A single leaf is its own root, with an empty proof.
///
/// Because each node hashes its children in sorted order, a proof is just the sibling hashes
/// from the leaf up, and a verifier (an EVM contract with the SHA-256 precompile) needs no
/// left/right flags.
public struct MerkleTree: Sendable {
  /// The 2n − 1 nodes, 32 bytes each, in array order (the root first).
  public let nodes: [UInt8]
  public let leafCount: Int

  /// The tree over `sortedLeafHashes`: n 32-byte hashes, ascending, n ≥ 1.
  public init(sortedLeafHashes hashes: [UInt8]) {
    precondition(hashes.count % 32 == 0 && !hashes.isEmpty, "a tree has at least one leaf")
    let n = hashes.count / 32
    leafCount = n
    let size = 2 * n - 1
    nodes = [UInt8](unsafeUninitializedCapacity: size * 32) { buffer, initialized in
      let base = UnsafeMutableRawPointer(buffer.baseAddress!)
      hashes.withUnsafeBytes { leaves in
        for j in 0..<n {
          (base + (size - 1 - j) * 32).copyMemory(from: leaves.baseAddress! + j * 32, byteCount: 32)
        }
      }
      // Level by level from the deepest: a level's nodes depend only on the level below, so
      // each level is hashed in parallel chunks.
      if n > 1 {
        var level = Int.bitWidth - 1 - (n - 2 + 1).leadingZeroBitCount
        let nodes = UncheckedSendable(base)
        while level >= 0 {
          let first = (1 << level) - 1
          let last = min((1 << (level + 1)) - 2, n - 2)
          Parallel.forEachChunk(count: last - first + 1) { range in
            var scratch = [UInt8](repeating: 0, count: 65)
            scratch.withUnsafeMutableBytes { scratch in
              for offset in range.reversed() {
                let i = first + offset
                let base = nodes.value
                Self.hashNode(
                  base + (2 * i + 1) * 32, base + (2 * i + 2) * 32, scratch, into: base + i * 32)
              }
            }
          }
          level -= 1
        }
      }
      initialized = size * 32
    }
  }

  public var root: Digest { Digest(bytes: nodes[0..<32]) }

  /// The node index of leaf `j` (in ascending hash order).
  public func nodeIndex(ofLeaf j: Int) -> Int { 2 * leafCount - 2 - j }

  /// The sibling hashes from leaf `j` up to the root.
  public func proof(forLeaf j: Int) -> [Digest] {
    precondition(j >= 0 && j < leafCount)
    var proof = [Digest]()
    var i = nodeIndex(ofLeaf: j)
    while i > 0 {
      let sibling = i % 2 == 1 ? i + 1 : i - 1
      proof.append(Digest(bytes: nodes[sibling * 32..<sibling * 32 + 32]))
      i = (i - 1) / 2
    }
    return proof
  }

  /// Whether folding `proof` into `leaf` gives `root`.
  public static func verify(leaf: Digest, proof: [Digest], root: Digest) -> Bool {
    proof.reduce(leaf, nodeHash) == root
  }

  /// `SHA-256(0x01 ‖ min(a, b) ‖ max(a, b))` of two 32-byte hashes.
  public static func nodeHash(_ a: Digest, _ b: Digest) -> Digest {
    var out = [UInt8](repeating: 0, count: 32)
    var scratch = [UInt8](repeating: 0, count: 65)
    a.bytes.withUnsafeBytes { a in
      b.bytes.withUnsafeBytes { b in
        scratch.withUnsafeMutableBytes { scratch in
          out.withUnsafeMutableBytes {
            hashNode(a.baseAddress!, b.baseAddress!, scratch, into: $0.baseAddress!)
          }
        }
      }
    }
    return Digest(bytes: out)
  }

  /// Hashes the node over `a` and `b` (32 bytes each) into `out`, using `scratch` (65 bytes).
  @inline(__always)
  static func hashNode(
    _ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ scratch: UnsafeMutableRawBufferPointer,
    into out: UnsafeMutableRawPointer
  ) {
    let aFirst = memcmp(a, b, 32) <= 0
    scratch[0] = 0x01
    (scratch.baseAddress! + 1).copyMemory(from: aFirst ? a : b, byteCount: 32)
    (scratch.baseAddress! + 33).copyMemory(from: aFirst ? b : a, byteCount: 32)
    sha256(UnsafeRawBufferPointer(scratch), into: out)
  }

  @inline(__always)
  static func sha256(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableRawPointer) {
    var hasher = SHA256()
    hasher.update(bufferPointer: bytes)
    hasher.finalize().withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: 32) }
  }
}
