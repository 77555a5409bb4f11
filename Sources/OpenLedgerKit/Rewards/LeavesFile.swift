import Foundation

/// `leaves.jsonl`: one canonical line per leaf, in leaf order (Docs/Manifest.md):
/// `{"account":"<64 lowercase hex>","cumulative":"<decimal>"}` (v1) or
/// `{"account":"<64 lowercase hex>","cumulative":"<decimal>","recipient":"0x<40 lowercase hex>"}`
/// (v2), and a line feed. Written and read over raw bytes, since a manifest may hold millions of
/// lines.
extension RewardLeaves {
  private static let head = Array(#"{"account":""#.utf8)
  private static let middle = Array(#"","cumulative":""#.utf8)
  private static let recipientKey = Array(#"","recipient":"0x"#.utf8)
  private static let tail = Array("\"}\n".utf8)
  /// The longest line: 64 hex digits and a 39-digit amount between the literals, and in v2 the
  /// recipient's 40 hex digits after theirs.
  private static let longestLine = 13 + 64 + 16 + 39 + 17 + 40 + 3

  /// Why a `leaves.jsonl` is not valid: the 1-based line and what is wrong there.
  public struct FormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { line > 0 ? "line \(line): \(reason)" : reason }
  }

  /// The `leaves.jsonl` bytes.
  public func jsonLines() -> Data {
    let n = count
    let hex = Array("0123456789abcdef".utf8)
    let bytes = [UInt8](unsafeUninitializedCapacity: n * Self.longestLine) { buffer, written in
      var out = buffer.baseAddress!
      func put(_ literal: [UInt8]) {
        literal.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: $0.count) }
        out += literal.count
      }
      func putHex(_ bytes: ArraySlice<UInt8>) {
        for byte in bytes {
          out[0] = hex[Int(byte >> 4)]
          out[1] = hex[Int(byte & 0x0f)]
          out += 2
        }
      }
      for index in 0..<n {
        put(Self.head)
        putHex(accounts[index * 32..<index * 32 + 32])
        put(Self.middle)
        out += Self.writeDecimal(amounts[index], to: out)
        if format == .v2 {
          put(Self.recipientKey)
          putHex(recipients[index * 20..<index * 20 + 20])
        }
        put(Self.tail)
      }
      written = out - buffer.baseAddress!
    }
    return Data(bytes)
  }

  /// Writes `value` in decimal at `out` and returns how many digits it took (at most 39).
  @inline(__always)
  private static func writeDecimal(_ value: TokenAmount, to out: UnsafeMutablePointer<UInt8>)
    -> Int
  {
    var digits: (UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0)
    return withUnsafeMutableBytes(of: &digits) { scratch in
      var length = 0
      var rest = value
      // 128-bit division is slow: peel 19-digit chunks, then divide 64-bit words.
      while rest > UInt128(UInt64.max) {
        let (quotient, remainder) = rest.quotientAndRemainder(
          dividingBy: 10_000_000_000_000_000_000)
        var chunk = UInt64(remainder)
        for _ in 0..<19 {
          scratch[length] = UInt8(chunk % 10) + 0x30
          chunk /= 10
          length += 1
        }
        rest = quotient
      }
      var word = UInt64(rest)
      repeat {
        scratch[length] = UInt8(word % 10) + 0x30
        word /= 10
        length += 1
      } while word > 0
      for position in 0..<length { out[position] = scratch[length - 1 - position] }
      return length
    }
  }

  /// Parses `leaves.jsonl` of leaf `format` (v1 unless told) for the leaves of `datanet`'s
  /// `epoch`: every line canonical, leaf hashes strictly ascending (the tree order), accounts
  /// distinct, the sum within range.
  ///
  /// With `checkingOrder` false, lines in the wrong order or repeating an account are kept as
  /// they are (for a verifier that reports them with `orderProblem()` and checks the rest).
  public static func parse(
    _ data: Data, datanet: Digest, epoch: UInt64, format: LeafFormat = .v1,
    checkingOrder: Bool = true
  ) throws(FormatError) -> RewardLeaves {
    let result = data.withUnsafeBytes { raw in
      Result { () throws(FormatError) in
        try parse(
          raw, datanet: datanet, epoch: epoch, format: format, checkingOrder: checkingOrder)
      }
    }
    return try result.get()
  }

  /// Parses `leaves.jsonl` bytes in memory (read or mapped).
  public static func parse(
    _ raw: UnsafeRawBufferPointer, datanet: Digest, epoch: UInt64, format: LeafFormat = .v1,
    checkingOrder: Bool = true
  ) throws(FormatError) -> RewardLeaves {
    var lines = 0
    if var cursor = raw.baseAddress {
      let end = cursor + raw.count
      while let found = memchr(cursor, 0x0a, end - cursor) {
        lines += 1
        cursor = UnsafeRawPointer(found) + 1
      }
      if cursor < end { lines += 1 }
    }
    if lines == 0 { throw FormatError(line: 0, reason: "the file holds no leaves") }
    var total: TokenAmount = 0
    var problem: FormatError?
    var amounts = [TokenAmount](repeating: 0, count: lines)
    var recipients = [UInt8](repeating: 0, count: format == .v2 ? lines * 20 : 0)
    let accounts = [UInt8](unsafeUninitializedCapacity: lines * 32) { accounts, initialized in
      amounts.withUnsafeMutableBufferPointer { amounts in
        recipients.withUnsafeMutableBufferPointer { recipients in
          problem = scan(
            raw.bindMemory(to: UInt8.self), accounts: accounts.baseAddress!,
            amounts: amounts.baseAddress!, recipients: format == .v2 ? recipients.baseAddress : nil,
            total: &total)
        }
      }
      // Rows after an error are left as zeros; the leaves are thrown away then anyway.
      if problem != nil { accounts.initialize(repeating: 0) }
      initialized = lines * 32
    }
    if let problem { throw problem }
    let hashes = hashLeaves(
      datanet: datanet, epoch: epoch, accounts: accounts, amounts: amounts,
      recipients: format == .v2 ? recipients : nil)
    let leaves = RewardLeaves(
      datanet: datanet, epoch: epoch, format: format, sortedAccounts: accounts, amounts: amounts,
      recipients: recipients, hashes: hashes, total: total)
    if checkingOrder, let problem = leaves.orderProblem() { throw problem }
    return leaves
  }

  /// Reads every line into `accounts`, `amounts` and, for v2 lines, `recipients` (sized by the
  /// caller to the line count; nil reads v1 lines).
  private static func scan(
    _ bytes: UnsafeBufferPointer<UInt8>, accounts: UnsafeMutablePointer<UInt8>,
    amounts: UnsafeMutablePointer<TokenAmount>, recipients: UnsafeMutablePointer<UInt8>?,
    total: inout TokenAmount
  ) -> FormatError? {
    let n = bytes.count
    let base = UnsafeRawPointer(bytes.baseAddress!)
    // The literals as words, compared eight bytes at a time.
    func word(_ text: String, _ offset: Int, _ size: Int) -> UInt64 {
      var value: UInt64 = 0
      for (index, byte) in text.utf8.dropFirst(offset).prefix(size).enumerated() {
        value |= UInt64(byte) << (8 * index)
      }
      return value
    }
    let head = #"{"account":""#
    let (head0, head1) = (word(head, 0, 8), UInt32(word(head, 8, 4)))
    let middle = #"","cumulative":""#
    let (middle0, middle1) = (word(middle, 0, 8), word(middle, 8, 8))
    let digits = Self.hexDigitValues
    var position = 0
    var line = 0
    let expected =
      recipients == nil
      ? #"{"account":"<64 lowercase hex>","cumulative":"<decimal>"} and a line feed"#
      : #"{"account":"<64 lowercase hex>","cumulative":"<decimal>","recipient":"0x<40 lowercase hex>"} and a line feed (leaf format v2)"#
    // Decodes `count` bytes of lowercase hex at `start` into `row`; false when a digit is not one.
    func readHex(at start: Int, count: Int, into row: UnsafeMutablePointer<UInt8>) -> Bool {
      var invalid: UInt8 = 0
      for offset in 0..<count {
        let high = digits[Int(bytes[start + 2 * offset])]
        let low = digits[Int(bytes[start + 2 * offset + 1])]
        invalid |= high | low
        row[offset] = high << 4 | low
      }
      return invalid < 16
    }
    while position < n {
      line += 1
      guard position + 12 + 64 + 16 <= n,
        base.loadUnaligned(fromByteOffset: position, as: UInt64.self) == head0,
        base.loadUnaligned(fromByteOffset: position + 8, as: UInt32.self) == head1
      else { return FormatError(line: line, reason: "expected \(expected)") }
      position += 12
      guard readHex(at: position, count: 32, into: accounts + (line - 1) * 32) else {
        return FormatError(line: line, reason: "the account is not 64 lowercase hex digits")
      }
      position += 64
      guard base.loadUnaligned(fromByteOffset: position, as: UInt64.self) == middle0,
        base.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self) == middle1
      else { return FormatError(line: line, reason: "expected \(expected)") }
      position += 16
      let start = position
      var small: UInt64 = 0
      while position < n, position - start < 19, bytes[position] &- 0x30 < 10 {
        small = small &* 10 &+ UInt64(bytes[position] &- 0x30)
        position += 1
      }
      var value = TokenAmount(small)
      while position < n, bytes[position] &- 0x30 < 10 {
        let (times10, overflowA) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflowB) = times10.addingReportingOverflow(TokenAmount(bytes[position] &- 0x30))
        if overflowA || overflowB {
          return FormatError(line: line, reason: "the cumulative amount is too large")
        }
        value = sum
        position += 1
      }
      let length = position - start
      if length == 0 || (length > 1 && bytes[start] == 0x30) {
        return FormatError(
          line: line, reason: "the cumulative amount is not a decimal without leading zeros")
      }
      if let recipients {
        let key = Self.recipientKey
        guard position + key.count + 40 <= n,
          key.indices.allSatisfy({ bytes[position + $0] == key[$0] })
        else { return FormatError(line: line, reason: "expected \(expected)") }
        position += key.count
        guard readHex(at: position, count: 20, into: recipients + (line - 1) * 20) else {
          return FormatError(
            line: line, reason: "the recipient is not 0x and 40 lowercase hex digits")
        }
        position += 40
      }
      guard position + 3 <= n, bytes[position] == 0x22, bytes[position + 1] == 0x7d,
        bytes[position + 2] == 0x0a
      else { return FormatError(line: line, reason: "expected \(expected)") }
      position += 3
      let (sum, overflow) = total.addingReportingOverflow(value)
      if overflow { return FormatError(line: line, reason: "the amounts' sum is too large") }
      total = sum
      amounts[line - 1] = value
    }
    return nil
  }

  /// Each byte's value as a lowercase hex digit, or 0xff.
  private static let hexDigitValues: [UInt8] = (0...255).map { byte in
    switch byte {
    case 0x30...0x39: UInt8(byte - 0x30)
    case 0x61...0x66: UInt8(byte - 0x61 + 10)
    default: 0xff
    }
  }
}
