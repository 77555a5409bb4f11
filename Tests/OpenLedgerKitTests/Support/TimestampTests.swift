import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct TimestampTests {
  @Test func formatsRFC3339InUTCWithMilliseconds() {
    #expect(Timestamp.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
    #expect(
      Timestamp.format(Date(timeIntervalSince1970: 951_782_400.25)) == "2000-02-29T00:00:00.250Z")
    #expect(
      Timestamp.format(Date(timeIntervalSince1970: 1_795_651_199.999)) == "2026-11-25T23:59:59.999Z"
    )
  }

  @Test func parsesWhatItFormats() {
    let date = Date(timeIntervalSince1970: 1_790_000_000.123)
    #expect(abs(Timestamp.parse(Timestamp.format(date))!.timeIntervalSince(date)) < 0.001)
  }

  @Test func hexRoundTrips() {
    #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
    #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
    #expect(Hex.decode("0g") == nil)
    #expect(Hex.decode("abc") == nil)
  }
}
