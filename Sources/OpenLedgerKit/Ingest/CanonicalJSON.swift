import Foundation

/// Why a JSON text could not be read, and where (a byte offset into the text).
public struct JSONSyntaxError: Error, Equatable, Sendable {
  public var offset: Int
  public var message: String
}

/// What a record's top-level field holds, for schema checks and fingerprinting.
public enum FieldValue: Equatable, Sendable {
  /// A string, as its decoded UTF-8 bytes.
  case string(ArraySlice<UInt8>)
  case null
  /// A number, boolean, array or object.
  case other
}

/// Reads one JSON object and writes its canonical form: RFC 8785-style, with keys sorted by UTF-16
/// code units, no insignificant whitespace, strings escaped minimally, and non-integer numbers in
/// the shortest ECMAScript form. Integers are kept digit for digit (so large ids survive), with
/// `-0` written `0`. Duplicate keys, invalid UTF-8, lone surrogates and numbers out of range are
/// errors, because they have no single canonical form.
///
/// A canonicalizer is reused across records: it keeps its scratch buffers.
public struct JSONCanonicalizer {
  /// The deepest nesting accepted.
  public static let maximumDepth = 256

  /// Top-level keys whose values the caller wants, as UTF-8.
  private let wanted: [[UInt8]]
  private var members: [Member] = []
  private var keyBytes: [UInt8] = []
  private var scratch: [UInt8] = []
  private var stringBuffer: [UInt8] = []

  /// The values of the wanted top-level fields of the last object read, in `wanted` order; nil
  /// for a field the object does not have.
  public private(set) var fields: [FieldValue?]
  private var fieldStorage: [UInt8] = []

  private struct Member {
    var keyStart: Int
    var keyCount: Int
    var start: Int
    var end: Int
  }

  public init(fields: [String] = []) {
    wanted = fields.map { Array($0.utf8) }
    self.fields = Array(repeating: nil, count: fields.count)
  }

  /// Canonicalizes the JSON object in `text` (surrounding whitespace allowed) into `output`
  /// (appending) and fills `fields`.
  public mutating func canonicalize(_ text: UnsafeRawBufferPointer, into output: inout [UInt8])
    throws(JSONSyntaxError)
  {
    for index in fields.indices { fields[index] = nil }
    fieldStorage.removeAll(keepingCapacity: true)
    var parser = Parser(bytes: text)
    parser.skipWhitespace()
    guard parser.peek() == UInt8(ascii: "{") else {
      throw parser.error(
        parser.atEnd ? "the line is empty, not a JSON object" : "expected a JSON object ('{')")
    }
    try value(&parser, into: &output, depth: 0)
    parser.skipWhitespace()
    guard parser.atEnd else { throw parser.error("unexpected text after the JSON object") }
  }

  private mutating func value(_ parser: inout Parser, into output: inout [UInt8], depth: Int)
    throws(JSONSyntaxError)
  {
    guard depth < Self.maximumDepth else {
      throw parser.error("nested deeper than \(Self.maximumDepth) levels")
    }
    guard let byte = parser.peek() else { throw parser.error("unexpected end of the line") }
    switch byte {
    case UInt8(ascii: "{"): try object(&parser, into: &output, depth: depth)
    case UInt8(ascii: "["): try array(&parser, into: &output, depth: depth)
    case UInt8(ascii: "\""): try string(&parser, into: &output)
    case UInt8(ascii: "t"): try parser.literal("true", into: &output)
    case UInt8(ascii: "f"): try parser.literal("false", into: &output)
    case UInt8(ascii: "n"): try parser.literal("null", into: &output)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      try number(&parser, into: &output)
    default: throw parser.error("unexpected character '\(Parser.describe(byte))'")
    }
  }

  private mutating func array(_ parser: inout Parser, into output: inout [UInt8], depth: Int)
    throws(JSONSyntaxError)
  {
    parser.advance()
    output.append(UInt8(ascii: "["))
    parser.skipWhitespace()
    if parser.peek() == UInt8(ascii: "]") {
      parser.advance()
      output.append(UInt8(ascii: "]"))
      return
    }
    while true {
      parser.skipWhitespace()
      try value(&parser, into: &output, depth: depth + 1)
      parser.skipWhitespace()
      guard let next = parser.peek() else { throw parser.error("unterminated array") }
      parser.advance()
      if next == UInt8(ascii: "]") { break }
      guard next == UInt8(ascii: ",") else { throw parser.error("expected ',' or ']' in an array") }
      output.append(UInt8(ascii: ","))
    }
    output.append(UInt8(ascii: "]"))
  }

  private mutating func object(_ parser: inout Parser, into output: inout [UInt8], depth: Int)
    throws(JSONSyntaxError)
  {
    parser.advance()
    let open = output.count
    output.append(UInt8(ascii: "{"))
    let firstMember = members.count
    let firstKeyByte = keyBytes.count
    defer {
      members.removeSubrange(firstMember...)
      keyBytes.removeSubrange(firstKeyByte...)
    }
    parser.skipWhitespace()
    if parser.peek() == UInt8(ascii: "}") {
      parser.advance()
      output.append(UInt8(ascii: "}"))
      return
    }
    var sorted = true
    while true {
      parser.skipWhitespace()
      guard parser.peek() == UInt8(ascii: "\"") else {
        throw parser.error("expected a quoted key in an object")
      }
      if members.count > firstMember { output.append(UInt8(ascii: ",")) }
      let memberStart = output.count
      let keyOffset = parser.offset
      try string(&parser, into: &output)
      let keyStart = keyBytes.count
      keyBytes.append(contentsOf: stringBuffer)
      let member = Member(
        keyStart: keyStart, keyCount: stringBuffer.count, start: memberStart, end: 0)
      if members.count > firstMember {
        let order = compareKeys(members[members.count - 1], member)
        if order == 0 {
          throw JSONSyntaxError(
            offset: keyOffset,
            message: "duplicate key \"\(String(decoding: stringBuffer, as: UTF8.self))\"")
        }
        if order > 0 { sorted = false }
      }
      parser.skipWhitespace()
      guard parser.peek() == UInt8(ascii: ":") else {
        throw parser.error("expected ':' after a key")
      }
      parser.advance()
      output.append(UInt8(ascii: ":"))
      parser.skipWhitespace()
      let valueStart = output.count
      try value(&parser, into: &output, depth: depth + 1)
      if depth == 0 { captureField(member, valueAt: valueStart, in: output) }
      members.append(
        Member(
          keyStart: member.keyStart, keyCount: member.keyCount, start: memberStart,
          end: output.count))
      parser.skipWhitespace()
      guard let next = parser.peek() else { throw parser.error("unterminated object") }
      parser.advance()
      if next == UInt8(ascii: "}") { break }
      guard next == UInt8(ascii: ",") else {
        throw parser.error("expected ',' or '}' in an object")
      }
    }
    if !sorted {
      try reorder(from: firstMember, open: open, output: &output)
    }
    output.append(UInt8(ascii: "}"))
  }

  /// Rewrites the members written after `open` in key order, failing on duplicates.
  private mutating func reorder(from first: Int, open: Int, output: inout [UInt8])
    throws(JSONSyntaxError)
  {
    var order = Array(first..<members.count)
    order.sort { compareKeys(members[$0], members[$1]) < 0 }
    for (a, b) in zip(order, order.dropFirst()) where compareKeys(members[a], members[b]) == 0 {
      let key = keyBytes[members[b].keyStart..<members[b].keyStart + members[b].keyCount]
      throw JSONSyntaxError(
        offset: 0, message: "duplicate key \"\(String(decoding: key, as: UTF8.self))\"")
    }
    scratch.removeAll(keepingCapacity: true)
    for (position, index) in order.enumerated() {
      if position > 0 { scratch.append(UInt8(ascii: ",")) }
      scratch.append(contentsOf: output[members[index].start..<members[index].end])
    }
    output.removeSubrange((open + 1)...)
    output.append(contentsOf: scratch)
  }

  /// Compares two keys by UTF-16 code units, as RFC 8785 sorts them.
  private func compareKeys(_ a: Member, _ b: Member) -> Int {
    keyBytes.withUnsafeBufferPointer { keys in
      UTF16Order.compare(
        UnsafeBufferPointer(rebasing: keys[a.keyStart..<a.keyStart + a.keyCount]),
        UnsafeBufferPointer(rebasing: keys[b.keyStart..<b.keyStart + b.keyCount]))
    }
  }

  private mutating func captureField(_ member: Member, valueAt start: Int, in output: [UInt8]) {
    guard !wanted.isEmpty else { return }
    let key = keyBytes[member.keyStart..<member.keyStart + member.keyCount]
    guard let index = wanted.firstIndex(where: { $0.elementsEqual(key) }) else { return }
    switch output[start] {
    case UInt8(ascii: "\""):
      fields[index] = .string(ArraySlice(stringBuffer))
    case UInt8(ascii: "n"):
      fields[index] = .null
    default:
      fields[index] = .other
    }
  }

  /// Reads a string, appends its canonical form to `output`, and leaves its decoded UTF-8 bytes
  /// in `stringBuffer`.
  private mutating func string(_ parser: inout Parser, into output: inout [UInt8])
    throws(JSONSyntaxError)
  {
    stringBuffer.removeAll(keepingCapacity: true)
    try parser.decodeString(into: &stringBuffer)
    output.append(UInt8(ascii: "\""))
    Self.escape(stringBuffer, into: &output)
    output.append(UInt8(ascii: "\""))
  }

  /// Appends `text` escaped as RFC 8785 requires: `"` and `\` and control characters only.
  static func escape(_ text: [UInt8], into output: inout [UInt8]) {
    var plainStart = 0
    text.withUnsafeBufferPointer { bytes in
      var index = -1
      while true {
        index = SpecialByteScan.first(
          in: UnsafeRawBufferPointer(bytes), from: index + 1, stopAtNonASCII: false)
        guard index < bytes.count else { break }
        let byte = bytes[index]
        output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart..<index]))
        plainStart = index + 1
        output.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case 0x08: output.append(UInt8(ascii: "b"))
        case 0x0c: output.append(UInt8(ascii: "f"))
        case 0x0a: output.append(UInt8(ascii: "n"))
        case 0x0d: output.append(UInt8(ascii: "r"))
        case 0x09: output.append(UInt8(ascii: "t"))
        default:
          let hex = Array("0123456789abcdef".utf8)
          output.append(contentsOf: [
            UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)],
          ])
        }
      }
      output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[plainStart...]))
    }
  }

  private mutating func number(_ parser: inout Parser, into output: inout [UInt8])
    throws(JSONSyntaxError)
  {
    let start = parser.offset
    let isInteger = try parser.scanNumber()
    let literal = UnsafeRawBufferPointer(rebasing: parser.bytes[start..<parser.offset])
    if isInteger {
      if literal.count == 2, literal[0] == UInt8(ascii: "-"), literal[1] == UInt8(ascii: "0") {
        output.append(UInt8(ascii: "0"))
      } else {
        output.append(contentsOf: literal)
      }
      return
    }
    let text = String(decoding: literal, as: UTF8.self)
    guard let value = Double(text), value.isFinite else {
      throw JSONSyntaxError(offset: start, message: "the number \(text) is out of range")
    }
    ECMAScriptNumber.append(value, to: &output)
  }
}

/// A cursor over JSON bytes.
/// Finds the next byte of a JSON string that cannot be copied as it is: a quote, a backslash or
/// a control character (and, when asked, a byte of a multibyte UTF-8 sequence, which must be
/// validated). Eight bytes at a time: most strings are long runs of plain text.
private enum SpecialByteScan {
  private static let ones: UInt64 = 0x0101_0101_0101_0101
  private static let highBits: UInt64 = 0x8080_8080_8080_8080

  /// The high bit of each byte of `word` that is below `limit` (at most 0x80) is set. A borrow
  /// can flag a byte above a flagged one, never below it, so the lowest flag is exact.
  @inline(__always)
  private static func below(_ word: UInt64, _ limit: UInt64) -> UInt64 {
    (word &- ones &* limit) & ~word & highBits
  }

  /// The offset of the first special byte at or after `start`, or `bytes.count`.
  @inline(__always)
  static func first(in bytes: UnsafeRawBufferPointer, from start: Int, stopAtNonASCII: Bool)
    -> Int
  {
    var offset = start
    while offset + 8 <= bytes.count {
      let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
      var flags =
        below(word, 0x20) | below(word ^ (ones &* 0x22), 1) | below(word ^ (ones &* 0x5c), 1)
      if stopAtNonASCII { flags |= word & highBits }
      if flags != 0 { return offset + flags.trailingZeroBitCount >> 3 }
      offset += 8
    }
    while offset < bytes.count {
      let byte = bytes[offset]
      if byte < 0x20 || byte == 0x22 || byte == 0x5c || (stopAtNonASCII && byte >= 0x80) {
        return offset
      }
      offset += 1
    }
    return offset
  }
}

private struct Parser {
  let bytes: UnsafeRawBufferPointer
  var offset = 0

  init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

  var atEnd: Bool { offset >= bytes.count }

  func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

  mutating func advance() { offset += 1 }

  mutating func skipWhitespace() {
    while offset < bytes.count {
      switch bytes[offset] {
      case 0x20, 0x09, 0x0a, 0x0d: offset += 1
      default: return
      }
    }
  }

  func error(_ message: String) -> JSONSyntaxError {
    JSONSyntaxError(offset: offset, message: message)
  }

  static func describe(_ byte: UInt8) -> String {
    byte >= 0x20 && byte < 0x7f ? String(UnicodeScalar(byte)) : String(format: "\\x%02x", byte)
  }

  mutating func literal(_ word: StaticString, into output: inout [UInt8]) throws(JSONSyntaxError) {
    let count = word.utf8CodeUnitCount
    guard offset + count <= bytes.count,
      memcmp(bytes.baseAddress! + offset, word.utf8Start, count) == 0
    else { throw error("unexpected character '\(Self.describe(bytes[offset]))'") }
    output.append(contentsOf: UnsafeBufferPointer(start: word.utf8Start, count: count))
    offset += count
  }

  /// Scans a number by the JSON grammar; returns whether it is an integer.
  mutating func scanNumber() throws(JSONSyntaxError) -> Bool {
    if peek() == UInt8(ascii: "-") { offset += 1 }
    guard let first = peek(), first >= 0x30, first <= 0x39 else {
      throw error("expected a digit")
    }
    offset += 1
    if first == 0x30, let next = peek(), next >= 0x30, next <= 0x39 {
      throw error("numbers cannot have leading zeros")
    }
    scanDigits()
    var integer = true
    if peek() == UInt8(ascii: ".") {
      offset += 1
      guard scanDigits() > 0 else { throw error("expected a digit after the decimal point") }
      integer = false
    }
    if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      offset += 1
      if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { offset += 1 }
      guard scanDigits() > 0 else { throw error("expected a digit in the exponent") }
      integer = false
    }
    return integer
  }

  @discardableResult
  mutating func scanDigits() -> Int {
    let start = offset
    while offset < bytes.count, bytes[offset] >= 0x30, bytes[offset] <= 0x39 { offset += 1 }
    return offset - start
  }

  /// Decodes the string at the cursor (which is at its opening quote) into UTF-8 bytes,
  /// validating UTF-8 and escapes.
  mutating func decodeString(into out: inout [UInt8]) throws(JSONSyntaxError) {
    offset += 1
    while true {
      // Copy the run of plain ASCII at once.
      let runStart = offset
      offset = SpecialByteScan.first(in: bytes, from: offset, stopAtNonASCII: true)
      if offset > runStart {
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[runStart..<offset]))
      }
      guard offset < bytes.count else { throw error("unterminated string") }
      let byte = bytes[offset]
      switch byte {
      case UInt8(ascii: "\""):
        offset += 1
        return
      case UInt8(ascii: "\\"):
        try escape(into: &out)
      case ..<0x20:
        throw error("control character \(Self.describe(byte)) inside a string must be escaped")
      default:
        let length = UTF8Validation.sequenceLength(bytes, at: offset)
        guard length > 0 else { throw error("invalid UTF-8 inside a string") }
        out.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length]))
        offset += length
      }
    }
  }

  private mutating func escape(into out: inout [UInt8]) throws(JSONSyntaxError) {
    offset += 1
    guard let kind = peek() else { throw error("unterminated escape") }
    offset += 1
    switch kind {
    case UInt8(ascii: "\""): out.append(0x22)
    case UInt8(ascii: "\\"): out.append(0x5c)
    case UInt8(ascii: "/"): out.append(0x2f)
    case UInt8(ascii: "b"): out.append(0x08)
    case UInt8(ascii: "f"): out.append(0x0c)
    case UInt8(ascii: "n"): out.append(0x0a)
    case UInt8(ascii: "r"): out.append(0x0d)
    case UInt8(ascii: "t"): out.append(0x09)
    case UInt8(ascii: "u"):
      var scalar = try hex4()
      if (0xD800...0xDBFF).contains(scalar) {
        guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"),
          bytes[offset + 1] == UInt8(ascii: "u")
        else {
          throw error("a lone UTF-16 surrogate \\u\(String(scalar, radix: 16)) has no character")
        }
        offset += 2
        let low = try hex4()
        guard (0xDC00...0xDFFF).contains(low) else {
          throw error("a high surrogate must be followed by a low surrogate")
        }
        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
      } else if (0xDC00...0xDFFF).contains(scalar) {
        throw error("a lone UTF-16 surrogate \\u\(String(scalar, radix: 16)) has no character")
      }
      UTF8Validation.append(scalar: scalar, to: &out)
    default:
      offset -= 1
      throw error("invalid escape '\\\(Self.describe(kind))'")
    }
  }

  private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
    guard offset + 4 <= bytes.count else { throw error("truncated \\u escape") }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[offset]
      let digit: UInt32
      switch byte {
      case 0x30...0x39: digit = UInt32(byte - 0x30)
      case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
      case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
      default: throw error("invalid hex digit in a \\u escape")
      }
      value = value << 4 | digit
      offset += 1
    }
    return value
  }
}

/// Orders UTF-8 strings as their UTF-16 code units would order (RFC 8785 §3.2.3).
enum UTF16Order {
  static func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
    let common = min(a.count, b.count)
    var index = 0
    while index < common, a[index] == b[index] { index += 1 }
    if index == common { return a.count < b.count ? -1 : (a.count > b.count ? 1 : 0) }
    // UTF-8 byte order is code point order; it differs from UTF-16 order only between a
    // supplementary character (4-byte, lead 0xF0-0xF4) and U+E000-U+FFFF (lead 0xEE-0xEF).
    var start = index
    while start > 0, a[start] & 0xC0 == 0x80 { start -= 1 }
    let x = a[start]
    let y = b[start]
    let xSupplementary = x >= 0xF0
    let ySupplementary = y >= 0xF0
    if xSupplementary != ySupplementary {
      let other = xSupplementary ? y : x
      if other >= 0xEE && other < 0xF0 { return xSupplementary ? -1 : 1 }
    }
    return a[index] < b[index] ? -1 : 1
  }
}

/// UTF-8 validation and encoding on bytes.
public enum UTF8Validation {
  /// The length of the valid UTF-8 sequence starting at `offset`, or 0 when it is invalid
  /// (overlong, surrogate, out of range, or truncated).
  @inline(__always)
  public static func sequenceLength(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int {
    let lead = bytes[offset]
    if lead < 0x80 { return 1 }
    let remaining = bytes.count - offset
    func continuation(_ index: Int) -> Bool { bytes[offset + index] & 0xC0 == 0x80 }
    switch lead {
    case 0xC2...0xDF:
      return remaining >= 2 && continuation(1) ? 2 : 0
    case 0xE0...0xEF:
      guard remaining >= 3, continuation(1), continuation(2) else { return 0 }
      let second = bytes[offset + 1]
      if lead == 0xE0 && second < 0xA0 { return 0 }
      if lead == 0xED && second >= 0xA0 { return 0 }
      return 3
    case 0xF0...0xF4:
      guard remaining >= 4, continuation(1), continuation(2), continuation(3) else { return 0 }
      let second = bytes[offset + 1]
      if lead == 0xF0 && second < 0x90 { return 0 }
      if lead == 0xF4 && second >= 0x90 { return 0 }
      return 4
    default:
      return 0
    }
  }

  /// The byte offset of the first invalid UTF-8 sequence in `bytes`, or nil when all is valid.
  public static func firstInvalidOffset(_ bytes: UnsafeRawBufferPointer) -> Int? {
    var offset = 0
    let count = bytes.count
    guard let base = bytes.baseAddress else { return nil }
    while offset < count {
      // Skip ASCII eight bytes at a time.
      while offset + 8 <= count {
        let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        if word & 0x8080_8080_8080_8080 != 0 { break }
        offset += 8
      }
      guard offset < count else { break }
      if bytes[offset] < 0x80 {
        offset += 1
        continue
      }
      let length = sequenceLength(bytes, at: offset)
      if length == 0 { return offset }
      offset += length
    }
    return nil
  }

  /// The number of Unicode scalars in valid UTF-8.
  public static func scalarCount(_ bytes: UnsafeRawBufferPointer) -> Int {
    var count = 0
    for byte in bytes where byte & 0xC0 != 0x80 { count += 1 }
    return count
  }

  static func append(scalar: UInt32, to out: inout [UInt8]) {
    switch scalar {
    case ..<0x80:
      out.append(UInt8(scalar))
    case ..<0x800:
      out.append(UInt8(0xC0 | scalar >> 6))
      out.append(UInt8(0x80 | scalar & 0x3F))
    case ..<0x10000:
      out.append(UInt8(0xE0 | scalar >> 12))
      out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      out.append(UInt8(0x80 | scalar & 0x3F))
    default:
      out.append(UInt8(0xF0 | scalar >> 18))
      out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      out.append(UInt8(0x80 | scalar & 0x3F))
    }
  }
}

/// Numbers as ECMAScript's Number.prototype.toString writes them (RFC 8785 §3.2.2.3).
enum ECMAScriptNumber {
  static func append(_ value: Double, to out: inout [UInt8]) {
    if value == 0 {
      out.append(UInt8(ascii: "0"))
      return
    }
    // Swift's description gives the shortest digits that round-trip; take the digits and the
    // decimal exponent from it and lay them out as ECMAScript does.
    var text = Array(abs(value).description.utf8)
    var exponent = 0
    if let e = text.firstIndex(of: UInt8(ascii: "e")) {
      exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self))!
      text.removeSubrange(e...)
    }
    var digits = [UInt8]()
    var pointPosition = text.count
    for (index, byte) in text.enumerated() {
      if byte == UInt8(ascii: ".") { pointPosition = index } else { digits.append(byte) }
    }
    // value = 0.digits × 10^n, with n counting the digits before the point.
    var n = pointPosition + exponent
    while digits.count > 1, digits.first == UInt8(ascii: "0") {
      digits.removeFirst()
      n -= 1
    }
    while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
    let k = digits.count
    if value < 0 { out.append(UInt8(ascii: "-")) }
    if k <= n && n <= 21 {
      out.append(contentsOf: digits)
      out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: n - k))
    } else if 0 < n && n <= 21 {
      out.append(contentsOf: digits[..<n])
      out.append(UInt8(ascii: "."))
      out.append(contentsOf: digits[n...])
    } else if -6 < n && n <= 0 {
      out.append(contentsOf: [UInt8(ascii: "0"), UInt8(ascii: ".")])
      out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -n))
      out.append(contentsOf: digits)
    } else {
      out.append(digits[0])
      if k > 1 {
        out.append(UInt8(ascii: "."))
        out.append(contentsOf: digits[1...])
      }
      out.append(UInt8(ascii: "e"))
      out.append(n - 1 >= 0 ? UInt8(ascii: "+") : UInt8(ascii: "-"))
      out.append(contentsOf: Array(String(abs(n - 1)).utf8))
    }
  }
}
