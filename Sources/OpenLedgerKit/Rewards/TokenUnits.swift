extension RewardToken {
  /// `amount` (in the smallest unit) in whole tokens, as a wallet shows it: `2.5 OPEN` for
  /// 2500000 with 6 decimals, `0.000001 OPEN` for 1, `3 OPEN` for 3000000. Exact whatever the
  /// size: the digits are placed, never divided in floating point. JSON keeps the integer.
  public func format(_ amount: TokenAmount) -> String {
    "\(Self.decimal(amount, decimals: decimals)) \(symbol)"
  }

  /// The number alone, without the symbol.
  public static func decimal(_ amount: TokenAmount, decimals: Int) -> String {
    let digits = amount.decimalString
    guard decimals > 0 else { return digits }
    let padded = String(repeating: "0", count: max(0, decimals + 1 - digits.count)) + digits
    let whole = padded.dropLast(decimals)
    var fraction = padded.suffix(decimals)
    while fraction.last == "0" { fraction = fraction.dropLast() }
    return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
  }
}
