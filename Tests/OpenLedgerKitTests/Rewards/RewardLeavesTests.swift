import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct RewardLeavesTests {
  @Test func leafHashIsTheDocumentedHundredAndFiveBytes() {
    let datanet = Digest(hex: String(repeating: "ab", count: 32))!
    let holder = account(0x11)
    var message: [UInt8] = [0x00] + datanet.bytes + [0, 0, 0, 0, 0, 0, 1, 2] + holder.bytes
    message +=
      [UInt8](repeating: 0, count: 16) + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x30, 0x39]
    #expect(message.count == 105)
    let expected = Digest.of(message)
    #expect(
      RewardLeaves.leafHash(datanet: datanet, epoch: 258, account: holder, cumulative: 12_345)
        == expected)
  }

  @Test func linesAreCanonicalAndInLeafHashOrder() throws {
    let amounts: [AccountID: TokenAmount] = [
      account(0x01): 0, account(0x02): 10, account(0x03): TokenAmount.max - 20,
    ]
    let leaves = try RewardLeaves(datanet: testDatanet, epoch: 4, cumulative: amounts)
    #expect(leaves.total == TokenAmount.max - 10)
    let text = String(decoding: leaves.jsonLines(), as: UTF8.self)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    #expect(lines.count == 4 && lines[3].isEmpty)
    let hashes = (0..<3).map { leaves.leafHash(at: $0) }
    #expect(hashes == hashes.sorted())
    for (index, line) in lines.prefix(3).enumerated() {
      let holder = leaves.account(at: index)
      #expect(
        line == #"{"account":"\#(holder.hex)","cumulative":"\#(amounts[holder]!.decimalString)"}"#)
      #expect(
        hashes[index]
          == RewardLeaves.leafHash(
            datanet: testDatanet, epoch: 4, account: holder, cumulative: amounts[holder]!))
    }
    let parsed = try RewardLeaves.parse(leaves.jsonLines(), datanet: testDatanet, epoch: 4)
    #expect(parsed.hashes == leaves.hashes)
    #expect(parsed.amounts == leaves.amounts)
    #expect(parsed.total == leaves.total)
    #expect(parsed.cumulative == amounts)
  }

  @Test func amountsRoundTripAcrossWordBoundaries() throws {
    let tenTo19 = TokenAmount(10_000_000_000_000_000_000)
    let values: [TokenAmount] = [
      0, 9, 10, tenTo19 - 1, tenTo19, tenTo19 + 1, TokenAmount(UInt64.max),
      TokenAmount(UInt64.max) + 1, tenTo19 * tenTo19, TokenAmount.max / 8,
    ]
    var amounts = [AccountID: TokenAmount]()
    for (index, value) in values.enumerated() { amounts[account(UInt8(index + 1))] = value }
    let leaves = try RewardLeaves(datanet: testDatanet, epoch: 1, cumulative: amounts)
    let text = String(decoding: leaves.jsonLines(), as: UTF8.self)
    for value in values { #expect(text.contains("\"cumulative\":\"\(value)\"}\n")) }
    let parsed = try RewardLeaves.parse(leaves.jsonLines(), datanet: testDatanet, epoch: 1)
    #expect(parsed.cumulative == amounts)
  }

  @Test func parseRefusesAnythingElse() throws {
    var rng = SplitMix64(seed: 3)
    var amounts = [AccountID: TokenAmount]()
    for _ in 0..<5 { amounts[randomAccount(&rng)] = TokenAmount(rng.next() % 1000) }
    let leaves = try RewardLeaves(datanet: testDatanet, epoch: 1, cumulative: amounts)
    let good = String(decoding: leaves.jsonLines(), as: UTF8.self)
    var lines = good.split(separator: "\n").map(String.init)

    func problem(_ text: String) -> RewardLeaves.FormatError? {
      do {
        _ = try RewardLeaves.parse(Data(text.utf8), datanet: testDatanet, epoch: 1)
        return nil
      } catch { return error }
    }
    #expect(problem(good) == nil)
    #expect(problem("")?.reason == "the file holds no leaves")
    #expect(problem(String(good.dropLast()))?.line == 5, "no final line feed")
    #expect(problem(good.replacingOccurrences(of: "\n", with: "\r\n"))?.line == 1)
    #expect(problem(good.uppercased())?.line == 1)
    #expect(problem(good.replacingOccurrences(of: ":", with: ": "))?.line == 1)
    #expect(problem(good + "\n")?.line == 6, "a blank line")
    let swapped = [lines[1], lines[0]] + lines[2...]
    #expect(problem(swapped.joined(separator: "\n") + "\n")?.line == 2)
    // A leading zero.
    lines[2] = lines[2].replacingOccurrences(of: #""cumulative":""#, with: #""cumulative":"0"#)
    #expect(problem(lines.joined(separator: "\n") + "\n")?.line == 3)
  }

  @Test func parseFindsTwoLinesForOneAccount() throws {
    let holder = account(0x42)
    let first = try RewardLeaves(datanet: testDatanet, epoch: 1, cumulative: [holder: 1])
    let second = try RewardLeaves(datanet: testDatanet, epoch: 1, cumulative: [holder: 2])
    let ordered = [first, second].sorted { $0.hashes.lexicographicallyPrecedes($1.hashes) }
    let text = ordered.map { String(decoding: $0.jsonLines(), as: UTF8.self) }.joined()
    #expect(throws: RewardLeaves.FormatError.self) {
      try RewardLeaves.parse(Data(text.utf8), datanet: testDatanet, epoch: 1)
    }
    do {
      _ = try RewardLeaves.parse(Data(text.utf8), datanet: testDatanet, epoch: 1)
    } catch {
      #expect(error.line == 2)
      #expect(error.reason.contains("has a leaf already on line 1"))
    }
  }
}
