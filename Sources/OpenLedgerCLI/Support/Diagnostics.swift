import Foundation

/// Writes to standard error: errors, warnings and notes for people. Data goes to standard output.
enum Diagnostics {
  static func error(_ message: String) {
    write("openledger: error: \(message)\n")
  }

  static func warning(_ message: String) {
    write("openledger: warning: \(message)\n")
  }

  static func note(_ message: String) {
    write("\(message)\n")
  }

  static func write(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
  }

  /// Flushes standard output's buffer before the process exits.
  static func flush() {
    fflush(nil)
  }
}
