import Testing

@testable import OpenLedgerKit

@Suite struct TokenAmountTests {
  @Test(arguments: [
    ("0", UInt128(0)), ("1500", UInt128(1500)), ("007", UInt128(7)),
    ("340282366920938463463374607431768211455", UInt128.max),
  ])
  func parsesWholeNumbers(_ text: String, _ value: UInt128) {
    #expect(UInt128.parseAmount(text) == .success(value))
  }

  @Test(arguments: [
    ("", AmountProblem.empty), ("-5", .negative), ("-0.5", .negative), ("1.5", .fractional),
    ("12.000", .fractional), (".5", .notANumber), ("1e5", .notANumber), ("+5", .notANumber),
    (" 5", .notANumber), ("5 ", .notANumber), ("0x10", .notANumber), ("ten", .notANumber),
    ("-", .notANumber), ("1,000", .notANumber),
    ("340282366920938463463374607431768211456", .overflow),
    ("99999999999999999999999999999999999999999", .overflow),
  ])
  func refusesWhatIsNotAWholeAmount(_ text: String, _ problem: AmountProblem) {
    #expect(UInt128.parseAmount(text) == .failure(problem))
  }

  @Test func decimalStringRoundTrips() {
    var rng = SplitMix64(seed: 7)
    for _ in 0..<500 {
      let value = UInt128(rng.next()) << UInt128(rng.next() % 65) | UInt128(rng.next())
      #expect(UInt128.parseAmount(value.decimalString) == .success(value))
      #expect(value.decimalString == "\(value)")
    }
    #expect(UInt128.max.decimalString == "340282366920938463463374607431768211455")
  }

  @Test func u256IsBigEndianWithSixteenZeroBytes() {
    var bytes = [UInt8]()
    (UInt128(0x0102) << 64 | 0x0304).appendU256BigEndian(to: &bytes)
    #expect(bytes.count == 32)
    #expect(bytes[0..<16].allSatisfy { $0 == 0 })
    #expect(Array(bytes[16..<32]) == [0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 3, 4])
  }
}
