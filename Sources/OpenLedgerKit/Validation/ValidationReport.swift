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
public struct ValidationCheck: Encodable, Sendable {
  /// What was checked, e.g. `objects` or `ledger field-notes`.
  public var name: String
  /// The kind of check: `objects`, `catalog`, `ledger`, `records`, `index`, `manifests`, `input`.
  public var category: String
  /// How many items (objects, events, records, files...) were looked at.
  public var checked: Int
  /// The findings listed: up to the report's `findingLimit` of each kind.
  public var findings: [ValidationFinding]
  /// Errors and warnings found past the limit: counted, not listed.
  public var unlistedErrors = 0
  public var unlistedWarnings = 0

  public init(name: String, category: String, checked: Int, findings: [ValidationFinding] = []) {
    self.name = name
    self.category = category
    self.checked = checked
    self.findings = findings
  }

  /// Whether no finding, listed or not, is an error.
  public var passed: Bool { unlistedErrors == 0 && !findings.contains { $0.severity == .error } }

  /// Every error, listed or not.
  public var errors: Int { findings.filter { $0.severity == .error }.count + unlistedErrors }
  /// Every warning, listed or not.
  public var warnings: Int { findings.filter { $0.severity == .warning }.count + unlistedWarnings }

  enum CodingKeys: String, CodingKey {
    case name, category, checked, findings, passed, errors, warnings, unlistedErrors,
      unlistedWarnings
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encode(category, forKey: .category)
    try container.encode(checked, forKey: .checked)
    try container.encode(findings, forKey: .findings)
    try container.encode(passed, forKey: .passed)
    try container.encode(errors, forKey: .errors)
    try container.encode(warnings, forKey: .warnings)
    try container.encode(unlistedErrors, forKey: .unlistedErrors)
    try container.encode(unlistedWarnings, forKey: .unlistedWarnings)
  }
}

/// Every check that ran, in order.
public struct ValidationReport: Encodable, Sendable {
  /// The most findings of one kind a check lists (the rest are counted); nil when unlimited.
  public static let defaultFindingLimit = 1000

  public var checks: [ValidationCheck]
  /// How many findings of one kind a check lists at most; nil when all are listed.
  public var findingLimit: Int?
  /// Lines for people about the whole run, that are not findings: records already in the
  /// Datanet, a limit that left findings unlisted.
  public var notes: [String] = []

  public init(checks: [ValidationCheck] = [], findingLimit: Int? = nil) {
    self.checks = checks
    self.findingLimit = findingLimit
  }

  public var passed: Bool { checks.allSatisfy(\.passed) }

  /// Findings counted but not listed, in every check.
  public var unlisted: Int { checks.reduce(0) { $0 + $1.unlistedErrors + $1.unlistedWarnings } }

  /// Adds the note saying how many findings the limit left unlisted and how to list them all;
  /// call it once the checks are complete.
  public mutating func noteUnlisted() {
    guard unlisted > 0, let findingLimit else { return }
    notes.append(
      "\(unlisted) finding(s) are counted but not listed: each check lists at most "
        + "\(findingLimit) of each kind; --max-findings 0 lists them all")
  }

  /// Every warning made an error (`validate --strict`), so that every format reports the
  /// failure the exit status says.
  public mutating func treatWarningsAsErrors() {
    for check in checks.indices {
      for finding in checks[check].findings.indices {
        checks[check].findings[finding].severity = .error
      }
      checks[check].unlistedErrors += checks[check].unlistedWarnings
      checks[check].unlistedWarnings = 0
    }
  }

  /// Every error, listed or not.
  public var errors: Int { checks.reduce(0) { $0 + $1.errors } }
  /// Every warning, listed or not.
  public var warnings: Int { checks.reduce(0) { $0 + $1.warnings } }

  enum CodingKeys: String, CodingKey {
    case checks, passed, errors, warnings, unlisted, findingLimit, notes
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(checks, forKey: .checks)
    try container.encode(passed, forKey: .passed)
    try container.encode(errors, forKey: .errors)
    try container.encode(warnings, forKey: .warnings)
    try container.encode(unlisted, forKey: .unlisted)
    try container.encode(findingLimit, forKey: .findingLimit)
    try container.encode(notes, forKey: .notes)
  }
}
