import Foundation
import Testing

@testable import OpenLedgerKit

/// The fused path of MinHash (`Tokenizer.scanWordHashes`: ASCII words found 64 bytes at a time
/// and hashed in place) must find exactly the words of the general path (`Tokenizer.scan`, every
/// token normalized, then hashed), on any input: the signatures are stored and compared.
@Suite struct WordHashTests {
  let hasher = MinHasher()

  /// Collects word hashes.
  struct Collector: WordHashSink {
    var hashes: [UInt64] = []
    mutating func take(wordHash: UInt64) { hashes.append(wordHash) }
  }

  /// The word hashes of the fused path; `portable` hashes ASCII words in plain C.
  static func fused(_ bytes: [UInt8], portable: Bool = false) -> [UInt64] {
    var collector = Collector()
    bytes.withUnsafeBytes {
      Tokenizer.scanWordHashes(
        $0, hash: MinHasher.wordHash, into: &collector, portable: portable)
    }
    return collector.hashes
  }

  /// The word hashes of the general path: the normalized words of `Tokenizer.tokens`, hashed.
  static func general(_ bytes: [UInt8]) -> [UInt64] {
    bytes.withUnsafeBytes { Tokenizer.tokens(utf8: $0) }.filter { $0.kind == .word }.map {
      MinHasher.wordHash.hash($0.normalized)
    }
  }

  /// Checks that both paths agree on `bytes`, word for word and signature for signature.
  func expectAgreement(_ bytes: [UInt8], _ comment: @autoclosure () -> String = "") {
    let fused = Self.fused(bytes)
    let general = Self.general(bytes)
    let text = String(decoding: bytes, as: UTF8.self).debugDescription
    let firstDifference =
      zip(fused, general).enumerated().first { $0.element.0 != $0.element.1 }?.offset
      ?? min(fused.count, general.count)
    let sameWords = fused == general
    #expect(sameWords, "\(comment()): words differ from word \(firstDifference) on, in \(text)")
    let portable = Self.fused(bytes, portable: true)
    let portableAgrees = portable == general
    #expect(portableAgrees, "\(comment()): the portable words differ, in \(text)")
    let signatures = bytes.withUnsafeBytes {
      (hasher.signature(utf8: $0, words: .fused), hasher.signature(utf8: $0, words: .tokens))
    }
    let sameSignature = signatures.0 == signatures.1
    #expect(sameSignature, "\(comment()): signatures differ for \(text)")
  }

  /// Pieces of text that take every branch of both paths: ASCII words of every length around
  /// the 8- and 16-byte reads and the 64-byte blocks, case, digits, every kind of ASCII space,
  /// punctuation runs, control characters, and non-ASCII letters, marks, compatibility and
  /// case-folding characters, invisible characters, emoji and scripts without spaces.
  static let pieces: [String] = [
    "a", "I", "of", "The", "and", "word", "Hello", "MiXeD", "1234", "x2", "A1b2C3", "eightchr",
    "ninechars", "sixteencharacter", "seventeencharacte", String(repeating: "Long", count: 12),
    String(repeating: "z", count: 70), " ", " ", "  ", "\n", "\t", "\r\n", "\u{0B}", "\u{0C}",
    ",", ".", "...", "!?", "'", "\"", "(", ")", "-", "--", "_", "@#$%", "\u{0}", "\u{1F}",
    "\u{7F}", "é", "É", "e\u{301}", "\u{301}", "\u{20DD}", "ﬁ", "Ａｂｃ", "１２", "ß", "ẞ", "İ", "ı",
    "Σ", "ς", "σίσυφος", "Ⅻ", "x²", "東京タワー", "🇫🇷", "👍🏽", "\u{AD}", "\u{200B}", "\u{00A0}",
    "\u{3000}", "—", "’", "“", "«", "ﬀ", "Ǆ", "ǅ", "ŉ", "ΐ", "ﷺ",
  ]

  static func randomText(_ generator: inout SplitMix64, pieces count: Int, asciiShare: Int)
    -> [UInt8]
  {
    let ascii = pieces.filter { $0.utf8.allSatisfy { $0 < 0x80 } }
    var bytes: [UInt8] = []
    for _ in 0..<count {
      let pool = Int.random(in: 0..<100, using: &generator) < asciiShare ? ascii : pieces
      bytes += Array(pool.randomElement(using: &generator)!.utf8)
    }
    return bytes
  }

  @Test func pathsAgreeOnRandomMixedText() {
    var generator = SplitMix64(seed: 301)
    for round in 0..<400 {
      let share = [100, 99, 95, 80, 50, 0][round % 6]
      let count = Int.random(in: 0...220, using: &generator)
      expectAgreement(
        Self.randomText(&generator, pieces: count, asciiShare: share), "round \(round)")
    }
  }

  @Test func pathsAgreeOnRandomAndInvalidBytes() {
    var generator = SplitMix64(seed: 302)
    for length in 0..<400 {
      // Mostly ASCII letters and spaces, with bytes of every value mixed in.
      let bytes = (0..<length).map { _ -> UInt8 in
        switch Int.random(in: 0..<10, using: &generator) {
        case 0: UInt8.random(in: 0...255, using: &generator)
        case 1: 0x20
        case 2:
          [0xc3, 0xa9, 0xcc, 0x81, 0xe2, 0x80, 0x99, 0xff, 0x80].randomElement(
            using: &generator)!
        default: UInt8.random(in: 0x41...0x7a, using: &generator)
        }
      }
      expectAgreement(bytes, "length \(length)")
    }
  }

  /// Each awkward piece at every offset around the first two block boundaries and the tail:
  /// a word running into a non-ASCII letter, punctuation or space before a combining mark, a
  /// truncated UTF-8 sequence, a non-ASCII letter followed by ASCII letters.
  @Test func pathsAgreeWhereBlocksMeetAwkwardText() {
    let awkward: [[UInt8]] = [
      Array("word\u{301}".utf8), Array(".\u{301}".utf8), Array(" \u{301}".utf8),
      Array("ab\u{AD}cd".utf8), Array("éabc".utf8), Array("abcé".utf8), Array("’s".utf8),
      [0x61, 0xe2, 0x80], [0xff], [0x2e, 0xcc], Array("ＡＢ12".utf8), Array("İstanbul".utf8),
    ]
    for piece in awkward {
      for offset in 0..<140 {
        var bytes = Array(
          String(repeating: "Ab cd, EFG hi. ", count: 12).utf8.prefix(offset))
        bytes += piece
        bytes += Array(" tail WORDS end".utf8)
        expectAgreement(bytes, "offset \(offset)")
        expectAgreement(Array(bytes.prefix(offset + piece.count)), "at the end, offset \(offset)")
      }
    }
  }

  @Test func longWordsAcrossBlocks() {
    for length in [63, 64, 65, 127, 128, 129, 200] {
      for lead in 0..<9 {
        let bytes = Array(
          (String(repeating: " ", count: lead) + String(repeating: "aB1", count: length)
            + " x").utf8.prefix(lead + length + 2))
        expectAgreement(bytes, "length \(length), lead \(lead)")
      }
    }
  }

  /// Texts of thousands of words: the hashes go straight into the signature's buffer, which
  /// fills and is flushed between and inside the 64-byte blocks' runs, while non-ASCII
  /// stretches add words one at a time.
  @Test func pathsAgreeAcrossManyBatches() {
    var generator = SplitMix64(seed: 303)
    for share in [100, 99, 90] {
      expectAgreement(
        Self.randomText(&generator, pieces: 6_000, asciiShare: share), "ASCII share \(share)")
    }
  }

  /// Every word length from 1 to 40 at every offset in a block.
  @Test func everyWordLengthAtEveryOffset() {
    for length in 1...40 {
      let word = (0..<length).map { Array("aZ5q".utf8)[$0 % 4] }
      var bytes: [UInt8] = []
      for offset in 0..<66 {
        bytes += [UInt8](repeating: 0x20, count: offset % 3 + 1) + word
        if offset % 16 == 0 { expectAgreement(bytes, "length \(length), offset \(offset)") }
      }
      expectAgreement(bytes, "length \(length)")
    }
  }

  /// Words that end in the last full 64-byte block but start less than 16 (or 8) bytes before
  /// the text's end, where the C code cannot read a whole register from the word's start and
  /// takes its general hash.
  @Test func wordsNearTheEndOfTheLastFullBlock() {
    for tail in 0..<16 {
      for length in 1...16 {
        let end = 127  // the word ends just before the last byte of the second block
        var bytes = Array(String(repeating: "Ab cd ", count: 30).utf8.prefix(end - length - 1))
        bytes += [0x20] + (0..<length).map { Array("qW9e".utf8)[$0 % 4] } + [0x20]
        bytes += Array(String(repeating: "z ", count: 8).utf8.prefix(tail))
        expectAgreement(bytes, "length \(length), tail \(tail)")
      }
    }
  }

  @Test func emptyAndWordlessTexts() {
    #expect(Self.fused([]).isEmpty)
    #expect(Self.fused(Array(String(repeating: " .,;\n", count: 40).utf8)).isEmpty)
    expectAgreement(Array("—…«»".utf8))
  }
}
