import Foundation
import OpenLedgerKit

/// Writes to standard error: errors, warnings and notes for people. Data goes to standard output.
///
/// Messages name files, entries, records and reasons that come from outside, so each is escaped
/// with `DisplayText` as one line: a message cannot clear the screen, write the clipboard, or
/// start a line that looks like another message.
enum Diagnostics {
  static func error(_ message: String) {
    write("openledger: error: \(DisplayText.escaped(message))\n")
  }

  static func warning(_ message: String) {
    write("openledger: warning: \(DisplayText.escaped(message))\n")
  }

  /// One line for people: a note, a `file:line: message`.
  static func note(_ message: String) {
    write("\(DisplayText.escaped(message))\n")
  }

  /// Lines laid out by someone else (argument parsing's usage and error text): newlines and tabs
  /// pass, other control characters are escaped.
  static func block(_ text: String) {
    write(DisplayText.escaped(text, .lines) + (text.hasSuffix("\n") ? "" : "\n"))
  }

  /// Text with the program's own terminal sequences (the progress line).
  static func write(_ text: TerminalText) {
    write(text.rendered)
  }

  private static func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  /// Flushes standard output's buffer before the process exits.
  static func flush() {
    fflush(nil)
  }
}
