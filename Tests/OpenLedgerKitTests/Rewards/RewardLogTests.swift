import Foundation
import Testing

@testable import OpenLedgerKit

/// The inference log as rewards reads it: the shared reader with fees required, and fees as
/// amounts.
@Suite struct RewardLogTests {
  func parse(_ text: String) throws -> RewardLog {
    try RewardLog.parse(Data(text.utf8), name: "log.jsonl")
  }

  /// The error `text` gives, as (kind, message).
  func failure(_ text: String) -> (FailureKind, String)? {
    do {
      _ = try parse(text)
      return nil
    } catch let error as OpenLedgerError {
      return (error.kind, error.description)
    } catch {
      Issue.record("unexpected \(error)")
      return nil
    }
  }

  @Test func readsFeesAsAmountsWithTheirTotalAndDigest() throws {
    let text = """
      {"id":"a","output":"The cat sat.","fee":"1500","model":"m1"}

      {"id":"b","output":"","fee":"0"}
      {"id":"c","output":"x","fee":"340282366920938463463374607431768200000"}

      """
    let log = try parse(text)
    #expect(log.inferences.map(\.id) == ["a", "b", "c"])
    #expect(log.inferences.map(\.line) == [1, 3, 4])
    #expect(log.fees == [1_500, 0, 340_282_366_920_938_463_463_374_607_431_768_200_000])
    #expect(log.totalFees == 340_282_366_920_938_463_463_374_607_431_768_201_500)
    #expect(log.digest == Digest.of(Data(text.utf8)))
  }

  @Test func aMalformedLineIsNamedByFileAndLine() throws {
    let (kind, message) = try #require(
      failure(
        """
        {"id":"a","output":"x","fee":"1"}
        {"id":"b","output":"x","fee":"1"
        """))
    #expect(kind == .dataError)
    #expect(message.hasPrefix("log.jsonl, line 2: "))
  }

  @Test(arguments: ["-5", "2.5", "lots", "", "1e3"])
  func refusesFeesThatAreNotWholeAmounts(_ fee: String) throws {
    let (kind, message) = try #require(
      failure(
        """
        {"id":"ok","output":"x","fee":"1"}
        {"id":"bad","output":"x","fee":"\(fee)"}
        """))
    #expect(kind == .dataError)
    #expect(message.contains("line 2"))
  }

  @Test func refusesMissingAndNumericFees() throws {
    let missing = try #require(failure(#"{"id":"a","output":"x"}"#))
    #expect(missing.0 == .dataError && missing.1.contains("no \"fee\""))
    let numeric = try #require(failure(#"{"id":"a","output":"x","fee":1500}"#))
    #expect(numeric.0 == .dataError && numeric.1.contains("must be a string"))
  }

  @Test func refusesFeesAndTotalsPastTheLargestAmount() throws {
    let big = try #require(
      failure(#"{"id":"a","output":"x","fee":"400000000000000000000000000000000000000"}"#))
    #expect(big.0 == .dataError)
    #expect(big.1.contains("log.jsonl:1: inference 'a'") && big.1.contains("larger than"))
    let sum = try #require(
      failure(
        """
        {"id":"a","output":"x","fee":"\(TokenAmount.max)"}
        {"id":"b","output":"x","fee":"1"}
        """))
    #expect(sum.0 == .dataError && sum.1.hasPrefix("log.jsonl:2: the fees so far"))
  }

  @Test func refusesEmptyLogsAndRepeatedIDs() throws {
    for text in ["", "\n\n  \n"] {
      let (kind, message) = try #require(failure(text))
      #expect(kind == .dataError && message.contains("holds no inferences"))
    }
    let repeated = try #require(
      failure(
        """
        {"id":"a","output":"x","fee":"1"}
        {"id":"a","output":"y","fee":"1"}
        """))
    #expect(repeated.0 == .dataError && repeated.1.contains("line 2"))
  }
}
