import Testing

@testable import OpenLedgerKit

@Suite struct DisplayTextTests {
  @Test func controlCharactersBecomeVisibleEscapes() {
    let text =
      "a\u{1B}]52;c;eA==\u{07}\r\u{8}\u{B}\u{C}\u{0}\u{7F}\u{85}\u{9B}\u{202E}\u{2067}\u{2028}z"
    #expect(
      DisplayText.escaped(text)
        == #"a\e]52;c;eA==\a\r\b\v\f\u{0}\u{7f}\u{85}\u{9b}\u{202e}\u{2067}\u{2028}z"#)
  }

  @Test func newlinesAndTabsPassOnlyInABlockOfLines() {
    #expect(DisplayText.escaped("one\ttwo\nthree") == #"one\ttwo\nthree"#)
    #expect(DisplayText.escaped("one\ttwo\nthree\r", .lines) == "one\ttwo\nthree\\r")
  }

  @Test func ordinaryTextIsUnchangedAndEscapingTwiceChangesNothing() {
    let plain = #"Grüße, 東京, emoji 🌳, a\b and \e as typed, العربية"#
    #expect(DisplayText.escaped(plain) == plain)
    #expect(!DisplayText.hasControlCharacters(plain))
    let once = DisplayText.escaped("x\u{1B}[2Jy\n")
    #expect(DisplayText.escaped(once) == once)
    #expect(DisplayText.hasControlCharacters("ok\rFAKE.jsonl"))
    #expect(DisplayText.hasControlCharacters("two\nlines.jsonl"))
  }
}
