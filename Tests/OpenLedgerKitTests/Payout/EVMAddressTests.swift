import Foundation
import Testing

@testable import OpenLedgerKit

/// EIP-55 addresses: the checksummed form, and what `payout set` accepts from a person.
@Suite struct EVMAddressTests {
  /// The test vectors of EIP-55 itself: each is its own checksummed form (the first two happen
  /// to be all uppercase, the next two all lowercase).
  static let eip55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
  ]

  @Test(arguments: eip55) func theEIPsVectorsAreTheirOwnChecksummedForm(_ text: String) throws {
    let address = try EVMAddress.parse(text)
    #expect(address.checksummed == text)
    #expect(address.hex == text.lowercased())
    #expect(EVMAddress(canonical: text.lowercased()) == address)
  }

  @Test func aWrongCaseIsABadChecksum() throws {
    // One letter's case flipped: exactly the typo a checksum exists to catch.
    let text = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"
    #expect(throws: PayoutError.badChecksum(text)) { try EVMAddress.parse(text) }
    #expect(throws: PayoutError.badChecksum(text)) {
      try EVMAddress.parse(text, allowUnchecked: true)
    }
    // A wrong digit in a checksummed address: its cases no longer match the hash.
    let typo = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAee"
    #expect(throws: PayoutError.badChecksum(typo)) { try EVMAddress.parse(typo) }
    #expect(PayoutError.badChecksum(text).kind == .dataError)
    #expect(PayoutError.badChecksum(text).description.contains("Copy the address again"))
  }

  @Test func oneCaseCarriesNoChecksumAndNeedsConsent() throws {
    for text in [
      "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED",
    ] {
      #expect(throws: PayoutError.unchecksummed(text)) { try EVMAddress.parse(text) }
      let accepted = try EVMAddress.parse(text, allowUnchecked: true)
      #expect(accepted.checksummed == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
    }
  }

  @Test(arguments: [
    "", "0x", "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed0",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
  ])
  func malformedAddressesAreRefused(_ text: String) {
    #expect(throws: PayoutError.malformedAddress(text)) {
      try EVMAddress.parse(text, allowUnchecked: true)
    }
  }

  @Test func theStoredFormIsLowercaseOnly() throws {
    let address = try EVMAddress.parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    let encoded = try CanonicalEncoder.encode(["a": address])
    #expect(
      String(decoding: encoded, as: UTF8.self)
        == #"{"a":"0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359"}"#)
    #expect(try JSONDecoder().decode([String: EVMAddress].self, from: encoded)["a"] == address)
    // The checksummed form is for people; an event or leaf holding it is not canonical.
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(
        [String: EVMAddress].self,
        from: Data(#"{"a":"0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"}"#.utf8))
    }
    #expect(EVMAddress.zero.isZero)
    #expect(!address.isZero)
  }

  @Test func aPayoutNeverNamesTheZeroAddressOrChainZero() throws {
    #expect(throws: PayoutError.zeroAddress) { try PayoutSet(address: .zero).check() }
    let address = try EVMAddress.parse("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")
    #expect(throws: PayoutError.invalidChainID) {
      try PayoutSet(address: address, chainId: 0).check()
    }
    try PayoutSet(address: address, chainId: 10).check()
  }
}

extension PayoutError: Equatable {
  public static func == (lhs: PayoutError, rhs: PayoutError) -> Bool {
    lhs.description == rhs.description
  }
}
