import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct InferenceLogTests {
  func parse(_ text: String) throws -> InferenceLog {
    try InferenceLog.parse(Data(text.utf8), name: "log.jsonl")
  }

  func failure(_ text: String) -> RewardsError? {
    do {
      _ = try parse(text)
      return nil
    } catch let error as RewardsError {
      return error
    } catch {
      Issue.record("unexpected \(error)")
      return nil
    }
  }

  @Test func readsInferencesWithLinesAndTotal() throws {
    let log = try parse(
      """
      {"id":"a","output":"The cat sat.","fee":"1500","model":"m1","extra":true}

      {"id":"b","output":"","fee":"0","prompt":"p","time":"2026-01-01T00:00:00Z"}\r
      {"id":"c","output":"x","fee":"340282366920938463463374607431768200000"}
      """)
    #expect(log.inferences.map(\.id) == ["a", "b", "c"])
    #expect(log.inferences.map(\.line) == [1, 3, 4])
    #expect(log.inferences[0].model == "m1")
    #expect(log.inferences[1].prompt == "p")
    #expect(log.totalFees == 340_282_366_920_938_463_463_374_607_431_768_201_500)
  }

  @Test func namesTheLineOfAMalformedEntry() {
    let error = failure(
      """
      {"id":"a","output":"x","fee":"1"}
      {"id":"b","output":"x","fee":"1"
      """)
    guard case .malformedLog(let log, let line, _) = error else {
      Issue.record("expected malformedLog, got \(String(describing: error))")
      return
    }
    #expect(log == "log.jsonl" && line == 2)
    #expect(error?.kind == .dataError)
    #expect(error!.description.hasPrefix("log.jsonl:2: "))
  }

  @Test func missingFieldsAreNamed() {
    let error = failure(#"{"id":"a","fee":"1"}"#)
    #expect(error?.description.contains("missing field 'output'") == true)
  }

  @Test(arguments: [
    ("-5", AmountProblem.negative), ("2.5", .fractional), ("lots", .notANumber), ("", .empty),
    ("400000000000000000000000000000000000000", .overflow),
  ])
  func refusesBadFees(_ fee: String, _ expected: AmountProblem) {
    let error = failure(
      """
      {"id":"ok","output":"x","fee":"1"}
      {"id":"bad","output":"x","fee":"\(fee)"}
      """)
    guard case .badFee(_, let line, let inference, let text, let problem) = error else {
      Issue.record("expected badFee, got \(String(describing: error))")
      return
    }
    #expect(line == 2 && inference == "bad" && text == fee && problem == expected)
    #expect(error?.kind == .dataError)
  }

  @Test func aFeeAsAJSONNumberIsExplained() {
    let error = failure(#"{"id":"a","output":"x","fee":1500}"#)
    #expect(error?.description.contains("must be a decimal string") == true)
    #expect(error?.kind == .dataError)
  }

  @Test func emptyAndBlankLogsAreRefused() {
    for text in ["", "\n\n  \n"] {
      guard case .emptyLog = failure(text) else {
        Issue.record("expected emptyLog for \(text.debugDescription)")
        continue
      }
    }
  }

  @Test func duplicateIDsAndOverflowingTotalsAreRefused() {
    guard
      case .duplicateInference(_, 3, "a", 1) = failure(
        """
        {"id":"a","output":"x","fee":"1"}
        {"id":"b","output":"x","fee":"1"}
        {"id":"a","output":"y","fee":"1"}
        """)
    else {
      Issue.record("expected duplicateInference")
      return
    }
    let big = TokenAmount.max.decimalString
    guard
      case .feesOverflow(_, 2) = failure(
        """
        {"id":"a","output":"x","fee":"\(big)"}
        {"id":"b","output":"x","fee":"1"}
        """)
    else {
      Issue.record("expected feesOverflow")
      return
    }
  }

  @Test func digestIsOfTheBytes() throws {
    let text = #"{"id":"a","output":"x","fee":"1"}"# + "\n"
    #expect(try parse(text).digest == Digest.of(Data(text.utf8)))
  }
}
