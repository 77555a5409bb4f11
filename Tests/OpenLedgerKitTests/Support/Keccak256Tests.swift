import Foundation
import Testing

@testable import OpenLedgerKit

/// Keccak-256 with Keccak's own padding (Ethereum's hash), against published values and the
/// hashes the Vyper compiler wrote into Contracts/selectors.json.
@Suite struct Keccak256Tests {
  @Test(arguments: [
    ("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"),
    ("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45"),
    (
      "The quick brown fox jumps over the lazy dog",
      "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15"
    ),
  ])
  func knownVectors(_ message: String, _ expected: String) {
    #expect(Hex.encode(Keccak256.hash(message)) == expected)
  }

  /// Not SHA3-256: the same empty input gives FIPS 202's a7ffc6f8… with padding 0x06.
  @Test func itIsNotSHA3() {
    #expect(
      Hex.encode(Keccak256.hash(""))
        != "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a")
  }

  /// Lengths around the 136-byte rate: the padding byte alone (135), a block of its own (136),
  /// and several blocks. Values from pycryptodome's `Crypto.Hash.keccak` (digest_bits=256).
  @Test(arguments: [
    (135, "34bd7bed52ea092f88bc887256e7f06500ee814afa9a5566e22030af2ef1c5c0"),
    (136, "2b31811a93dfc4bdc41b6aa7790e784b987c25a2c8a0e101cfa694552dc8ae39"),
    (137, "a6103b089a404974c2b460048bfddd45108748fbdd9bad451f54d1fe95f8f284"),
    (272, "415fd325cae3a2f957fea2770d710027317ced7e7266a59905102c14fdb9959a"),
    (1000, "5f6640d51e97fd85a8fab8981a24c2fcdd022cab5e529f6879475f1f048b6254"),
  ])
  func blockBoundaries(_ length: Int, _ expected: String) {
    let message = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
    #expect(Hex.encode(Keccak256.hash(message)) == expected)
  }

  /// Every function selector and event topic of the distributor, as the compiler computed them.
  @Test func theContractsSelectorsAndTopics() throws {
    let artifacts = try ContractArtifacts.load()
    #expect(artifacts.functions.count >= 15)
    for (signature, selector) in artifacts.functions {
      #expect("0x" + Hex.encode(Keccak256.hash(signature).prefix(4)) == selector, "\(signature)")
    }
    #expect(artifacts.events.count >= 7)
    for (signature, topic) in artifacts.events {
      #expect("0x" + Hex.encode(Keccak256.hash(signature)) == topic, "\(signature)")
    }
  }
}

/// `Contracts/selectors.json`, written from the Vyper compiler's output.
struct ContractArtifacts: Decodable {
  var functions: [String: String]
  var events: [String: String]

  static func load() throws -> ContractArtifacts {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    return try JSONDecoder().decode(
      ContractArtifacts.self,
      from: Data(contentsOf: root.appendingPathComponent("Contracts/selectors.json")))
  }
}
