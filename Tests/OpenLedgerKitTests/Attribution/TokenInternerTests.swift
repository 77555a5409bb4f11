import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct TokenInternerTests {
  /// Interns `tokens` as one text (flushing at the end only, so lookups wait in the window and
  /// the table grows while they wait) and checks ids, counts and bytes against a dictionary.
  private func check(
    _ tokens: [[UInt8]], sourceLocation: Testing.SourceLocation = #_sourceLocation
  ) {
    var interner = TokenInterner()
    defer { interner.deallocate() }
    for token in tokens {
      token.withUnsafeBytes { interner.take(.word, $0, 0..<token.count) }
    }
    interner.flush()

    var expectedID: [[UInt8]: UInt32] = [:]
    var expectedCounts: [UInt32] = []
    var expectedTokens: [UInt32] = []
    for token in tokens {
      let id = expectedID[token] ?? UInt32(expectedID.count)
      if id == expectedID.count {
        expectedID[token] = id
        expectedCounts.append(0)
      }
      expectedCounts[Int(id)] += 1
      expectedTokens.append(id)
    }
    #expect(interner.tokenCount == tokens.count, sourceLocation: sourceLocation)
    #expect(interner.distinctCount == expectedID.count, sourceLocation: sourceLocation)
    let ids = (0..<interner.tokenCount).map { interner.tokens[$0] }
    #expect(ids == expectedTokens, sourceLocation: sourceLocation)
    #expect(interner.counts() == expectedCounts, sourceLocation: sourceLocation)
    for (token, id) in expectedID {
      #expect(Array(interner.bytes(of: Int(id))) == token, sourceLocation: sourceLocation)
    }
  }

  @Test func tokensOfEveryLengthAroundTheKeyWordsKeepTheirIDs() {
    // Tokens that differ only in one byte, or only in length, for each length up to 40 (the
    // key holds 23 bytes and the length; longer tokens are hashed and compared in the arena).
    var tokens: [[UInt8]] = []
    for length in 1...40 {
      let base = (0..<length).map { UInt8(0x61 + $0 % 26) }
      tokens.append(base)
      for position in [0, length / 2, length - 1] {
        var changed = base
        changed[position] = 0x30
        tokens.append(changed)
      }
      tokens.append(base + [0])
      tokens.append([UInt8](repeating: 0, count: length))
    }
    check(tokens + tokens.reversed() + tokens)
  }

  @Test func manyDistinctTokensGrowTheTableWhileLookupsWait() {
    var random = SplitMix64(seed: 3)
    let vocabulary = (0..<20_000).map { _ in
      (0..<Int.random(in: 1...30, using: &random)).map { _ in
        UInt8.random(in: 0x61...0x7a, using: &random)
      }
    }
    let tokens = (0..<60_000).map { index in
      index < vocabulary.count
        ? vocabulary[index]
        : vocabulary[
          min(
            Int.random(in: 0..<vocabulary.count, using: &random),
            Int.random(in: 0..<vocabulary.count, using: &random))]
    }
    check(tokens)
  }

  @Test func textsThatFlushBetweenThemContinueTheSameIDs() {
    var interner = TokenInterner()
    defer { interner.deallocate() }
    for text in [
      "The river rose. The river", "rose higher than the supercalifragilisticexpialidocious river",
    ] {
      var text = text
      text.withUTF8 { Tokenizer.scan(UnsafeRawBufferPointer($0), into: &interner) }
      interner.flush()
    }
    let words = (0..<interner.tokenCount).map {
      String(decoding: interner.bytes(of: Int(interner.tokens[$0])), as: UTF8.self)
    }
    #expect(
      words == [
        "the", "river", "rose", ".", "the", "river", "rose", "higher", "than", "the",
        "supercalifragilisticexpialidocious", "river",
      ])
    #expect(interner.distinctCount == 7)
  }
}
