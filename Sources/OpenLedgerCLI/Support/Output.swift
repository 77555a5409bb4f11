import Foundation
import OpenLedgerKit

/// Standard output for data, in the format the user chose.
///
/// Text for people goes through `DisplayText`: whatever a line holds, no character a terminal
/// would obey (ESC, CR, BEL, C1 controls, bidirectional overrides) reaches standard output raw.
/// Values that belong on one line (table cells, names, messages) are escaped whole, newlines too,
/// by `TextTable` and by the commands that place them in a line.
struct Output {
  let format: OutputFormat
  let quiet: Bool
  /// Whether stderr is a terminal, so progress bars and colour make sense.
  let stderrIsTerminal: Bool
  let stdoutIsTerminal: Bool
  let colorAllowed: Bool

  init(format: OutputFormat, quiet: Bool, environment: [String: String]) {
    self.format = format
    self.quiet = quiet
    self.stderrIsTerminal = isatty(STDERR_FILENO) == 1
    self.stdoutIsTerminal = isatty(STDOUT_FILENO) == 1
    self.colorAllowed = environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
  }

  var isJSON: Bool { format == .json }

  /// Prints a line of data, or a block of lines: newlines and tabs pass, every other control
  /// character is escaped.
  func line(_ text: String = "") {
    print(DisplayText.escaped(text, .lines))
  }

  /// Prints text that carries the program's own terminal styling (colours).
  func line(_ text: TerminalText) {
    print(text.rendered)
  }

  /// Prints `value` as indented JSON with sorted keys.
  func json<T: Encodable>(_ value: T) throws {
    let data = try CanonicalEncoder.encodePretty(value)
    print(String(decoding: data, as: UTF8.self))
  }

  /// A note for people on stderr, unless --quiet.
  func note(_ text: String) {
    if !quiet { Diagnostics.note(text) }
  }
}

/// Text for a terminal built from pieces: text, escaped as `DisplayText` does (newlines and
/// tabs pass), and the program's own styling sequences, kept. Only code can add the latter.
struct TerminalText {
  private(set) var rendered = ""

  mutating func append(_ text: String) {
    rendered += DisplayText.escaped(text, .lines)
  }

  /// An escape sequence of the program's own: a colour, a reset, clearing the line.
  mutating func appendStyle(_ sequence: String) {
    rendered += sequence
  }
}

/// A plain-text table with left-aligned columns. Each cell is one line: control characters in
/// it, newlines included, are escaped, so a value cannot break a row or forge another.
struct TextTable {
  private var rows: [[String]]

  init(_ headers: [String]) {
    rows = [headers.map { DisplayText.escaped($0) }]
  }

  mutating func add(_ row: [String]) {
    rows.append(row.map { DisplayText.escaped($0) })
  }

  var rendered: String {
    let widths = rows[0].indices.map { column in
      rows.map { $0[column].count }.max() ?? 0
    }
    return rows.map { row in
      row.enumerated().map { column, cell in
        column == row.count - 1
          ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }.joined(separator: "\n")
  }
}

/// Byte counts for people: 1.5 MB, 320 KB.
func formatBytes(_ count: Int) -> String {
  let units = ["B", "KB", "MB", "GB", "TB"]
  var value = Double(count)
  var unit = 0
  while value >= 1000, unit < units.count - 1 {
    value /= 1000
    unit += 1
  }
  return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
}
