import Foundation
import OpenLedgerKit

/// A one-line progress display on stderr: items (records, objects) and bytes done, with their
/// rates per second. Drawn only when stderr is a terminal and --quiet is off, at most ten times
/// a second, so a pipe or a CI log never sees it.
final class ProgressBar {
  private let label: String
  private let unit: String
  private let enabled: Bool
  private let total: Int?
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var drawn = false

  /// `totalBytes`, when known, adds a percentage.
  init(label: String, unit: String, output: Output, totalBytes: Int? = nil) {
    self.label = label
    self.unit = unit
    self.enabled = output.stderrIsTerminal && !output.quiet
    self.total = totalBytes
  }

  func update(items: Int, bytes: Int) {
    guard enabled else { return }
    let now = Date()
    guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
    lastDraw = now
    let elapsed = max(now.timeIntervalSince(start), 0.001)
    var text = "\(label): \(items) \(unit), \(formatBytes(bytes))"
    if let total, total > 0 {
      text += String(format: " (%.0f%%)", min(100, Double(bytes) * 100 / Double(total)))
    }
    text += " — \(formatBytes(Int(Double(bytes) / elapsed)))/s, "
    text += String(format: "%.0f \(unit)/s", Double(items) / elapsed)
    var line = TerminalText()
    line.appendStyle(Self.clearLine)
    line.append(text)
    Diagnostics.write(line)
    drawn = true
  }

  /// Draws a transfer: files and bytes done of their totals, the rate, and the time left.
  func transfer(_ progress: TransferProgress) {
    guard enabled else { return }
    let now = Date()
    guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
    lastDraw = now
    let elapsed = max(now.timeIntervalSince(start), 0.001)
    let rate = Double(progress.bytes) / elapsed
    var text = "\(label): \(progress.files)/\(progress.totalFiles) \(unit), "
    text += "\(formatBytes(progress.bytes))/\(formatBytes(progress.totalBytes))"
    if progress.totalBytes > 0 {
      let share = min(1, Double(progress.bytes) / Double(progress.totalBytes))
      text += String(format: " (%.0f%%)", share * 100)
      if rate > 0, share < 1 {
        let left = Double(progress.totalBytes - progress.bytes) / rate
        text += String(format: ", %.0f s left", left)
      }
    }
    text += " — \(formatBytes(Int(rate)))/s"
    var line = TerminalText()
    line.appendStyle(Self.clearLine)
    line.append(text)
    Diagnostics.write(line)
    drawn = true
  }

  /// Back to the start of the line, and clear it.
  private static let clearLine = "\r\u{1B}[K"

  /// A command that fails leaves no half-drawn line in front of its error message.
  deinit {
    finish()
  }

  /// Clears the line.
  func finish() {
    if drawn {
      var line = TerminalText()
      line.appendStyle(Self.clearLine)
      Diagnostics.write(line)
    }
    drawn = false
  }
}
