import Foundation
import OpenLedgerKit

/// Renders a validation report as text for people, JUnit XML for CI test reports, or GitHub
/// workflow annotations.
struct ValidationPrinter {
  let workingDirectory: String

  /// A path relative to the working directory when it is under it, as CI tools expect.
  func relative(_ path: String) -> String { FileSystem.relative(path, to: workingDirectory) }

  func location(_ finding: ValidationFinding) -> String? {
    guard let file = finding.file else { return nil }
    return relative(file) + (finding.line.map { ":\($0)" } ?? "")
  }

  /// "1 check", "2 checks".
  static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }

  // MARK: Text

  func text(_ report: ValidationReport) -> String {
    var lines = [String]()
    for check in report.checks {
      var status = check.passed ? "ok  " : "FAIL"
      status += "  \(DisplayText.escaped(check.name)) (\(check.checked) checked"
      if check.errors > 0 { status += ", \(Self.count(check.errors, "error"))" }
      if check.warnings > 0 { status += ", \(Self.count(check.warnings, "warning"))" }
      lines.append(status + ")")
      for finding in check.findings {
        let place = location(finding).map { "\($0): " } ?? ""
        lines.append(
          "      \(DisplayText.escaped(place))\(finding.severity.rawValue): "
            + DisplayText.escaped(finding.message))
      }
      if let unlisted = Self.unlisted(check) { lines.append("      \(unlisted)") }
    }
    for note in report.notes { lines.append("note: " + DisplayText.escaped(note)) }
    lines.append(Self.summary(report))
    return lines.joined(separator: "\n")
  }

  /// The closing line: checks, failures and every finding, listed or not.
  static func summary(_ report: ValidationReport) -> String {
    let failed = report.checks.filter { !$0.passed }.count
    return "\(Self.count(report.checks.count, "check")): "
      + (failed == 0 ? "all passed" : "\(failed) failed")
      + " (\(Self.count(report.errors, "error")), \(Self.count(report.warnings, "warning")))"
  }

  /// "… and 1000 more warnings, not listed", for a check whose findings passed the limit.
  static func unlisted(_ check: ValidationCheck) -> String? {
    var parts = [String]()
    if check.unlistedErrors > 0 { parts.append(count(check.unlistedErrors, "more error")) }
    if check.unlistedWarnings > 0 { parts.append(count(check.unlistedWarnings, "more warning")) }
    return parts.isEmpty ? nil : "… and " + parts.joined(separator: " and ") + ", not listed"
  }

  // MARK: JUnit

  /// JUnit XML: a test suite per category, a test case per check, and for a failed check one
  /// `failure` whose message is its first error and whose body lists every finding.
  func junit(_ report: ValidationReport) -> String {
    var categories = [String]()
    for check in report.checks where !categories.contains(check.category) {
      categories.append(check.category)
    }
    let failures = report.checks.filter { !$0.passed }.count
    var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    xml +=
      "<testsuites name=\"openledger validate\" tests=\"\(report.checks.count)\" "
      + "failures=\"\(failures)\" errors=\"0\">\n"
    for category in categories {
      let checks = report.checks.filter { $0.category == category }
      xml +=
        "  <testsuite name=\"\(Self.escape(category))\" tests=\"\(checks.count)\" "
        + "failures=\"\(checks.filter { !$0.passed }.count)\" errors=\"0\" skipped=\"0\">\n"
      for check in checks {
        xml +=
          "    <testcase classname=\"openledger.validate.\(Self.escape(category))\" "
          + "name=\"\(Self.escape(check.name))\""
        let lines =
          check.findings.map { finding in
            (location(finding).map { "\($0): " } ?? "") + "\(finding.severity.rawValue): "
              + finding.message
          } + [Self.unlisted(check)].compactMap { $0 }
        if lines.isEmpty {
          xml += "/>\n"
          continue
        }
        xml += ">\n"
        if let first = check.findings.first(where: { $0.severity == .error }) {
          xml +=
            "      <failure type=\"\(Self.escape(first.code))\" message=\"\(Self.escape(first.message))\">"
            + Self.escape(lines.joined(separator: "\n")) + "</failure>\n"
        } else {
          xml +=
            "      <system-out>" + Self.escape(lines.joined(separator: "\n")) + "</system-out>\n"
        }
        xml += "    </testcase>\n"
      }
      xml += "  </testsuite>\n"
    }
    if !report.notes.isEmpty {
      // Notes are no test: a suite of none carries them, so every reporter shows them.
      xml += "  <testsuite name=\"notes\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\">\n"
      xml +=
        "    <system-out>" + Self.escape(report.notes.joined(separator: "\n")) + "</system-out>\n"
      xml += "  </testsuite>\n"
    }
    xml += "</testsuites>"
    return xml
  }

  /// Escapes text for XML content and attributes; drops characters XML 1.0 cannot carry.
  static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\n": out += "&#10;"
      case "\t": out += "&#9;"
      default:
        if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) {
          out += "\u{FFFD}"
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out
  }

  // MARK: GitHub

  /// GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding,
  /// pointing at its file and line when it has them, one per check whose findings passed the
  /// limit, a `::notice` per note, then a summary line.
  func github(_ report: ValidationReport) -> String {
    var lines = [String]()
    for check in report.checks {
      for finding in check.findings {
        var properties = [String]()
        if let file = finding.file { properties.append("file=" + Self.property(relative(file))) }
        if let line = finding.line { properties.append("line=\(line)") }
        properties.append("title=" + Self.property("openledger \(check.name): \(finding.code)"))
        lines.append(
          "::\(finding.severity.rawValue) \(properties.joined(separator: ","))::"
            + Self.data(finding.message))
      }
    }
    for check in report.checks {
      guard let unlisted = Self.unlisted(check) else { continue }
      let severity = check.unlistedErrors > 0 ? "error" : "warning"
      lines.append(
        "::\(severity) title=" + Self.property("openledger \(check.name)") + "::"
          + Self.data(unlisted))
    }
    for note in report.notes {
      lines.append("::notice title=openledger validate::" + Self.data(note))
    }
    let failed = report.checks.filter { !$0.passed }.count
    lines.append(
      "openledger validate: \(Self.count(report.checks.count, "check")), \(failed) failed, "
        + "\(Self.count(report.errors, "error")), \(Self.count(report.warnings, "warning"))")
    return lines.joined(separator: "\n")
  }

  /// Escapes a workflow command's message.
  static func data(_ text: String) -> String {
    text.replacingOccurrences(of: "%", with: "%25")
      .replacingOccurrences(of: "\r", with: "%0D")
      .replacingOccurrences(of: "\n", with: "%0A")
  }

  /// Escapes a workflow command's property value.
  static func property(_ text: String) -> String {
    data(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
  }
}
