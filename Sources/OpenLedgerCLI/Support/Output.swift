import Foundation
import OpenLedgerKit

/// Standard output for data, in the format the user chose.
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

  /// Prints a line of data.
  func line(_ text: String = "") {
    print(text)
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

/// A plain-text table with left-aligned columns.
struct TextTable {
  private var rows: [[String]]

  init(_ headers: [String]) {
    rows = [headers]
  }

  mutating func add(_ row: [String]) {
    rows.append(row)
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
