import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct TokenizerTests {
  /// The tokens of `text` as (kind, normalized text, the input text they came from).
  private func tokens(_ text: String) -> [(TokenKind, String, String)] {
    let bytes = Array(text.utf8)
    return Tokenizer.tokens(of: text).map { token in
      (token.kind, token.normalized, String(decoding: bytes[token.range], as: UTF8.self))
    }
  }

  private func normalized(_ text: String) -> [String] {
    Tokenizer.tokens(of: text).map(\.normalized)
  }

  @Test func asciiWordsAreLoweredAndPunctuationStandsAlone() {
    let result = tokens("Hello, World! It's 2024.")
    #expect(result.map(\.1) == ["hello", ",", "world", "!", "it", "'", "s", "2024", "."])
    #expect(
      result.map(\.0) == [
        .word, .punctuation, .word, .punctuation, .word, .punctuation, .word, .word,
        .punctuation,
      ])
    #expect(result.map(\.2) == ["Hello", ",", "World", "!", "It", "'", "s", "2024", "."])
  }

  @Test func longWordsCrossTheEightByteChunks() {
    let word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    #expect(normalized("\(word) x \(word)Z") == [word.lowercased(), "x", word.lowercased() + "z"])
  }

  @Test func everyASCIIPunctuationCharacterIsOneToken() {
    let symbols = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
    #expect(normalized(symbols) == symbols.map { String($0) })
    #expect(Tokenizer.tokens(of: symbols).allSatisfy { $0.kind == .punctuation })
  }

  @Test func whitespaceIsDropped() {
    #expect(tokens("").isEmpty)
    #expect(tokens(" \t\n\r\u{0B}\u{0C}  ").isEmpty)
    #expect(tokens("\u{00A0}\u{3000}\u{2003}").isEmpty)
    #expect(normalized("  a \n\n b\t") == ["a", "b"])
    #expect(normalized("a\u{3000}b\u{00A0}c") == ["a", "b", "c"])
  }

  @Test func compatibilityCharactersAreNormalized() {
    #expect(normalized("ﬁne") == ["fine"])
    #expect(normalized("１２３ Ａｂｃ") == ["123", "abc"])
    #expect(normalized("Ⅻ") == ["xii"])
    #expect(normalized("x²") == ["x2"])
  }

  @Test func caseIsFoldedFully() {
    #expect(normalized("Straße STRASSE ẞ") == ["strasse", "strasse", "ss"])
    #expect(normalized("ΣΊΣΥΦΟΣ σίσυφος") == ["σίσυφοσ", "σίσυφοσ"])
    #expect(normalized("ÉCOLE école") == ["école", "école"])
    // Turkish: dotless ı stays, dotted İ folds to i + U+0307, as outside a Turkish locale.
    #expect(normalized("İ ı I") == ["i\u{307}", "ı", "i"])
  }

  @Test func combiningMarksComposeAndStayInTheWord() {
    let decomposed = "cafe\u{301} naïve"
    #expect(normalized(decomposed) == ["café", "naïve"])
    #expect(normalized("café") == normalized("cafe\u{301}"))
  }

  @Test func byteRangesPointAtTheInputForMultibyteText() {
    let text = "Ünïcödé — “quoted” ﬁx 東京タワー 🇫🇷!"
    let result = tokens(text)
    #expect(result.map(\.1) == ["ünïcödé", "—", "“", "quoted", "”", "fix", "東京タワー", "🇫🇷", "!"])
    #expect(result.map(\.2) == ["Ünïcödé", "—", "“", "quoted", "”", "ﬁx", "東京タワー", "🇫🇷", "!"])
  }

  @Test func rangesAreInOrderAndDoNotOverlap() {
    let text = "Mixed ASCII, émigré—text; ﬁ１ 42x. Done"
    var last = 0
    for token in Tokenizer.tokens(of: text) {
      #expect(token.range.lowerBound >= last)
      #expect(!token.range.isEmpty)
      last = token.range.upperBound
    }
    #expect(last <= text.utf8.count)
  }

  @Test func nonASCIIPunctuationNextToASCIIWords() {
    #expect(normalized("don’t") == ["don", "’", "t"])
    #expect(normalized("a—b") == ["a", "—", "b"])
    #expect(normalized("(é)") == ["(", "é", ")"])
    #expect(normalized("x.é") == ["x", ".", "é"])
  }

  @Test func invisibleCharactersDoNotSplitWords() {
    #expect(normalized("co\u{AD}operate") == ["cooperate"])
    #expect(normalized("zero\u{200B}width") == ["zerowidth"])
  }

  @Test func invalidUTF8BecomesReplacementPunctuation() {
    let bytes: [UInt8] = [0x61, 0x62, 0xff, 0x63, 0x20, 0xc3, 0x28, 0xe2, 0x82]
    let result = bytes.withUnsafeBytes { Tokenizer.tokens(utf8: $0) }
    #expect(result.map(\.normalized) == ["ab", "\u{FFFD}", "c", "\u{FFFD}", "(", "\u{FFFD}"])
    #expect(result.map(\.range) == [0..<2, 2..<3, 3..<4, 5..<6, 6..<7, 7..<9])
  }

  @Test func randomBytesNeverCrashAndRangesStayInBounds() {
    var generator = SplitMix64(seed: 2024)
    for length in 0..<300 {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
      bytes.withUnsafeBytes { buffer in
        Tokenizer.forEachToken(in: buffer) { _, normalized, range in
          #expect(range.lowerBound >= 0 && range.upperBound <= length && !range.isEmpty)
          #expect(!normalized.isEmpty)
        }
      }
    }
  }

  /// An ASCII byte next to a non-ASCII letter goes through the slow path, through Foundation;
  /// alone it goes through the fast path. Both must classify and normalize it the same way.
  @Test(arguments: 0..<128)
  func fastAndSlowPathsAgreeOnEveryASCIIByte(_ value: Int) {
    let byte = String(UnicodeScalar(UInt8(value)))
    let fast = Tokenizer.tokens(of: byte)
    let slow = Tokenizer.tokens(of: "é" + byte)
    switch fast.first?.kind {
    case .word?:
      #expect(slow.map(\.normalized) == ["é" + fast[0].normalized])
    case .punctuation?:
      #expect(slow.map(\.normalized) == ["é", byte])
      #expect(slow.map(\.kind) == [.word, .punctuation])
    case nil:
      #expect(slow.map(\.normalized) == ["é"])
    }
  }

  @Test func bodyErrorsPropagate() {
    struct Stop: Error {}
    var seen = 0
    #expect(throws: Stop.self) {
      try Array("a b c".utf8).withUnsafeBytes { bytes in
        try Tokenizer.forEachToken(in: bytes) { _, _, _ in
          seen += 1
          if seen == 2 { throw Stop() }
        }
      }
    }
    #expect(seen == 2)
  }
}
