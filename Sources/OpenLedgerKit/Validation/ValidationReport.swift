/// One problem a validation check found.
public struct ValidationFinding: Codable, Sendable, Equatable {
  public enum Severity: String, Codable, Sendable {
    /// The check fails.
    case error
    /// Worth a look; the check still passes.
    case warning
  }

  public var severity: Severity
  /// A stable name for scripts: `corrupt-object`, `invalid-record`, `near-duplicate`, ...
  public var code: String
  /// What is wrong and what to do, for a person.
  public var message: String
  /// The object, event, record or account concerned, as hex.
  public var subject: String?
  /// The file concerned: an input path, or a path inside the store.
  public var file: String?
  /// The line in `file`, counting from 1.
  public var line: Int?

  public init(
    _ severity: Severity, code: String, message: String, subject: String? = nil,
    file: String? = nil, line: Int? = nil
  ) {
    self.severity = severity
    self.code = code
    self.message = message
    self.subject = subject
    self.file = file
    self.line = line
  }
}

/// One named check and what it found.
public struct ValidationCheck: Codable, Sendable {
  /// What was checked, e.g. `objects` or `ledger field-notes`.
  public var name: String
  /// The kind of check: `objects`, `catalog`, `ledger`, `records`, `index`, `manifests`, `input`.
  public var category: String
  /// How many items (objects, events, records, files...) were looked at.
  public var checked: Int
  public var findings: [ValidationFinding]

  public init(name: String, category: String, checked: Int, findings: [ValidationFinding] = []) {
    self.name = name
    self.category = category
    self.checked = checked
    self.findings = findings
  }

  /// Whether no finding is an error.
  public var passed: Bool { !findings.contains { $0.severity == .error } }

  enum CodingKeys: String, CodingKey {
    case name, category, checked, findings, passed
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    name = try container.decode(String.self, forKey: .name)
    category = try container.decode(String.self, forKey: .category)
    checked = try container.decode(Int.self, forKey: .checked)
    findings = try container.decode([ValidationFinding].self, forKey: .findings)
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encode(category, forKey: .category)
    try container.encode(checked, forKey: .checked)
    try container.encode(findings, forKey: .findings)
    try container.encode(passed, forKey: .passed)
  }
}

/// Every check that ran, in order.
public struct ValidationReport: Codable, Sendable {
  public var checks: [ValidationCheck]

  public init(checks: [ValidationCheck] = []) {
    self.checks = checks
  }

  public var passed: Bool { checks.allSatisfy(\.passed) }

  /// Every warning made an error (`validate --strict`), so that every format reports the
  /// failure the exit status says.
  public mutating func treatWarningsAsErrors() {
    for check in checks.indices {
      for finding in checks[check].findings.indices {
        checks[check].findings[finding].severity = .error
      }
    }
  }

  public var errors: Int {
    checks.reduce(0) { $0 + $1.findings.filter { $0.severity == .error }.count }
  }
  public var warnings: Int {
    checks.reduce(0) { $0 + $1.findings.filter { $0.severity == .warning }.count }
  }

  enum CodingKeys: String, CodingKey {
    case checks, passed, errors, warnings
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    checks = try container.decode([ValidationCheck].self, forKey: .checks)
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(checks, forKey: .checks)
    try container.encode(passed, forKey: .passed)
    try container.encode(errors, forKey: .errors)
    try container.encode(warnings, forKey: .warnings)
  }
}
