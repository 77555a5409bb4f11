import Foundation

@testable import OpenLedgerKit

/// A reproducible account id drawn from `rng`.
func randomAccount(_ rng: inout SplitMix64) -> AccountID {
  var bytes = [UInt8]()
  for _ in 0..<4 { withUnsafeBytes(of: rng.next()) { bytes.append(contentsOf: $0) } }
  return AccountID(hex: Hex.encode(bytes))!
}

/// The account whose 32 bytes are all `byte`.
func account(_ byte: UInt8) -> AccountID {
  AccountID(hex: Hex.encode([UInt8](repeating: byte, count: 32)))!
}

/// A Datanet id for tests that need no store.
let testDatanet = Digest.of(Data("test datanet".utf8))

/// A policy with `curators`, protocol account 0xee…, unattributed account 0xff….
func testPolicy(
  _ contributors: Int = 8_000, _ curators: Int = 1_000, _ protocolPart: Int = 1_000,
  curatorAccounts: [AccountID] = [account(0xcc)]
) -> RewardPolicy {
  RewardPolicy(
    basisPoints: BasisPoints(
      contributors: contributors, curators: curators, protocolPart: protocolPart),
    curators: curatorAccounts, protocolAccount: account(0xee), unattributedAccount: account(0xff))
}
