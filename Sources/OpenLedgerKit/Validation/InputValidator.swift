/// Validates files before they are contributed: read as `contribute` would read them, against a
/// Datanet's schema, policy and records, writing nothing.
public struct InputValidator {
  public init() {}

  /// One check per input file (an archive entry counts as a file of its archive), with the
  /// verdicts `contribute` would give: schema and encoding violations are errors (contribute
  /// refuses the input); near duplicates, flagged or refused by the policy, and exact
  /// duplicates inside the input are warnings (contribute stores the rest). Records already in
  /// the Datanet are one note, not a finding each: contributing them again is harmless.
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
    var result = Self.checks(of: report, inputs: inputs, workingDirectory: workingDirectory)
    result.findingLimit = options.listLimit == Int.max ? nil : options.listLimit
    result.noteUnlisted()
    return result
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
          .warning, code: refused ? "near-duplicate-refused" : "near-duplicate",
          message: describe(
            near.location,
            "near duplicate of \(match) (estimated Jaccard \(jaccard)); the Datanet's policy "
              + (refused
                ? "refuses it: contribute would leave it out and store the rest"
                : "flags it for the curators")),
          subject: near.record.hex, file: file, line: line), to: near.location.input)
    }
    var inDatanet: ExactDuplicate?
    for duplicate in report.exactDuplicates {
      guard let first = duplicate.firstLocation else {
        inDatanet = inDatanet ?? duplicate
        continue
      }
      let (file, line, _) = place(duplicate.location)
      add(
        ValidationFinding(
          .warning, code: "exact-duplicate",
          message: describe(
            duplicate.location,
            "the same as \(relative(first)); contribute would store it once"),
          subject: duplicate.record.hex, file: file, line: line), to: duplicate.location.input)
    }
    // What the lists left out is counted in the check of the file it is in.
    for (index, source) in report.inputs.enumerated() where index < report.findingsByInput.count {
      let counts = report.findingsByInput[index]
      guard var check = checks[source.path] else { continue }
      let listedErrors = check.findings.filter { $0.severity == .error }.count
      let listedWarnings = check.findings.count - listedErrors
      check.unlistedErrors = max(0, counts.invalid - listedErrors)
      check.unlistedWarnings = max(
        0,
        counts.exactDuplicatesInInput + counts.nearDuplicatesFlagged
          + counts.nearDuplicatesRejected - listedWarnings)
      checks[source.path] = check
    }
    var result = ValidationReport(checks: order.compactMap { checks[$0] })
    if report.exactDuplicatesInDatanet > 0 {
      let example = inDatanet.map { duplicate -> String in
        let (file, line, entry) = place(duplicate.location)
        return " (e.g. " + (entry.map { "\(file) entry \($0)" } ?? file)
          + (line.map { ":\($0)" } ?? "") + ")"
      }
      result.notes.append(
        "\(report.exactDuplicatesInDatanet) record(s) are already in the Datanet\(example ?? ""); "
          + "contribute would not store them again")
    }
    return result
  }
}
