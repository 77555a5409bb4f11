/// Amounts of the reward token, in its smallest unit (as wei is to ether): unsigned 128-bit
/// integers, never floating point, written as decimal strings in JSON so no reader rounds them.
public typealias TokenAmount = UInt128

/// Why a piece of text is not an amount.
public enum AmountProblem: Error, Sendable, Equatable {
  case empty
  case negative
  case fractional
  case notANumber
  case overflow

  /// A clause that completes "… is not a valid amount: ".
  public var explanation: String {
    switch self {
    case .empty: "it is empty"
    case .negative: "it is negative; amounts are 0 or more"
    case .fractional:
      "it has a fractional part; give it as a whole number of the token's smallest unit"
    case .notANumber: "it is not a decimal number; write digits only, like \"1500\""
    case .overflow: "it is larger than \(TokenAmount.max), the largest amount openledger handles"
    }
  }
}

extension UInt128 {
  /// Parses a decimal amount: one or more ASCII digits, nothing else (no sign, point, exponent
  /// or spaces).
  public static func parseAmount(_ text: some StringProtocol) -> Result<UInt128, AmountProblem> {
    var utf8 = Substring(text).utf8[...]
    guard let first = utf8.first else { return .failure(.empty) }
    if first == UInt8(ascii: "-") {
      let rest = utf8.dropFirst()
      if !rest.isEmpty, rest.allSatisfy({ isDigit($0) || $0 == UInt8(ascii: ".") }) {
        return .failure(.negative)
      }
      return .failure(.notANumber)
    }
    if let point = utf8.firstIndex(of: UInt8(ascii: ".")) {
      let whole = utf8[..<point]
      let fraction = utf8[utf8.index(after: point)...]
      if !whole.isEmpty, whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit) {
        // "12.000" is still not a whole-number amount: the field is in the smallest unit.
        return .failure(.fractional)
      }
      return .failure(.notANumber)
    }
    var value: UInt128 = 0
    while let byte = utf8.popFirst() {
      guard isDigit(byte) else { return .failure(.notANumber) }
      let (times10, overflowA) = value.multipliedReportingOverflow(by: 10)
      let (sum, overflowB) = times10.addingReportingOverflow(UInt128(byte &- 0x30))
      if overflowA || overflowB { return .failure(.overflow) }
      value = sum
    }
    return .success(value)
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  /// The amount in decimal, the form JSON files carry.
  public var decimalString: String {
    if self <= UInt128(UInt64.max) { return String(UInt64(self)) }
    var digits = [UInt8]()
    var rest = self
    while rest > 0 {
      let (quotient, remainder) = rest.quotientAndRemainder(dividingBy: 10)
      digits.append(UInt8(remainder) + 0x30)
      rest = quotient
    }
    return String(decoding: digits.reversed(), as: UTF8.self)
  }

  /// Appends the 32-byte big-endian (u256) encoding the Merkle leaves use.
  public func appendU256BigEndian(to bytes: inout [UInt8]) {
    bytes.append(contentsOf: repeatElement(0, count: 16))
    for shift in stride(from: 120, through: 0, by: -8) {
      bytes.append(UInt8(truncatingIfNeeded: self >> UInt128(shift)))
    }
  }
}

/// An amount that is encoded in JSON as a decimal string.
public struct DecimalAmount: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
  public var value: TokenAmount

  public init(_ value: TokenAmount) { self.value = value }

  public var description: String { value.decimalString }

  public static func < (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool { lhs.value < rhs.value }

  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    switch UInt128.parseAmount(text) {
    case .success(let value): self.value = value
    case .failure(let problem):
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "'\(text)' is not a valid amount: \(problem.explanation)")
    }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(value.decimalString)
  }
}
