/// Validates files before they are contributed: read as `contribute` would read them, against a
/// Datanet's schema, policy and records, writing nothing.
public struct InputValidator {
  public init() {}

  /// One check per input file (an archive entry counts as a file of its archive): schema and
  /// encoding violations and policy-refused near duplicates are errors; flagged near duplicates
  /// and exact duplicates, which `contribute` would skip, are warnings.
  public func validate(
    _ inputs: [InputPath], datanet: (store: Store, reference: String), options: IngestOptions,
    workingDirectory: String, progress: @escaping (Int, Int) -> Void = { _, _ in }
  ) throws -> ValidationReport {
    var options = options
    options.skipInvalid = true
    let report: IngestReport
    do {
      report = try Fingerprinter().analyze(
        inputs, schema: DatanetSchema(format: .text), datanet: datanet, options: options,
        progress: progress)
    } catch let error as OpenLedgerError where error.kind == .dataError {
      // An archive that cannot be read safely: the whole input fails, as contribute would.
      let archive = ((error as? ArchiveError)?.archive).map {
        FileSystem.relative($0, to: workingDirectory)
      }
      return ValidationReport(checks: [
        ValidationCheck(
          name: archive.map { "input \($0)" } ?? "input", category: "input", checked: 0,
          findings: [
            ValidationFinding(
              .error, code: "unreadable-input", message: error.description, file: archive)
          ])
      ])
    }
    return Self.checks(of: report, inputs: inputs, workingDirectory: workingDirectory)
  }

  /// Turns an analysis into one check per source file, in the order they were read. Paths
  /// under `workingDirectory` are named relative to it, as the user and CI tools name them.
  static func checks(of report: IngestReport, inputs: [InputPath], workingDirectory: String)
    -> ValidationReport
  {
    func relative(_ path: String) -> String { FileSystem.relative(path, to: workingDirectory) }
    func relative(_ location: SourceLocation) -> SourceLocation {
      SourceLocation(input: relative(location.input), line: location.line)
    }
    var order = [String]()
    var checks = [String: ValidationCheck]()
    func add(_ finding: ValidationFinding, to source: String) {
      if checks[source] == nil {
        order.append(source)
        checks[source] = ValidationCheck(
          name: "input \(relative(source))", category: "input", checked: 0)
      }
      checks[source]!.findings.append(finding)
    }
    for source in report.inputs {
      order.append(source.path)
      checks[source.path] = ValidationCheck(
        name: "input \(relative(source.path))", category: "input", checked: source.records)
    }
    let given = inputs.compactMap { input -> String? in
      if case .path(let path) = input { return path }
      return nil
    }
    func place(_ location: SourceLocation) -> (file: String, line: Int?, entry: String?) {
      if let archive = given.first(where: { location.input.hasPrefix($0 + ":") }) {
        return (relative(archive), nil, String(location.input.dropFirst(archive.count + 1)))
      }
      return (relative(location.input), location.line > 0 ? location.line : nil, nil)
    }
    func describe(_ location: SourceLocation, _ message: String) -> String {
      let (_, _, entry) = place(location)
      let prefix = entry.map { "entry \($0)" + (location.line > 0 ? " line \(location.line)" : "") }
      return prefix.map { "\($0): \(message)" } ?? message
    }
    for violation in report.violations {
      let (file, line, _) = place(violation.location)
      add(
        ValidationFinding(
          .error, code: violation.code, message: describe(violation.location, violation.message),
          file: file, line: line), to: violation.location.input)
    }
    for near in report.nearDuplicates {
      let (file, line, _) = place(near.location)
      let match =
        near.matchLocation.map { "\(relative($0))" } ?? "record \(near.matches.hex) in the Datanet"
      let jaccard = (near.estimatedJaccard * 1000).rounded() / 1000
      let refused = near.action == .rejected
      add(
        ValidationFinding(
          refused ? .error : .warning, code: "near-duplicate",
          message: describe(
            near.location,
            "near duplicate of \(match) (estimated Jaccard \(jaccard)); the Datanet's policy "
              + (refused ? "refuses it: change or drop the record" : "flags it for the curators")),
          subject: near.record.hex, file: file, line: line), to: near.location.input)
    }
    for duplicate in report.exactDuplicates {
      let (file, line, _) = place(duplicate.location)
      let first =
        duplicate.firstLocation.map { "the same as \(relative($0))" } ?? "already in the Datanet"
      add(
        ValidationFinding(
          .warning, code: "exact-duplicate",
          message: describe(duplicate.location, "\(first); contribute would not store it again"),
          subject: duplicate.record.hex, file: file, line: line), to: duplicate.location.input)
    }
    var result = ValidationReport(checks: order.compactMap { checks[$0] })
    let unlisted = report.invalid - report.violations.count
    if unlisted > 0 {
      result.checks.append(
        ValidationCheck(
          name: "input", category: "input", checked: report.recordsRead + report.invalid,
          findings: [
            ValidationFinding(
              .error, code: "more-invalid-records",
              message: "\(unlisted) more invalid record(s) are not listed; fix the ones shown first"
            )
          ]))
    }
    return result
  }
}
