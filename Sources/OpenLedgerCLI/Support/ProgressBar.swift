import Foundation

/// A one-line progress display on stderr: items and bytes done, with rates. Drawn only when
/// stderr is a terminal and --quiet is off, at most ten times a second.
final class ProgressBar {
  private let label: String
  private let enabled: Bool
  private let total: Int?
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var drawn = false

  /// `totalBytes`, when known, adds a percentage.
  init(label: String, output: Output, totalBytes: Int? = nil) {
    self.label = label
    self.enabled = output.stderrIsTerminal && !output.quiet
    self.total = totalBytes
  }

  func update(items: Int, bytes: Int) {
    guard enabled else { return }
    let now = Date()
    guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
    lastDraw = now
    let elapsed = max(now.timeIntervalSince(start), 0.001)
    var text = "\(label): \(items) items, \(formatBytes(bytes))"
    if let total, total > 0 {
      text += String(format: " (%.0f%%)", min(100, Double(bytes) * 100 / Double(total)))
    }
    text += " — \(formatBytes(Int(Double(bytes) / elapsed)))/s, "
    text += String(format: "%.0f items/s", Double(items) / elapsed)
    Diagnostics.write("\r\u{1B}[K" + text)
    drawn = true
  }

  /// Clears the line.
  func finish() {
    if drawn { Diagnostics.write("\r\u{1B}[K") }
    drawn = false
  }
}
