import Testing

@testable import OpenLedgerKit

@Suite struct StableHashTests {
  /// Pinned values: a change here changes every stored fingerprint, and must be deliberate.
  @Test(
    arguments: [
      ("", 0xc9b8_ba9a_ae07_959e),
      ("a", 0x5e1f_af43_fbd7_e5d4),
      ("abc", 0x6f81_ccaa_b4c7_9df9),
      ("openledger", 0xe351_394c_b908_176a),
      ("0123456789abcdef", 0x35ed_14fe_e4d3_df53),
      ("0123456789abcdefg", 0x9e7e_42cf_045e_d5d5),
      (String(repeating: "datanet ", count: 20), 0xe3ef_7f53_28ab_f1d3),
    ] as [(String, UInt64)])
  func hashOfFixedInputsIsPinned(_ input: String, _ expected: UInt64) {
    #expect(StableHash(seed: 0).hash(input) == expected)
  }

  @Test func seedChoosesAnotherFunction() {
    #expect(StableHash(seed: 7).hash("abc") == 0xbdc6_011b_1dfb_d0bc)
    #expect(StableHash(seed: 7).hash("abc") != StableHash(seed: 0).hash("abc"))
  }

  @Test func stringAndBytesAgree() {
    let text = "naïve café"
    let fromBytes = Array(text.utf8).withUnsafeBytes { StableHash(seed: 3).hash($0) }
    #expect(fromBytes == StableHash(seed: 3).hash(text))
  }

  /// Every length from 0 to 200 takes a different read path or overlap; none may collide, and
  /// trailing zero bytes must count.
  @Test func everyLengthAndZeroPaddingGivesADistinctHash() {
    let hash = StableHash(seed: 1)
    var seen: Set<UInt64> = []
    for length in 0...200 {
      let zeros = [UInt8](repeating: 0, count: length)
      let pattern = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
      seen.insert(zeros.withUnsafeBytes { hash.hash($0) })
      seen.insert(pattern.withUnsafeBytes { hash.hash($0) })
    }
    #expect(seen.count == 2 * 201 - 1)  // the two empty inputs are the same
  }

  /// Flipping one input bit flips about half the output bits (avalanche).
  @Test func oneBitFlipsHalfTheOutput() {
    let hash = StableHash(seed: 5)
    var generator = SplitMix64(seed: 99)
    var flipped = 0
    var trials = 0
    for length in [3, 5, 8, 13, 16, 24, 40, 64, 100] {
      for _ in 0..<40 {
        var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let before = bytes.withUnsafeBytes { hash.hash($0) }
        let bit = Int.random(in: 0..<(8 * length), using: &generator)
        bytes[bit / 8] ^= 1 << (bit % 8)
        let after = bytes.withUnsafeBytes { hash.hash($0) }
        flipped += (before ^ after).nonzeroBitCount
        trials += 1
      }
    }
    let average = Double(flipped) / Double(trials)
    #expect(abs(average - 32) < 1.5, "average bits flipped: \(average)")
  }

  @Test func noCollisionsAmongManyShortWords() {
    let hash = StableHash(seed: 0)
    var seen: Set<UInt64> = []
    for number in 0..<200_000 {
      seen.insert(hash.hash("w\(number)"))
    }
    #expect(seen.count == 200_000)
  }

  /// The in-place forms the tokenizer's fast path uses equal `hash` of the lowered bytes.
  @Test func hashingWithBit5SetEqualsHashingTheLoweredBytes() {
    let hash = StableHash(seed: 0x776f_7264)
    var generator = SplitMix64(seed: 21)
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    for length in 0...120 {
      for _ in 0..<8 {
        let word = (0..<length).map { _ in alphabet.randomElement(using: &generator)! }
        let lowered = word.map { $0 | 0x20 }
        let expected = lowered.withUnsafeBytes { hash.hash($0) }
        #expect(word.withUnsafeBytes { hash.hash(settingBit5Of: $0) } == expected)
        if (1...8).contains(length) {
          // The bytes after the word, in the same register, must not matter.
          var chunk = UInt64.random(in: 0...UInt64.max, using: &generator)
          for (index, byte) in word.enumerated() {
            chunk = chunk & ~(0xff << (8 * UInt64(index))) | UInt64(byte) << (8 * UInt64(index))
          }
          #expect(hash.hash(settingBit5OfFirst: length, of: chunk) == expected, "\(word)")
        }
      }
    }
  }

  @Test func fiveWordsFromRegistersEqualTheirFortyBytes() {
    let hash = StableHash(seed: 0x7368_696e_676c_65)
    var generator = SplitMix64(seed: 22)
    for _ in 0..<1_000 {
      let words = (0..<5).map { _ in generator.next() }
      let expected = words.map(\.littleEndian).withUnsafeBytes { hash.hash($0) }
      #expect(hash.hash(words[0], words[1], words[2], words[3], words[4]) == expected)
    }
  }

  /// The reference sequence of SplitMix64 from seed 0.
  @Test func splitMixMatchesTheReference() {
    var generator = SplitMix64(seed: 0)
    #expect(generator.next() == 0xe220_a839_7b1d_cdaf)
    #expect(generator.next() == 0x6e78_9e6a_a1b9_65f4)
    #expect(generator.next() == 0x06c4_5d18_8009_454f)
  }
}
