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
      let errors = check.findings.filter { $0.severity == .error }.count
      let warnings = check.findings.count - errors
      var status = check.passed ? "ok  " : "FAIL"
      status += "  \(DisplayText.escaped(check.name)) (\(check.checked) checked"
      if errors > 0 { status += ", \(Self.count(errors, "error"))" }
      if warnings > 0 { status += ", \(Self.count(warnings, "warning"))" }
      lines.append(status + ")")
      for finding in check.findings {
        let place = location(finding).map { "\($0): " } ?? ""
        lines.append(
          "      \(DisplayText.escaped(place))\(finding.severity.rawValue): "
            + DisplayText.escaped(finding.message))
      }
    }
    let failed = report.checks.filter { !$0.passed }.count
    lines.append(
      "\(Self.count(report.checks.count, "check")): "
        + (failed == 0 ? "all passed" : "\(failed) failed")
        + " (\(Self.count(report.errors, "error")), \(Self.count(report.warnings, "warning")))")
    return lines.joined(separator: "\n")
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
        let lines = check.findings.map { finding in
          (location(finding).map { "\($0): " } ?? "") + "\(finding.severity.rawValue): "
            + finding.message
        }
        if check.findings.isEmpty {
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
  /// pointing at its file and line when it has them, then a summary line.
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
