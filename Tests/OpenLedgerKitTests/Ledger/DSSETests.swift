import Crypto
import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct DSSETests {
  @Test func preAuthenticationEncodingMatchesTheSpecVector() {
    let encoded = Envelope.preAuthenticationEncoding(
      type: "http://example.com/HelloWorld", payload: Data("hello world".utf8))
    #expect(
      String(decoding: encoded, as: UTF8.self)
        == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
  }

  @Test func preAuthenticationEncodingCountsBytesNotCharacters() {
    let encoded = Envelope.preAuthenticationEncoding(type: "t", payload: Data("é".utf8))
    #expect(String(decoding: encoded, as: UTF8.self) == "DSSEv1 1 t 2 é")
  }

  /// RFC 8032 §7.1, tests 1 to 3: secret key, public key, message, signature.
  static let rfc8032Vectors: [(String, String, String, String)] = [
    (
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
    ),
    (
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
    ),
    (
      "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
      "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"
    ),
  ]

  @Test(arguments: 0..<3) func ed25519MatchesRFC8032(_ index: Int) throws {
    let (secret, publicKey, message, signature) = Self.rfc8032Vectors[index]
    let key = try Curve25519.Signing.PrivateKey(rawRepresentation: Hex.decode(secret)!)
    #expect(Hex.encode(key.publicKey.rawRepresentation) == publicKey)
    let signed = try key.signature(for: Data(Hex.decode(message)!))
    #expect(Hex.encode(signed) == signature)
    let account = AccountID(hex: publicKey)!
    #expect(
      account.publicKey.isValidSignature(
        Data(Hex.decode(signature)!), for: Data(Hex.decode(message)!)))
  }

  @Test func signedEnvelopeVerifiesAndRejectsAlteration() throws {
    let fixture = try Fixture()
    var envelope = try Envelope.sign(
      payload: Data("{\"a\":1}".utf8), type: "x/y", by: fixture.alice)
    #expect(envelope.isSigned(by: fixture.alice.account))
    #expect(!envelope.isSigned(by: fixture.bob.account))
    #expect(envelope.signatures[0].keyid == Digest.of(fixture.alice.account.bytes).hex)
    envelope.payload = Data("{\"a\":2}".utf8).base64EncodedString()
    #expect(!envelope.isSigned(by: fixture.alice.account))
    envelope = try Envelope.sign(payload: Data("{\"a\":1}".utf8), type: "x/y", by: fixture.alice)
    envelope.payloadType = "x/z"
    #expect(!envelope.isSigned(by: fixture.alice.account), "the type is bound by PAE")
  }

  /// Found by the `event-envelope` fuzz target, whose property is that an accepted envelope is
  /// in its canonical encoding: a `datanet.create` by the fuzzing identity, indented. It
  /// verified on fde767f, under an id of its own, so one signed payload made two events (issue
  /// 13, defect 1); it must be refused as not canonical.
  @Test func anIndentedEnvelopeIsNotASecondEvent() throws {
    let indented = try FileSystem.read(
      fuzzFixture("event-envelope", "datanet-create-indented.json"))
    let canonical = try JSONDecoder().decode(Envelope.self, from: indented).encoded()
    #expect(canonical != indented)
    let event = try SignedEvent.verified(id: Digest.of(canonical), bytes: canonical)
    #expect(event.payload.type == .datanetCreate)
    #expect(throws: LedgerError.self) {
      try SignedEvent.verified(id: Digest.of(indented), bytes: indented)
    }
  }
}
