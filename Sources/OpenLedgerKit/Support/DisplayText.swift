/// Text from outside the program (names, descriptions, reasons, record text, file and entry
/// names) made safe to show to a person on a terminal.
///
/// A terminal obeys some characters instead of showing them: ESC starts sequences that move
/// the cursor, recolour or clear the screen and (OSC 52) write the clipboard; CR returns to the
/// start of the line, so what follows overwrites what came before; BEL rings; C1 controls
/// (U+0080–U+009F) act like ESC sequences on some terminals; bidirectional overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069) reorder the characters after them. Each of these is
/// shown as a visible escape instead: `\e`, `\r`, `\a`, `\u{9b}`, `\u{202e}`. Backslashes are
/// left as they are, so escaping twice changes nothing and ordinary text with backslashes (code,
/// LaTeX) reads as written; machine-readable output (JSON, JUnit, annotations) keeps the exact
/// text in its own escaping.
public enum DisplayText {
  /// Which characters that lay text out pass through.
  public enum Layout: Sendable {
    /// Everything is escaped, newlines and tabs too: the text stays on one line (a table cell,
    /// one message).
    case singleLine
    /// Newlines and tabs pass: the text is a block of lines the program laid out.
    case lines
  }

  /// `text` with every character a terminal would obey replaced by its visible escape.
  public static func escaped(_ text: String, _ layout: Layout = .singleLine) -> String {
    guard text.unicodeScalars.contains(where: { escape($0, layout) != nil }) else { return text }
    var result = ""
    result.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 16)
    for scalar in text.unicodeScalars {
      if let escape = escape(scalar, layout) {
        result += escape
      } else {
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// Whether `text` holds any character `escaped` would replace on a single line: a name holding
  /// one is refused where names are taken in (files, archive entries).
  public static func hasControlCharacters(_ text: String) -> Bool {
    text.unicodeScalars.contains { escape($0, .singleLine) != nil }
  }

  /// The visible form of `scalar`, or nil when it is shown as it is.
  public static func escape(_ scalar: Unicode.Scalar, _ layout: Layout = .singleLine) -> String? {
    switch scalar.value {
    case 0x09: layout == .lines ? nil : "\\t"
    case 0x0A: layout == .lines ? nil : "\\n"
    case 0x07: "\\a"
    case 0x08: "\\b"
    case 0x0B: "\\v"
    case 0x0C: "\\f"
    case 0x0D: "\\r"
    case 0x1B: "\\e"
    case 0x00..<0x20, 0x7F..<0xA0, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069:
      "\\u{\(String(scalar.value, radix: 16))}"
    default: nil
    }
  }
}
