import Crypto
import Foundation
import OpenLedgerKit

/// The identity the targets sign with and trust: `Fuzz/fuzz-identity.json`, whose seed is the
/// SHA-256 of "openledger fuzzing identity". A key for tests, public on purpose: `seed-corpus.sh`
/// makes the seed corpus's events and manifests with it, so that their signatures verify.
public enum FuzzIdentity {
  nonisolated(unsafe) public static let identity = Identity(
    name: "fuzz",
    privateKey: try! Curve25519.Signing.PrivateKey(
      rawRepresentation: Data(SHA256.hash(data: Data("openledger fuzzing identity".utf8)))),
    created: "2026-01-01T00:00:00Z", path: "fuzz-identity.json")
}
