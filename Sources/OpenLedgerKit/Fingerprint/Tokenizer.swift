import CMinHashKernel
import Foundation

/// What a token is: a normalized word, or one punctuation character.
public enum TokenKind: Sendable, Hashable {
  /// A run of letters, marks and digits, NFKC-normalized and case-folded.
  case word
  /// One character that is neither a word character nor whitespace.
  case punctuation
}

/// One token of a text: its kind, its normalized form, and the bytes of the input it came from.
public struct Token: Sendable, Hashable {
  /// Whether the token is a word or a punctuation character.
  public let kind: TokenKind
  /// The normalized text of the token (NFKC, case-folded).
  public let normalized: String
  /// The byte offsets, in the input's UTF-8, of the text the token came from.
  public let range: Range<Int>

  public init(kind: TokenKind, normalized: String, range: Range<Int>) {
    self.kind = kind
    self.normalized = normalized
    self.range = range
  }
}

/// Splits UTF-8 text into normalized words and punctuation characters; whitespace is dropped.
///
/// A word is a maximal run of characters whose first scalar is a letter, a mark or a number,
/// after each character is normalized (NFKC, full case folding, NFKC again). Any other character
/// that is not whitespace is a punctuation token of its own; a character here is an extended
/// grapheme cluster, so an emoji sequence or a mark on a symbol stays one token. Invisible
/// characters (Unicode's default-ignorables, such as a soft hyphen or a zero-width space) are
/// dropped without ending a word. Each token keeps the byte range of the input it came from, so
/// spans of tokens map back to the exact text.
///
/// ASCII text runs on a fast path over bytes, with no allocation per token; a stretch that holds
/// non-ASCII bytes goes through Foundation, one character at a time. Bytes that are not valid
/// UTF-8 each become a punctuation token U+FFFD.
public enum Tokenizer {
  /// Calls `body` for each token of `text`: its kind, its normalized UTF-8 bytes, and its byte
  /// range in `text`.
  ///
  /// The normalized bytes are valid only during the call to `body`.
  public static func forEachToken<Failure: Error>(
    in text: UnsafeRawBufferPointer,
    _ body: (TokenKind, UnsafeRawBufferPointer, Range<Int>) throws(Failure) -> Void
  ) throws(Failure) {
    try withoutActuallyEscaping(body) { (body) throws(Failure) in
      var sink = ClosureSink(body: body)
      try scan(text, into: &sink)
    }
  }

  /// The tokens of `text`.
  public static func tokens(of text: String) -> [Token] {
    var text = text
    return text.withUTF8 { tokens(utf8: UnsafeRawBufferPointer($0)) }
  }

  /// The tokens of the UTF-8 bytes `text`.
  public static func tokens(utf8 text: UnsafeRawBufferPointer) -> [Token] {
    var result: [Token] = []
    forEachToken(in: text) { kind, normalized, range in
      result.append(
        Token(kind: kind, normalized: String(decoding: normalized, as: UTF8.self), range: range))
    }
    return result
  }

  /// Passes each token of `text` to `sink`.
  ///
  /// Generic over the sink, so that each caller gets the loop specialized with its `take`
  /// inlined: a call through a closure per token costs as much as finding the token.
  static func scan<Sink: TokenSink>(
    _ text: UnsafeRawBufferPointer, into sink: inout Sink
  ) throws(Sink.Failure) {
    var scratch = ScratchBuffer()
    let count = text.count
    var position = 0
    while position < count {
      let byte = text[position]
      switch ByteClass(byte) {
      case .lowerOrDigit, .upper:
        let (end, hasUpper) = endOfASCIIWord(in: text, from: position)
        if end < count && text[end] >= 0x80 {
          position = try tokenizeNonASCII(
            text, from: position, firstNonASCII: end, scratch: &scratch, into: &sink)
          continue
        }
        let word = UnsafeRawBufferPointer(rebasing: text[position..<end])
        if !hasUpper {
          try sink.take(.word, word, position..<end)
        } else {
          try sink.take(.word, scratch.lowercasedASCII(word), position..<end)
        }
        position = end
      case .space:
        position += 1
      case .punctuation:
        if position + 1 < count && text[position + 1] >= 0x80 {
          position = try tokenizeNonASCII(
            text, from: position, firstNonASCII: position + 1, scratch: &scratch, into: &sink)
          continue
        }
        try sink.take(
          .punctuation, UnsafeRawBufferPointer(rebasing: text[position..<position + 1]),
          position..<position + 1)
        position += 1
      case .nonASCII:
        position = try tokenizeNonASCII(
          text, from: position, firstNonASCII: position, scratch: &scratch, into: &sink)
      }
    }
  }

  /// Passes the hash of each word token of `text` to `sink`, in order: `hash` of the word's
  /// normalized UTF-8 bytes, for the same words `scan` finds (punctuation is skipped).
  ///
  /// MinHash needs only the words' hashes, so ASCII words are neither copied nor lowered in
  /// memory. Text is read 64 bytes at a time, in C (`ol_ascii_word_hashes`): a block that is all
  /// ASCII becomes a bit mask of its letters and digits, whose runs are the words, each hashed
  /// in place with its letters lowered as the hash reads them, which is
  /// `StableHash.hash(settingBit5Of:)`. A block with a non-ASCII byte, and the last bytes, go
  /// token by token, and a stretch with non-ASCII bytes through `scan`'s slow path, started
  /// where `scan` starts it, so the words are the same. `portable` hashes the ASCII words in
  /// plain C even where the CPU has a faster way, for tests that compare the two.
  static func scanWordHashes<Sink: WordHashSink>(
    _ text: UnsafeRawBufferPointer, hash: StableHash, into sink: inout Sink,
    portable: Bool = false
  ) {
    guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
    var scratch = ScratchBuffer()
    var words = WordHashingSink(hash: hash, base: sink)
    defer { sink = words.base }
    var key = hash.key
    // Where the C scan stands; after a stretch token by token it starts again, with no word open.
    var scan = OLASCIIWordScan(position: 0, resume: 0, wordIsOpen: 0)
    while true {
      var stop = OLASCIIWordStopFull
      words.base.takeWordHashes { room in
        // With less room the C code reads no block, and this loop would never end.
        precondition(room.count >= Int(OL_ASCII_WORDS_PER_BLOCK), "room for a block's words")
        var written = 0
        stop = ol_ascii_word_hashes(
          base, text.count, &scan, &key, room.baseAddress, room.count, &written,
          portable ? 1 : 0)
        return written
      }
      if stop == OLASCIIWordStopEnd { break }
      if stop == OLASCIIWordStopNonASCII {
        let position = scanWordHashesOneByOne(
          text, from: scan.resume, until: scan.position + 64, scratch: &scratch, into: &words)
        scan = OLASCIIWordScan(position: position, resume: position, wordIsOpen: 0)
      }
    }
    _ = scanWordHashesOneByOne(
      text, from: scan.resume, until: text.count, scratch: &scratch, into: &words)
  }

  /// The hash of the ASCII letters and digits from `start` to `end` of `text`, their letters
  /// lowered.
  @inline(__always)
  private static func hashASCIIWord(
    _ text: UnsafeRawBufferPointer, from start: Int, to end: Int, hash: StableHash
  ) -> UInt64 {
    let length = end &- start
    if length <= 8 && start &+ 8 <= text.count {
      let chunk = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: start, as: UInt64.self))
      return hash.hash(settingBit5OfFirst: length, of: chunk)
    }
    return hash.hash(settingBit5Of: UnsafeRawBufferPointer(rebasing: text[start..<end]))
  }

  /// Passes the word hashes of `text` from `start`, where `scan` would start a token, to
  /// `sink`, one token at a time, until a token ends at or past `limit`; returns where it ended.
  @inline(never)
  private static func scanWordHashesOneByOne<Sink: WordHashSink>(
    _ text: UnsafeRawBufferPointer, from start: Int, until limit: Int,
    scratch: inout ScratchBuffer, into words: inout WordHashingSink<Sink>
  ) -> Int {
    let count = text.count
    var position = start
    while position < limit {
      let start = nextWordOrNonASCII(in: text, from: position)
      guard start < count else { return count }
      if text[start] >= 0x80 {
        // `scan` reaches a punctuation byte just before, and starts the slow path there: a
        // mark that follows makes one character with it.
        let from =
          start > position && ByteClass(text[start - 1]) == .punctuation ? start - 1 : start
        position = tokenizeNonASCII(
          text, from: from, firstNonASCII: start, scratch: &scratch, into: &words)
        continue
      }
      let end = endOfASCIIWord(in: text, from: start).end
      if end < count && text[end] >= 0x80 {
        position = tokenizeNonASCII(
          text, from: start, firstNonASCII: end, scratch: &scratch, into: &words)
        continue
      }
      words.base.take(wordHash: hashASCIIWord(text, from: start, to: end, hash: words.hash))
      position = end
    }
    return position
  }

  // MARK: - ASCII

  /// The class of a byte, for the ASCII fast path.
  private enum ByteClass {
    /// A lowercase ASCII letter or a digit.
    case lowerOrDigit
    /// An uppercase ASCII letter.
    case upper
    /// ASCII whitespace: tab, line feed, vertical tab, form feed, carriage return, space.
    case space
    /// Any other ASCII byte.
    case punctuation
    /// A byte of a multibyte UTF-8 sequence, or not UTF-8 at all.
    case nonASCII

    @inline(__always)
    init(_ byte: UInt8) {
      if byte >= 0x80 {
        self = .nonASCII
      } else if (byte | 0x20) &- 0x61 < 26 {
        self = byte & 0x20 == 0 ? .upper : .lowerOrDigit
      } else if byte &- 0x30 < 10 {
        self = .lowerOrDigit
      } else if byte == 0x20 || byte &- 0x09 < 5 {
        self = .space
      } else {
        self = .punctuation
      }
    }

    var isAlphanumeric: Bool { self == .lowerOrDigit || self == .upper }
  }

  /// The end of the run of ASCII letters and digits that starts at `start`, and whether it holds
  /// an uppercase letter.
  ///
  /// Eight bytes at a time, without a branch per byte: a mispredicted branch at the end of every
  /// word was the largest cost of tokenizing English.
  @inline(__always)
  private static func endOfASCIIWord(
    in text: UnsafeRawBufferPointer, from start: Int
  ) -> (end: Int, hasUpper: Bool) {
    var end = start
    var upper: UInt64 = 0
    while end + 8 <= text.count {
      let chunk = UInt64(littleEndian: text.loadUnaligned(fromByteOffset: end, as: UInt64.self))
      let (alphanumeric, uppercase) = asciiWordMasks(chunk)
      let stops = ~alphanumeric & highBits
      if stops != 0 {
        let below = (stops & (0 &- stops)) &- 1
        return (end + stops.trailingZeroBitCount >> 3, upper | (uppercase & below) != 0)
      }
      upper |= uppercase
      end += 8
    }
    var hasUpper = upper != 0
    while end < text.count {
      let byteClass = ByteClass(text[end])
      guard byteClass.isAlphanumeric else { break }
      hasUpper = hasUpper || byteClass == .upper
      end += 1
    }
    return (end, hasUpper)
  }

  /// The first position from `start` on that holds an ASCII letter or digit or a non-ASCII
  /// byte, or `text.count`: whitespace and ASCII punctuation are skipped eight bytes at a time.
  @inline(__always)
  private static func nextWordOrNonASCII(in text: UnsafeRawBufferPointer, from start: Int) -> Int {
    var position = start
    while position + 8 <= text.count {
      let chunk = UInt64(
        littleEndian: text.loadUnaligned(fromByteOffset: position, as: UInt64.self))
      let stops = asciiWordMasks(chunk).alphanumeric | (chunk & highBits)
      if stops != 0 { return position + stops.trailingZeroBitCount >> 3 }
      position += 8
    }
    while position < text.count {
      let byteClass = ByteClass(text[position])
      if byteClass != .space && byteClass != .punctuation { break }
      position += 1
    }
    return position
  }

  private static let highBits: UInt64 = 0x8080_8080_8080_8080

  /// Masks with the high bit of each byte of `chunk` set where that byte is an ASCII letter or
  /// digit, and where it is an uppercase ASCII letter.
  ///
  /// With the high bits cleared first, adding `0x80 - low` to a byte sets its high bit exactly
  /// when the byte is at least `low`, and no carry crosses into the next byte.
  @inline(__always)
  private static func asciiWordMasks(_ chunk: UInt64) -> (alphanumeric: UInt64, upper: UInt64) {
    func repeated(_ byte: UInt64) -> UInt64 { byte &* 0x0101_0101_0101_0101 }
    let low = chunk & ~highBits
    let folded = low | repeated(0x20)
    let digit = (low &+ repeated(0x80 - 0x30)) & ~(low &+ repeated(0x7f - 0x39))
    let letter = (folded &+ repeated(0x80 - 0x61)) & ~(folded &+ repeated(0x7f - 0x7a))
    let upper = (low &+ repeated(0x80 - 0x41)) & ~(low &+ repeated(0x7f - 0x5a))
    let ascii = ~chunk & highBits
    return ((digit | letter) & ascii, upper & ascii)
  }

  // MARK: - Beyond ASCII

  /// Tokenizes the stretch of `text` that starts at `start` (where a token starts) and holds
  /// non-ASCII bytes from `firstNonASCII` on; returns where the stretch ends.
  ///
  /// The stretch ends before ASCII whitespace, or between two ASCII bytes that are not both
  /// letters or digits: there no character, normalization or word can continue, so the fast path
  /// can take over again.
  @inline(never)
  private static func tokenizeNonASCII<Sink: TokenSink>(
    _ text: UnsafeRawBufferPointer, from start: Int, firstNonASCII: Int,
    scratch: inout ScratchBuffer, into sink: inout Sink
  ) throws(Sink.Failure) -> Int {
    var end = firstNonASCII + 1
    while end < text.count {
      let byte = text[end]
      if byte < 0x80 {
        let byteClass = ByteClass(byte)
        if byteClass == .space { break }
        let previous = ByteClass(text[end - 1])
        if previous != .nonASCII && !(previous.isAlphanumeric && byteClass.isAlphanumeric) {
          break
        }
      }
      end += 1
    }
    var word = WordBuilder()
    // Valid UTF-8 runs go through String, one character at a time; each invalid sequence ends
    // the word in progress and becomes a replacement character.
    var parser = Unicode.UTF8.ForwardParser()
    var bytes = UnsafeRawBufferPointer(rebasing: text[start..<end]).makeIterator()
    var validStart = start
    var position = start
    while true {
      switch parser.parseScalar(from: &bytes) {
      case .valid(let scalar):
        position += scalar.count
      case .error(let length):
        try tokenizeValid(text, validStart..<position, word: &word, scratch: &scratch, into: &sink)
        try word.finish(scratch: &scratch, into: &sink)
        try sink.take(
          .punctuation, scratch.copy(replacementCharacter), position..<position + length)
        position += length
        validStart = position
      case .emptyInput:
        try tokenizeValid(text, validStart..<position, word: &word, scratch: &scratch, into: &sink)
        try word.finish(scratch: &scratch, into: &sink)
        return end
      }
    }
  }

  /// The UTF-8 bytes of U+FFFD REPLACEMENT CHARACTER.
  private static let replacementCharacter: [UInt8] = [0xef, 0xbf, 0xbd]

  /// Tokenizes `range` of `text`, valid UTF-8, one character at a time.
  private static func tokenizeValid<Sink: TokenSink>(
    _ text: UnsafeRawBufferPointer, _ range: Range<Int>, word: inout WordBuilder,
    scratch: inout ScratchBuffer, into sink: inout Sink
  ) throws(Sink.Failure) {
    guard !range.isEmpty else { return }
    let string = String(decoding: UnsafeRawBufferPointer(rebasing: text[range]), as: UTF8.self)
    var characterStart = range.lowerBound
    for character in string {
      let characterEnd = characterStart + character.utf8.count
      let source = characterStart..<characterEnd
      for normalized in normalize(character) {
        let first = normalized.unicodeScalars.first!.properties
        if first.isWhitespace {
          try word.finish(scratch: &scratch, into: &sink)
        } else if first.isDefaultIgnorableCodePoint {
          word.extend(to: source)
        } else if isWordCharacter(first.generalCategory) {
          word.append(normalized, from: source, scratch: &scratch)
        } else {
          try word.finish(scratch: &scratch, into: &sink)
          try sink.take(.punctuation, scratch.copy(normalized.utf8), source)
        }
      }
      characterStart = characterEnd
    }
  }

  /// The characters that `character` normalizes to: NFKC, full case folding, NFKC again.
  ///
  /// The second NFKC makes the result stable: case folding can leave a decomposed sequence
  /// (U+0390 folds to three scalars) that NFKC composes again.
  private static func normalize(_ character: Character) -> [Character] {
    let scalars = character.unicodeScalars
    if scalars.count == 1, !scalars.first!.properties.changesWhenNFKCCaseFolded {
      return [character]
    }
    let folded = String(character).precomposedStringWithCompatibilityMapping
      .folding(options: .caseInsensitive, locale: nil)
      .precomposedStringWithCompatibilityMapping
    return Array(folded)
  }

  private static func isWordCharacter(_ category: Unicode.GeneralCategory) -> Bool {
    switch category {
    case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
      .nonspacingMark, .spacingMark, .enclosingMark,
      .decimalNumber, .letterNumber, .otherNumber:
      true
    default:
      false
    }
  }
}

/// Receives the tokens of `Tokenizer.scan`.
protocol TokenSink {
  associatedtype Failure: Error

  /// Takes one token: its kind, its normalized UTF-8 bytes (valid during the call only), and its
  /// byte range in the input.
  mutating func take(
    _ kind: TokenKind, _ normalized: UnsafeRawBufferPointer, _ range: Range<Int>
  ) throws(Failure)
}

/// Receives the word hashes of `Tokenizer.scanWordHashes`.
protocol WordHashSink {
  /// Takes the hash of one word's normalized UTF-8 bytes.
  mutating func take(wordHash: UInt64)

  /// Takes the hashes that `fill` writes to the room it is given, at least
  /// `OL_ASCII_WORDS_PER_BLOCK` of them, in order; `fill` returns how many it wrote.
  mutating func takeWordHashes(_ fill: (UnsafeMutableBufferPointer<UInt64>) -> Int)
}

extension WordHashSink {
  mutating func takeWordHashes(_ fill: (UnsafeMutableBufferPointer<UInt64>) -> Int) {
    // Room for the words of 16 blocks, the most one call of the C scan reads.
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 16 * 32) { room in
      for wordHash in room[..<fill(room)] { take(wordHash: wordHash) }
    }
  }
}

/// A token sink that passes the hash of each word's normalized bytes on to a word-hash sink,
/// and drops punctuation.
struct WordHashingSink<Base: WordHashSink>: TokenSink {
  typealias Failure = Never

  let hash: StableHash
  var base: Base

  @inline(__always)
  mutating func take(_ kind: TokenKind, _ normalized: UnsafeRawBufferPointer, _ range: Range<Int>) {
    if kind == .word { base.take(wordHash: hash.hash(normalized)) }
  }
}

/// A sink that calls a closure.
private struct ClosureSink<Failure: Error>: TokenSink {
  let body: (TokenKind, UnsafeRawBufferPointer, Range<Int>) throws(Failure) -> Void

  func take(
    _ kind: TokenKind, _ normalized: UnsafeRawBufferPointer, _ range: Range<Int>
  ) throws(Failure) {
    try body(kind, normalized, range)
  }
}

/// A word being assembled, character by character, on the slow path.
private struct WordBuilder {
  private var start = 0
  private var end = 0
  private var isOpen = false
  private var length = 0

  /// Adds the normalized character `normalized`, which came from `source`, to the word.
  mutating func append(
    _ normalized: Character, from source: Range<Int>, scratch: inout ScratchBuffer
  ) {
    if !isOpen {
      isOpen = true
      start = source.lowerBound
      length = 0
    }
    end = source.upperBound
    for byte in normalized.utf8 {
      scratch.store(byte, at: length)
      length += 1
    }
  }

  /// Stretches the open word's range over `source`, an invisible character inside it.
  mutating func extend(to source: Range<Int>) {
    if isOpen { end = source.upperBound }
  }

  /// Reports the open word, if any, and closes it.
  mutating func finish<Sink: TokenSink>(
    scratch: inout ScratchBuffer, into sink: inout Sink
  ) throws(Sink.Failure) {
    guard isOpen else { return }
    isOpen = false
    try sink.take(.word, scratch.bytes(count: length), start..<end)
  }
}

/// Memory for normalized words, grown as needed and freed at the end of a tokenization.
private struct ScratchBuffer: ~Copyable {
  private var base: UnsafeMutableRawPointer
  private var capacity: Int

  init() {
    capacity = 256
    base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
  }

  deinit {
    base.deallocate()
  }

  private mutating func reserve(_ count: Int) {
    guard count > capacity else { return }
    let grown = max(count, capacity * 2)
    let larger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 8)
    larger.copyMemory(from: base, byteCount: capacity)
    base.deallocate()
    base = larger
    capacity = grown
  }

  /// Stores `byte` at `offset`, growing the buffer if needed.
  mutating func store(_ byte: UInt8, at offset: Int) {
    reserve(offset + 1)
    base.storeBytes(of: byte, toByteOffset: offset, as: UInt8.self)
  }

  /// `bytes`, copied to the start of the buffer.
  mutating func copy(_ bytes: some Collection<UInt8>) -> UnsafeRawBufferPointer {
    for (offset, byte) in bytes.enumerated() {
      store(byte, at: offset)
    }
    return UnsafeRawBufferPointer(start: base, count: bytes.count)
  }

  /// The first `count` bytes.
  func bytes(count: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: base, count: count)
  }

  /// `word`, ASCII letters and digits, copied with its letters lowered.
  mutating func lowercasedASCII(_ word: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
    reserve(word.count)
    let target = base.assumingMemoryBound(to: UInt8.self)
    for (offset, byte) in word.enumerated() {
      // Setting bit 5 lowers an ASCII letter and leaves a digit as it is.
      target[offset] = byte | 0x20
    }
    return UnsafeRawBufferPointer(start: base, count: word.count)
  }
}
