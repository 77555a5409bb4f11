import Foundation
import Testing

@testable import OpenLedgerKit

/// The distributor's calldata: selectors against the compiled contract, layouts byte by byte.
@Suite struct DistributorCallTests {
  @Test func theSelectorsAreTheCompiledContracts() throws {
    let functions = try ContractArtifacts.load().functions
    for (signature, selector) in [
      (DistributorCall.claimSignature, DistributorCall.claimSelector),
      (DistributorCall.submitRootSignature, DistributorCall.submitRootSelector),
    ] {
      #expect(functions[signature] == "0x" + Hex.encode(selector), "\(signature)")
      #expect(DistributorCall.selector(of: signature) == selector)
    }
  }

  func proof(recipient: EVMAddress?, hashes: Int = 3) -> ClaimProof {
    ClaimProof(
      manifest: Digest.of(Data("manifest".utf8)), datanet: testDatanet, epoch: 2,
      account: account(0xab), recipient: recipient,
      cumulative: DecimalAmount(0x0102_0304_0506_0708_090a_0b0c_0d0e_0f10),
      leaf: Digest.of(Data("leaf".utf8)),
      proof: (0..<hashes).map { Digest.of(Data([UInt8($0)])) }, root: Digest.of(Data("root".utf8)))
  }

  @Test func claimIsSelectorAccountPaddedRecipientAmountOffsetLengthHashes() throws {
    let recipient = try EVMAddress.parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    let claim = proof(recipient: recipient)
    let data = try DistributorCall.claim(claim, datanet: "trees")
    #expect(data.count == 4 + 32 * 5 + 32 * 3)
    #expect(Array(data[0..<4]) == [0xa7, 0xed, 0x1e, 0xa0])
    #expect(Array(data[4..<36]) == [UInt8](repeating: 0xab, count: 32))
    #expect(Array(data[36..<48]) == [UInt8](repeating: 0, count: 12))
    #expect(Hex.encode(data[48..<68]) == "fb6916095ca1df60bb79ce92ce3ea74c37c5d359")
    #expect(
      Hex.encode(data[68..<100]) == String(repeating: "0", count: 32)
        + "0102030405060708090a0b0c0d0e0f10")
    #expect(data[100..<132].last == 0x80 && data[100..<131].allSatisfy { $0 == 0 })
    #expect(data[132..<164].last == 3 && data[132..<163].allSatisfy { $0 == 0 })
    for (index, hash) in claim.proof.enumerated() {
      #expect(Array(data[164 + 32 * index..<196 + 32 * index]) == hash.bytes)
    }
    // A one-leaf tree's empty proof is a zero length and nothing after it.
    let empty = try DistributorCall.claim(proof(recipient: recipient, hashes: 0), datanet: "t")
    #expect(empty.count == 164 && empty.suffix(32).allSatisfy { $0 == 0 })
  }

  @Test func aLeafOfTheZeroAddressOrOfV1HasNoClaim() {
    #expect(
      throws: PayoutError.noPayoutAddress(account: account(0xab), epoch: 2, datanet: "trees")
    ) { try DistributorCall.claim(proof(recipient: .zero), datanet: "trees") }
    #expect(
      PayoutError.noPayoutAddress(account: account(0xab), epoch: 2, datanet: "trees").description
        .contains("openledger payout set trees --address"))
    #expect(throws: PayoutError.self) {
      try DistributorCall.claim(proof(recipient: nil), datanet: "t")
    }
  }

  @Test func submitRootIsSelectorRootEpochWordManifest() {
    let root = Digest.of(Data("root".utf8))
    let manifest = Digest.of(Data("manifest".utf8))
    let data = DistributorCall.submitRoot(root: root, epoch: 0x0102_0304, manifest: manifest)
    #expect(
      Hex.encode(data)
        == "69e2ff55" + root.hex + String(repeating: "0", count: 56) + "01020304" + manifest.hex)
  }
}
