import Foundation
import Testing

@testable import OpenLedgerKit

/// Leaf format v2: the recipient bound into every leaf, exactly as the distributor contract and
/// Contracts/tests/merkle.py compute it.
@Suite struct RewardLeavesV2Tests {
  static let paid = EVMAddress(canonical: "0xfb6916095ca1df60bb79ce92ce3ea74c37c5d359")!

  @Test func leafHashIsTheDocumentedHundredAndTwentyFiveBytes() {
    let datanet = Digest(hex: String(repeating: "ab", count: 32))!
    let holder = account(0x11)
    var message: [UInt8] = [0x00] + datanet.bytes + [0, 0, 0, 0, 0, 0, 1, 2] + holder.bytes
    message += Self.paid.bytes
    message += [UInt8](repeating: 0, count: 30) + [0x30, 0x39]
    #expect(message.count == 125)
    #expect(
      RewardLeaves.leafHash(
        datanet: datanet, epoch: 258, account: holder, recipient: Self.paid, cumulative: 12_345)
        == Digest.of(message))
    // The recipient is bound: another address, or none (v1), is another leaf.
    #expect(
      RewardLeaves.leafHash(
        datanet: datanet, epoch: 258, account: holder, recipient: .zero, cumulative: 12_345)
        != Digest.of(message))
  }

  func leaves() throws -> RewardLeaves {
    try RewardLeaves(
      datanet: testDatanet, epoch: 3,
      cumulative: [account(0x01): 5, account(0x02): 0, account(0x03): TokenAmount.max - 5],
      recipients: [account(0x01): Self.paid, account(0x03): Self.paid])
  }

  @Test func linesAddTheRecipientAndAccountsWithoutOneGetTheZeroAddress() throws {
    let leaves = try leaves()
    #expect(leaves.format == .v2)
    let lines = String(decoding: leaves.jsonLines(), as: UTF8.self).split(separator: "\n")
    #expect(lines.count == 3)
    for (index, line) in lines.enumerated() {
      let holder = leaves.account(at: index)
      let recipient = holder == account(0x02) ? EVMAddress.zero : Self.paid
      #expect(
        line
          == #"{"account":"\#(holder.hex)","cumulative":"\#(leaves.amounts[index])","recipient":"\#(recipient.hex)"}"#
      )
      #expect(leaves.recipient(at: index) == recipient)
    }
    #expect(leaves.accountsWithoutRecipient == [account(0x02)])
    let parsed = try RewardLeaves.parse(
      leaves.jsonLines(), datanet: testDatanet, epoch: 3, format: .v2)
    #expect(parsed.hashes == leaves.hashes)
    #expect(parsed.recipients == leaves.recipients)
    #expect(parsed.tree().root == leaves.tree().root)
  }

  @Test func parseRefusesV1LinesAndNonCanonicalRecipients() throws {
    let good = String(decoding: try leaves().jsonLines(), as: UTF8.self)
    func problem(_ text: String, _ format: LeafFormat = .v2) -> RewardLeaves.FormatError? {
      do {
        _ = try RewardLeaves.parse(Data(text.utf8), datanet: testDatanet, epoch: 3, format: format)
        return nil
      } catch { return error }
    }
    #expect(problem(good) == nil)
    // The checksummed form is for people; leaves hold lowercase only.
    #expect(
      problem(good.replacingOccurrences(of: Self.paid.hex, with: Self.paid.checksummed))?.reason
        == "the recipient is not 0x and 40 lowercase hex digits")
    let v1 = try RewardLeaves(
      datanet: testDatanet, epoch: 3, cumulative: [account(0x01): 5])
    #expect(problem(String(decoding: v1.jsonLines(), as: UTF8.self))?.line == 1)
    // v2 lines read as v1 are refused too: one format per manifest.
    #expect(problem(good, .v1)?.line == 1)
    #expect(problem(good.replacingOccurrences(of: "\"recipient\"", with: "\"payout\""))?.line == 1)
  }

  /// The tree over v2 leaves is the one the contract tests' Python builder makes from the same
  /// leaves.jsonl, node for node.
  @Test(.enabled(if: python != nil)) func theContractTestsTreeIsTheSame() throws {
    var rng = SplitMix64(seed: 16)
    var cumulative = [AccountID: TokenAmount]()
    var recipients = [AccountID: EVMAddress]()
    for index in 0..<9 {
      let holder = randomAccount(&rng)
      cumulative[holder] = TokenAmount(rng.next())
      if index % 3 != 0 {
        recipients[holder] = EVMAddress(unchecked: Array(Digest.of(holder.bytes).bytes.prefix(20)))
      }
    }
    let leaves = try RewardLeaves(
      datanet: testDatanet, epoch: 7, cumulative: cumulative, recipients: recipients)
    let directory = try TemporaryDirectory()
    try leaves.jsonLines().write(to: URL(fileURLWithPath: "\(directory.path)/leaves.jsonl"))
    let script = """
      import sys
      sys.path.insert(0, sys.argv[1])
      from export import parse_leaves
      from merkle import Tree
      leaves = parse_leaves(open(sys.argv[2], "rb").read(), "leaves.jsonl")
      print(b"".join(Tree(bytes.fromhex(sys.argv[3]), 7, leaves).nodes).hex())
      """
    let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Contracts/tests").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python!)
    process.arguments = ["-c", script, tests, "\(directory.path)/leaves.jsonl", testDatanet.hex]
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let printed = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    #expect(
      String(decoding: printed, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        == Hex.encode(leaves.tree().nodes))
  }
}

/// A Python 3 interpreter, when the machine has one.
let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
  FileManager.default.isExecutableFile(atPath: $0)
}
