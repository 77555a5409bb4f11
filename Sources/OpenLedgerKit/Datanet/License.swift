/// A Datanet's license: an SPDX license expression over the SPDX License List shipped with
/// openledger (`SPDXLicenseList`), or `unspecified`.
///
/// Expressions are accepted, since data is often dual-licensed (`MIT OR Apache-2.0`, `CC-BY-4.0
/// AND ODbL-1.0`, `GPL-2.0-or-later WITH Classpath-exception-2.0`), as are licenses outside the
/// list as `LicenseRef-name` (and `DocumentRef-doc:LicenseRef-name`), as SPDX itself provides.
/// Identifiers match without regard to case and are recorded in the list's spelling.
public enum License {
  /// What a Datanet created without `--license` records.
  public static let unspecified = "unspecified"

  /// The version of the SPDX License List checked against.
  public static var listVersion: String { SPDXLicenseList.version }

  /// `text` as it is recorded: identifiers in the list's spelling, operators in capitals, one
  /// space between terms. Throws when it names a license the list lacks, or is not an
  /// expression.
  public static func normalize(_ text: String) throws(LicenseError) -> String {
    if text == unspecified { return text }
    var parser = Parser(text: text, tokens: try tokenize(text))
    let normalized = try parser.expression()
    guard parser.atEnd else {
      throw .malformed(text, reason: "'\(parser.peek ?? "")' is out of place")
    }
    return normalized
  }

  private static let licensesByLowercase: [String: String] = Dictionary(
    SPDXLicenseList.licenses.map { ($0.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
  private static let exceptionsByLowercase: [String: String] = Dictionary(
    SPDXLicenseList.exceptions.map { ($0.lowercased(), $0) },
    uniquingKeysWith: { first, _ in first })

  private static func tokenize(_ text: String) throws(LicenseError) -> [String] {
    var tokens = [String]()
    var current = ""
    for character in text {
      if character == "(" || character == ")" || character.isWhitespace {
        if !current.isEmpty { tokens.append(current) }
        current = ""
        if !character.isWhitespace { tokens.append(String(character)) }
      } else {
        current.append(character)
      }
    }
    if !current.isEmpty { tokens.append(current) }
    guard !tokens.isEmpty else { throw .malformed(text, reason: "it is empty") }
    return tokens
  }

  /// Recursive descent over SPDX's grammar: OR binds loosest, then AND, then WITH.
  private struct Parser {
    let text: String
    let tokens: [String]
    var position = 0

    var atEnd: Bool { position == tokens.count }
    var peek: String? { atEnd ? nil : tokens[position] }

    mutating func keyword(_ word: String) -> Bool {
      guard let next = peek, next == word || next == word.lowercased() else { return false }
      position += 1
      return true
    }

    mutating func expression() throws(LicenseError) -> String {
      var terms = [try conjunction()]
      while keyword("OR") { terms.append(try conjunction()) }
      return terms.joined(separator: " OR ")
    }

    mutating func conjunction() throws(LicenseError) -> String {
      var terms = [try term()]
      while keyword("AND") { terms.append(try term()) }
      return terms.joined(separator: " AND ")
    }

    mutating func term() throws(LicenseError) -> String {
      guard let next = peek else { throw .malformed(text, reason: "it ends too early") }
      position += 1
      var result: String
      if next == "(" {
        result = "(" + (try expression()) + ")"
        guard peek == ")" else { throw .malformed(text, reason: "a '(' is never closed") }
        position += 1
      } else {
        result = try License.identifier(next, in: text)
      }
      if keyword("WITH") {
        guard let exception = peek else { throw .malformed(text, reason: "WITH names nothing") }
        position += 1
        guard let known = License.exceptionsByLowercase[exception.lowercased()] else {
          throw .unknownException(exception, expression: text)
        }
        result += " WITH " + known
      }
      return result
    }
  }

  /// A license identifier in the list's spelling, a `LicenseRef-`, or an error.
  private static func identifier(_ token: String, in text: String) throws(LicenseError) -> String {
    if ["AND", "OR", "WITH", ")"].contains(token.uppercased()) {
      throw .malformed(text, reason: "'\(token)' stands where a license should")
    }
    if isReference(token) { return token }
    let plus = token.hasSuffix("+") && token.count > 1
    let id = plus ? String(token.dropLast()) : token
    guard let known = licensesByLowercase[id.lowercased()] else {
      throw .unknownLicense(token, expression: text, suggestions: suggestions(for: id))
    }
    return known + (plus ? "+" : "")
  }

  /// `LicenseRef-x` or `DocumentRef-y:LicenseRef-x`, with x and y of letters, digits, `.` and `-`.
  private static func isReference(_ token: String) -> Bool {
    func idstring(_ text: Substring) -> Bool {
      !text.isEmpty
        && text.unicodeScalars.allSatisfy {
          ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
            || $0 == "." || $0 == "-"
        }
    }
    var rest = Substring(token)
    if rest.hasPrefix("DocumentRef-") {
      guard let colon = rest.firstIndex(of: ":") else { return false }
      guard idstring(rest[rest.index(rest.startIndex, offsetBy: 12)..<colon]) else { return false }
      rest = rest[rest.index(after: colon)...]
    }
    return rest.hasPrefix("LicenseRef-") && idstring(rest.dropFirst(11))
  }

  /// Identifiers that spell the same letters and digits as `id`, or start with them.
  private static func suggestions(for id: String) -> [String] {
    func letters(_ text: String) -> String {
      String(
        text.lowercased().unicodeScalars.filter {
          ("a"..."z").contains($0) || ("0"..."9").contains($0)
        })
    }
    let wanted = letters(id)
    guard !wanted.isEmpty else { return [] }
    let same = SPDXLicenseList.licenses.filter {
      !SPDXLicenseList.deprecated.contains($0) && letters($0) == wanted
    }
    if !same.isEmpty { return same }
    return Array(
      SPDXLicenseList.licenses.filter {
        !SPDXLicenseList.deprecated.contains($0) && letters($0).hasPrefix(wanted)
      }.prefix(5))
  }
}

/// A `--license` that is not an SPDX license expression over the shipped list.
public enum LicenseError: OpenLedgerError, Equatable {
  case unknownLicense(String, expression: String, suggestions: [String])
  case unknownException(String, expression: String)
  case malformed(String, reason: String)

  public var kind: FailureKind { .usage }

  public var description: String {
    let remedy =
      "use an SPDX license identifier or expression (SPDX License List \(License.listVersion), "
      + "https://spdx.org/licenses/), LicenseRef-NAME for a license outside the list, or "
      + "leave --license out for '\(License.unspecified)'"
    switch self {
    case .unknownLicense(let id, let expression, let suggestions):
      let hint =
        suggestions.isEmpty ? "" : " (did you mean \(suggestions.joined(separator: ", "))?)"
      return
        "'\(id)' in --license '\(expression)' is not on the SPDX License List\(hint); \(remedy)"
    case .unknownException(let id, let expression):
      return "'\(id)' in --license '\(expression)' is not an SPDX license exception; \(remedy)"
    case .malformed(let expression, let reason):
      return "--license '\(expression)' is not an SPDX license expression: \(reason); \(remedy)"
    }
  }
}
