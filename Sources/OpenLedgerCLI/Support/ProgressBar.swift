import Foundation
import OpenLedgerKit

/// What a progress display counts toward, when it is known before the work starts.
enum ProgressTotal {
  /// Bytes of input: files of known size.
  case bytes(Int)
  /// Items: records to index or export, objects to look at.
  case items(Int)
}

/// A one-line progress display on stderr. When the total is known it is a bar: done of total,
/// the percentage, the rate and the time left (`contribute [██████······] 52% 14.1 MB/27.0 MB,
/// 60123 records, 3.1 MB/s, 4 s left`); when it is not, counters and rates only. Drawn only
/// when stderr is a terminal and --quiet is off, at most ten times a second (and once more when
/// the work is done), so a pipe or a CI log never sees it.
final class ProgressBar {
  private let label: String
  private let unit: String
  private let enabled: Bool
  private let total: ProgressTotal?
  private let start = Date()
  private var lastDraw = Date.distantPast
  private var drawn = false
  private var finalDrawn = false

  init(label: String, unit: String, output: Output, total: ProgressTotal? = nil) {
    self.label = label
    self.unit = unit
    self.enabled = output.stderrIsTerminal && !output.quiet
    self.total = total
  }

  /// Draws `items` done (records, objects) and, for input, `bytes` read and decided.
  func update(items: Int, bytes: Int = 0) {
    guard enabled else { return }
    let now = Date()
    let elapsed = max(now.timeIntervalSince(start), 0.001)
    let text: String
    switch total {
    case .bytes(let whole) where whole > 0:
      guard shouldDraw(now, complete: bytes >= whole) else { return }
      let rate = Double(bytes) / elapsed
      text =
        Self.bar(done: Double(bytes), of: Double(whole), label: label)
        + " \(formatBytes(bytes))/\(formatBytes(whole)), \(items) \(unit), "
        + "\(formatBytes(Int(rate)))/s" + Self.timeLeft(Double(whole - bytes), rate: rate)
    case .items(let whole) where whole > 0:
      guard shouldDraw(now, complete: items >= whole) else { return }
      let rate = Double(items) / elapsed
      text =
        Self.bar(done: Double(items), of: Double(whole), label: label)
        + " \(items)/\(whole) \(unit), " + String(format: "%.0f \(unit)/s", rate)
        + Self.timeLeft(Double(whole - items), rate: rate)
    default:
      guard shouldDraw(now, complete: false) else { return }
      var counters = "\(label): \(items) \(unit)"
      if bytes > 0 { counters += ", \(formatBytes(bytes))" }
      counters += String(format: " — %.0f \(unit)/s", Double(items) / elapsed)
      if bytes > 0 { counters += ", \(formatBytes(Int(Double(bytes) / elapsed)))/s" }
      text = counters
    }
    draw(text)
  }

  /// Draws a transfer: files and bytes done of their totals, the rate, and the time left.
  func transfer(_ progress: TransferProgress) {
    guard enabled else { return }
    let now = Date()
    guard shouldDraw(now, complete: false) else { return }
    draw(
      Self.transferText(progress, elapsed: now.timeIntervalSince(start), label: label, unit: unit))
  }

  /// A transfer's line: a bar when the bytes to move are known (`clone [████······]  40%
  /// 410.2 MB/1.0 GB, 7/17 files, 180.3 MB/s, 4 s left`), counters when they are not. The time
  /// left waits for a second of transfer: the first moments' rate (connections opening, a
  /// small file) says little of the rest.
  static func transferText(
    _ progress: TransferProgress, elapsed: TimeInterval, label: String, unit: String
  ) -> String {
    let rate = Double(progress.bytes) / max(elapsed, 0.001)
    guard progress.totalBytes > 0 else {
      return "\(label): \(progress.files)/\(progress.totalFiles) \(unit), "
        + "\(formatBytes(progress.bytes)), \(formatBytes(Int(rate)))/s"
    }
    let remaining = Double(max(0, progress.totalBytes - progress.bytes))
    return bar(done: Double(progress.bytes), of: Double(progress.totalBytes), label: label)
      + " \(formatBytes(progress.bytes))/\(formatBytes(progress.totalBytes)), "
      + "\(progress.files)/\(progress.totalFiles) \(unit), \(formatBytes(Int(rate)))/s"
      + (elapsed >= 1 ? timeLeft(remaining, rate: rate) : "")
  }

  /// At most ten draws a second; the one that completes the total is always drawn, once.
  private func shouldDraw(_ now: Date, complete: Bool) -> Bool {
    if complete {
      guard !finalDrawn else { return false }
      finalDrawn = true
    } else if now.timeIntervalSince(lastDraw) < 0.1 {
      return false
    }
    lastDraw = now
    return true
  }

  private func draw(_ text: String) {
    var line = TerminalText()
    line.appendStyle(Self.clearLine)
    line.append(text)
    Diagnostics.write(line)
    drawn = true
  }

  /// `label [████████············]  40%`.
  static func bar(done: Double, of whole: Double, label: String) -> String {
    let share = max(0, min(1, done / whole))
    let width = 20
    let filled = Int((share * Double(width)).rounded(.down))
    return "\(label) [" + String(repeating: "█", count: filled)
      + String(repeating: "·", count: width - filled) + "]"
      + String(format: " %3.0f%%", share * 100)
  }

  /// `, 4 s left`, `, 2 min 5 s left`; nothing while there is no rate yet or nothing left.
  static func timeLeft(_ remaining: Double, rate: Double) -> String {
    guard rate > 0, remaining > 0 else { return "" }
    let seconds = Int((remaining / rate).rounded(.up))
    if seconds < 60 { return ", \(seconds) s left" }
    if seconds < 3600 { return ", \(seconds / 60) min \(seconds % 60) s left" }
    return ", \(seconds / 3600) h \(seconds % 3600 / 60) min left"
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
