import CMinHashKernel

/// The MinHash signature of a text: 112 minima, one per hash function, over its shingles.
///
/// Two texts' signatures agree at each position with probability equal to the Jaccard similarity
/// of their shingle sets, so the share of equal positions estimates it.
public struct MinHashSignature: Sendable, Hashable {
  /// The 112 values, in the order of the hash functions.
  public let values: [UInt32]

  init(values: [UInt32]) {
    precondition(values.count == MinHasher.hashCount, "a signature has 112 values")
    self.values = values
  }

  /// The 14 LSH band keys, as the near-duplicate index stores them: those of the compact form.
  ///
  /// Two signatures share band `b`'s key (barring a 2⁻⁶⁴ collision) exactly when the low 16 bits
  /// of values `8b ..< 8b + 8` are equal, so texts that share any band key are candidate
  /// near-duplicates.
  public func bandKeys() -> [UInt64] {
    compact.bandKeys
  }

  /// The compact form that is stored and compared: the low 16 bits of each value.
  public var compact: CompactSignature {
    CompactSignature(values: values.map { UInt16(truncatingIfNeeded: $0) })
  }

  /// The estimated Jaccard similarity of the two texts' shingle sets: the share of equal values.
  public func estimatedJaccard(with other: MinHashSignature) -> Double {
    var equal = 0
    for (mine, theirs) in zip(values, other.values) where mine == theirs {
      equal += 1
    }
    return Double(equal) / Double(MinHasher.hashCount)
  }
}

extension MinHashSignature {
  /// The version byte that opens a serialized signature.
  public static let serializationVersion: UInt8 = 1

  /// The signature as 450 bytes: the version (1), the number of values (112), then each value as
  /// a 32-bit little-endian unsigned integer, in order.
  ///
  /// The version names the whole algorithm (tokenizer, hashes, seeds), not only the layout:
  /// signatures are comparable only when they were made the same way.
  public var serialized: [UInt8] {
    var bytes: [UInt8] = [Self.serializationVersion, UInt8(MinHasher.hashCount)]
    bytes.reserveCapacity(2 + 4 * values.count)
    for value in values {
      withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    return bytes
  }

  /// Reads a signature written by `serialized`.
  public init(serialized bytes: some Collection<UInt8>) throws {
    let bytes = Array(bytes)
    let expected = 2 + 4 * MinHasher.hashCount
    guard bytes.count == expected else {
      throw FingerprintError.malformedSignature(
        reason: "it has \(bytes.count) bytes, not \(expected)")
    }
    guard bytes[0] == Self.serializationVersion else {
      throw FingerprintError.malformedSignature(
        reason: "it has version \(bytes[0]); this openledger reads version "
          + "\(Self.serializationVersion)")
    }
    guard Int(bytes[1]) == MinHasher.hashCount else {
      throw FingerprintError.malformedSignature(
        reason: "it has \(bytes[1]) values, not \(MinHasher.hashCount)")
    }
    let values = (0..<MinHasher.hashCount).map { index in
      let offset = 2 + 4 * index
      return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
        | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
    self.init(values: values)
  }
}

/// Computes MinHash signatures over word 5-gram shingles of normalized text (DESIGN §5).
///
/// A text's words are its `Tokenizer` word tokens (punctuation is skipped). Each word is hashed
/// with `StableHash`; each run of 5 consecutive words is a shingle, whose 64-bit hash is the
/// `StableHash` of the 40 little-endian bytes of its words' hashes. A text of 1 to 4 words has
/// one shingle of all its words. Hash function `i` maps a shingle hash `x` to the high 32 bits of
/// `aᵢ·x + bᵢ mod 2⁶⁴` (multiply-add-shift, Dietzfelbinger 1996), with `aᵢ` odd and `aᵢ`, `bᵢ`
/// drawn from a fixed SplitMix64 sequence; value `i` of the signature is its minimum over the
/// shingles.
public struct MinHasher: Sendable {
  /// The number of hash functions, and so of values in a signature.
  public static let hashCount = 112
  /// The number of LSH bands.
  public static let bands = 14
  /// The number of values in each band.
  public static let rows = 8
  /// The number of words in a shingle.
  public static let shingleLength = 5

  static let wordHash = StableHash(seed: 0x776f_7264)  // "word"
  static let shingleHash = StableHash(seed: 0x7368_696e_676c_65)  // "shingle"
  /// Seeds the SplitMix64 sequence of the functions' constants ("minhash1").
  static let functionSeed: UInt64 = 0x6d69_6e68_6173_6831

  /// The code path of the inner loop.
  public let kernel: MinHashKernel
  private let multipliers: [UInt64]
  private let increments: [UInt64]

  /// A hasher on `kernel`, or on the portable path if this CPU lacks it; every path gives the
  /// same values.
  public init(kernel: MinHashKernel = .best) {
    self.kernel = kernel.isSupported ? kernel : .portable
    var generator = SplitMix64(seed: Self.functionSeed)
    var multipliers: [UInt64] = []
    var increments: [UInt64] = []
    for _ in 0..<Self.hashCount {
      multipliers.append(generator.next() | 1)
      increments.append(generator.next())
    }
    self.multipliers = multipliers
    self.increments = increments
  }

  /// The signature of `text`, UTF-8; nil when it has no words.
  public func signature(utf8 text: UnsafeRawBufferPointer) -> MinHashSignature? {
    signature(utf8: text, words: .fused)
  }

  /// Where a signature's words come from; both give the same words, so the same signature.
  enum WordSource {
    /// `Tokenizer.scanWordHashes`: ASCII words hashed in place, as they are found.
    case fused
    /// `Tokenizer.scan`: every token, normalized, then the words hashed.
    case tokens
  }

  /// The signature of `text`, UTF-8, with its words found by `words`; nil when it has none.
  func signature(utf8 text: UnsafeRawBufferPointer, words: WordSource) -> MinHashSignature? {
    multipliers.withUnsafeBufferPointer { multipliers in
      increments.withUnsafeBufferPointer { increments in
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: SignatureBuilder.hashCapacity) {
          hashes in
          withUnsafeTemporaryAllocation(of: UInt32.self, capacity: Self.hashCount) { minima in
            var builder = SignatureBuilder(
              hashes: hashes, minima: minima, kernel: kernel, multipliers: multipliers,
              increments: increments)
            switch words {
            case .fused:
              Tokenizer.scanWordHashes(text, hash: Self.wordHash, into: &builder)
            case .tokens:
              var sink = WordHashingSink(hash: Self.wordHash, base: builder)
              Tokenizer.scan(text, into: &sink)
              builder = sink.base
            }
            return builder.finish()
          }
        }
      }
    }
  }

  /// The signature of `text`; nil when it has no words.
  public func signature(of text: String) -> MinHashSignature? {
    var text = text
    return text.withUTF8 { signature(utf8: UnsafeRawBufferPointer($0)) }
  }
}

/// Turns a stream of word hashes into shingles and feeds them, a batch at a time, to the kernel.
///
/// Three tight loops rather than one: the tokenizer stores word hashes, a batch of them becomes
/// shingle hashes, and the kernel lowers the minima with those; each keeps its state in
/// registers.
private struct SignatureBuilder: WordHashSink {
  /// How many shingles go to the kernel at once.
  static let batch = 512
  /// The room for word and shingle hashes.
  static let hashCapacity = batch + MinHasher.shingleLength - 1 + batch

  /// Word hashes; the last `shingleLength - 1` of a batch move to the front for the next.
  private let words: UnsafeMutableBufferPointer<UInt64>
  private let shingles: UnsafeMutableBufferPointer<UInt64>
  private let minima: UnsafeMutableBufferPointer<UInt32>
  private let kernel: MinHashKernel
  private let multipliers: UnsafeBufferPointer<UInt64>
  private let increments: UnsafeBufferPointer<UInt64>
  private var buffered = 0
  private var wordCount = 0

  init(
    hashes: UnsafeMutableBufferPointer<UInt64>, minima: UnsafeMutableBufferPointer<UInt32>,
    kernel: MinHashKernel, multipliers: UnsafeBufferPointer<UInt64>,
    increments: UnsafeBufferPointer<UInt64>
  ) {
    precondition(MinHasher.shingleLength == 5, "a shingle is hashed from five word hashes")
    let wordCapacity = Self.batch + MinHasher.shingleLength - 1
    words = UnsafeMutableBufferPointer(rebasing: hashes[0..<wordCapacity])
    shingles = UnsafeMutableBufferPointer(rebasing: hashes[wordCapacity...])
    self.minima = minima
    minima.initialize(repeating: .max)
    self.kernel = kernel
    self.multipliers = multipliers
    self.increments = increments
  }

  /// Adds a word.
  @inline(__always)
  mutating func take(wordHash: UInt64) {
    words[buffered] = wordHash
    buffered &+= 1
    if buffered == words.count { flush() }
  }

  /// Adds the words that `fill` writes straight into the buffer.
  @inline(__always)
  mutating func takeWordHashes(_ fill: (UnsafeMutableBufferPointer<UInt64>) -> Int) {
    if words.count - buffered < Int(OL_ASCII_WORDS_PER_BLOCK) { flush() }
    buffered += fill(UnsafeMutableBufferPointer(rebasing: words[buffered...]))
    if buffered == words.count { flush() }
  }

  /// Hashes the buffered words' shingles, and keeps the last `shingleLength - 1` words for
  /// the shingles that go on past them.
  private mutating func flush() {
    hashShingles()
    let kept = MinHasher.shingleLength - 1
    for index in 0..<kept {
      words[index] = words[buffered - kept + index]
    }
    wordCount &+= buffered - kept
    buffered = kept
  }

  /// Hashes every shingle of the buffered words and lowers the minima with them.
  private func hashShingles() {
    let count = buffered - MinHasher.shingleLength + 1
    guard count > 0 else { return }
    // A window of five words slides along; one word is loaded a shingle.
    let words = self.words.baseAddress!
    let hashes = shingles.baseAddress!
    var (w0, w1, w2, w3) = (words[0], words[1], words[2], words[3])
    for index in 0..<count {
      let w4 = words[index &+ 4]
      hashes[index] = MinHasher.shingleHash.hash(w0, w1, w2, w3, w4)
      (w0, w1, w2, w3) = (w1, w2, w3, w4)
    }
    kernel.update(
      minima: minima, shingles: UnsafeBufferPointer(rebasing: shingles[0..<count]),
      multipliers: multipliers, increments: increments)
  }

  /// The signature of the words added so far, or nil if there were none.
  func finish() -> MinHashSignature? {
    if wordCount + buffered >= MinHasher.shingleLength {
      hashShingles()
    } else if buffered > 0 {
      // One shingle of all the words: their hashes' little-endian bytes.
      let last = words[0..<buffered].map(\.littleEndian)
      shingles[0] = last.withUnsafeBytes { MinHasher.shingleHash.hash($0) }
      kernel.update(
        minima: minima, shingles: UnsafeBufferPointer(rebasing: shingles[0..<1]),
        multipliers: multipliers, increments: increments)
    } else {
      return nil
    }
    return MinHashSignature(values: Array(minima))
  }
}
