import Testing

@testable import OpenLedgerKit

@Suite struct MinHashTests {
  let hasher = MinHasher()
  static let sentence = "The quick brown fox jumps over the lazy dog, while the cat sleeps."

  /// Pinned values: a change here changes every stored signature, and must be deliberate (and
  /// come with a new serialization version).
  @Test func signatureOfAFixedSentenceIsPinned() throws {
    let signature = try #require(hasher.signature(of: Self.sentence))
    #expect(
      Array(signature.values.prefix(8)) == [
        0x0845_ac9f, 0x0c98_053d, 0x106c_e38c, 0x4190_6016, 0x2b85_55ef, 0x0b89_9b4a,
        0x1850_c73e, 0x29d6_b9cc,
      ])
    #expect(
      Array(signature.bandKeys().prefix(3)) == [
        0xf416_bfee_b7ee_3dcf, 0x13f6_1912_9bfa_5690, 0xd317_1aa7_5b41_8900,
      ])
    #expect(signature.values.count == 112)
    #expect(signature.bandKeys().count == 14)
  }

  @Test func signatureMatchesAPlainReferenceAcrossBatches() throws {
    // Long enough to cross several batches of shingles, with short texts around the edge cases.
    let long = Self.randomText(words: 1_800, vocabulary: 500, seed: 1)
    for text in [long, Self.sentence, "one", "one two three four", "one two three four five"] {
      let signature = try #require(hasher.signature(of: text))
      #expect(signature.values == Self.referenceSignature(text))
    }
  }

  @Test func textWithoutWordsHasNoSignature() {
    #expect(hasher.signature(of: "") == nil)
    #expect(hasher.signature(of: "  \n\t ") == nil)
    #expect(hasher.signature(of: "... !!! — ?") == nil)
  }

  @Test func shortTextsHaveOneShingleOfAllTheirWords() throws {
    let one = try #require(hasher.signature(of: "hello"))
    let same = try #require(hasher.signature(of: "  HELLO! "))
    let reordered = try #require(hasher.signature(of: "world hello"))
    let two = try #require(hasher.signature(of: "hello world"))
    #expect(one == same)
    #expect(one.estimatedJaccard(with: two) < 0.05)
    #expect(two.estimatedJaccard(with: reordered) < 0.05)
  }

  @Test func normalizationMakesSignaturesEqual() throws {
    let plain = try #require(hasher.signature(of: Self.sentence))
    let noisy = try #require(
      hasher.signature(of: "THE  quick\nbrown fox — jumps over the LAZY dog; while the ＣＡＴ sleeps"))
    #expect(plain == noisy)
    #expect(plain.estimatedJaccard(with: noisy) == 1)
  }

  @Test func disjointTextsEstimateNearZero() throws {
    let first = try #require(
      hasher.signature(of: Self.randomText(words: 400, vocabulary: 5_000, seed: 2)))
    let second = try #require(
      hasher.signature(of: Self.randomText(words: 400, vocabulary: 5_000, seed: 3)))
    #expect(first.estimatedJaccard(with: second) <= 0.03)
  }

  /// On pairs with planted overlap, the estimate lies within 4 standard deviations
  /// (√(J(1−J)/112)) of the true Jaccard of the shingle sets, and is unbiased on average.
  @Test func estimateTracksTrueJaccard() throws {
    var generator = SplitMix64(seed: 77)
    var totalError = 0.0
    let pairs = 60
    for pair in 0..<pairs {
      let base = Self.randomWords(count: 300, vocabulary: 2_000, generator: &generator)
      var copy = base
      let edits = Int.random(in: 1...60, using: &generator)
      for _ in 0..<edits {
        copy[Int.random(in: 0..<copy.count, using: &generator)] =
          "edit\(pair)x\(Int.random(in: 0..<1_000_000, using: &generator))"
      }
      let first = base.joined(separator: " ")
      let second = copy.joined(separator: " ")
      let truth = Self.trueJaccard(first, second)
      let estimate = try #require(hasher.signature(of: first)).estimatedJaccard(
        with: try #require(hasher.signature(of: second)))
      let deviation = (truth * (1 - truth) / 112).squareRoot()
      #expect(
        abs(estimate - truth) <= 4 * deviation + 0.01, "pair \(pair): J \(truth), est \(estimate)")
      totalError += estimate - truth
    }
    #expect(abs(totalError / Double(pairs)) < 0.02)
  }

  @Test func bandKeysAgreeExactlyWhereBandsAgree() {
    let base = (0..<112).map { UInt32($0 * 1_000) }
    var other = base
    for index in 0..<112 where index / 8 != 5 {
      other[index] += 1
    }
    let first = MinHashSignature(values: base).bandKeys()
    let second = MinHashSignature(values: other).bandKeys()
    #expect(first[5] == second[5])
    #expect((0..<14).filter { first[$0] == second[$0] } == [5])
    // The band index takes part: equal values in two bands give two keys.
    let flat = MinHashSignature(values: [UInt32](repeating: 9, count: 112)).bandKeys()
    #expect(Set(flat).count == 14)
  }

  @Test func serializationRoundTripsWithTheDocumentedLayout() throws {
    let signature = try #require(hasher.signature(of: Self.sentence))
    let bytes = signature.serialized
    #expect(bytes.count == 450)
    #expect(Array(bytes.prefix(6)) == [1, 112, 0x9f, 0xac, 0x45, 0x08])
    #expect(try MinHashSignature(serialized: bytes) == signature)
  }

  @Test func malformedSerializationsAreRejected() {
    let good = MinHashSignature(values: [UInt32](repeating: 7, count: 112)).serialized
    var wrongVersion = good
    wrongVersion[0] = 2
    var wrongCount = good
    wrongCount[1] = 128
    for bytes in [Array(good.dropLast()), wrongVersion, wrongCount, []] {
      #expect {
        try MinHashSignature(serialized: bytes)
      } throws: { error in
        guard let error = error as? FingerprintError, case .malformedSignature = error else {
          return false
        }
        return error.kind == .dataError
      }
    }
  }

  // MARK: - A plain reference

  /// The signature computed the slow, obvious way from DESIGN §5 and MinHasher's documentation.
  static func referenceSignature(_ text: String) -> [UInt32] {
    let words = Tokenizer.tokens(of: text).filter { $0.kind == .word }.map {
      MinHasher.wordHash.hash($0.normalized).littleEndian
    }
    let groups =
      words.count >= 5 ? (0...(words.count - 5)).map { Array(words[$0..<$0 + 5]) } : [words]
    let shingles = groups.map { group in group.withUnsafeBytes { MinHasher.shingleHash.hash($0) } }
    var generator = SplitMix64(seed: MinHasher.functionSeed)
    return (0..<112).map { _ in
      let multiplier = generator.next() | 1
      let increment = generator.next()
      return shingles.map { UInt32((multiplier &* $0 &+ increment) >> 32) }.min()!
    }
  }

  /// The Jaccard similarity of the two texts' word 5-gram shingle sets.
  static func trueJaccard(_ first: String, _ second: String) -> Double {
    func shingles(_ text: String) -> Set<[String]> {
      let words = Tokenizer.tokens(of: text).filter { $0.kind == .word }.map(\.normalized)
      return Set((0...(words.count - 5)).map { Array(words[$0..<$0 + 5]) })
    }
    let (a, b) = (shingles(first), shingles(second))
    return Double(a.intersection(b).count) / Double(a.union(b).count)
  }

  static func randomWords(count: Int, vocabulary: Int, generator: inout SplitMix64) -> [String] {
    (0..<count).map { _ in "w\(Int.random(in: 0..<vocabulary, using: &generator))" }
  }

  static func randomText(words: Int, vocabulary: Int, seed: UInt64) -> String {
    var generator = SplitMix64(seed: seed)
    return randomWords(count: words, vocabulary: vocabulary, generator: &generator)
      .joined(separator: " ")
  }
}
