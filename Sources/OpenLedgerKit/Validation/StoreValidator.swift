import GRDB

/// The store and the Datanet the per-Datanet checks look at. Each check is a method of its own
/// file (`checkIndex` in IndexCheck.swift, ...) that fills in the check `StoreValidator` names.
struct DatanetChecks {
  let store: Store
  let state: DatanetState
}

/// Validates a store, or one Datanet in it: every check of `openledger validate` without paths.
public struct StoreValidator {
  public let store: Store

  public init(store: Store) {
    self.store = store
  }

  /// Runs every check; `datanet` limits the per-Datanet checks to one Datanet. Objects are
  /// re-hashed store-wide either way, since Datanets can share them. `progress` is called with
  /// the name of each check as it starts, `objects` after each object re-hashed with the objects
  /// done so far and their total.
  public func validate(
    datanet reference: String?, findingLimit: Int? = ValidationReport.defaultFindingLimit,
    objects: (_ done: Int, _ total: Int) -> Void = { _, _ in },
    progress: (String) -> Void = { _ in }
  ) throws -> ValidationReport {
    var report = ValidationReport(findingLimit: findingLimit)
    let ledger = Ledger(store: store)
    let datanets = try reference.map { [try ledger.datanet($0)] } ?? ledger.datanets()
    progress("objects")
    let fsck = try store.fsck { done, total, _ in objects(done, total) }
    report.checks.append(Self.objectsCheck(fsck))
    report.checks.append(Self.catalogCheck(fsck))
    report.checks.append(Self.guarded("staging", category: "catalog", checkStaging))
    progress("ledger")
    var replay: (general: [ValidationCheck], byDatanet: [Digest: ValidationCheck])
    do {
      replay = try ledgerChecks(datanets, scope: reference.map { _ in datanets[0].id })
    } catch {
      replay = ([Self.unfinished("ledger", category: "ledger", error)], [:])
    }
    report.checks += replay.general
    let unrecorded = Result { try ManifestObjectsCheck.unrecordedManifests(in: store) }
    for state in datanets {
      progress("Datanet \(state.name)")
      if let check = replay.byDatanet[state.id] { report.checks.append(check) }
      report.checks += checks(of: state, findingLimit: findingLimit ?? Int.max)
      report.checks.append(
        Self.guarded("unrecorded manifests \(state.name)", category: "manifests") {
          try ManifestObjectsCheck(
            store: store, state: state, unrecorded: unrecorded.get()[state.id] ?? []
          ).run(into: &$0)
        })
    }
    report.noteUnlisted()
    return report
  }

  /// The checks of one Datanet beyond its ledger.
  func checks(of state: DatanetState, findingLimit: Int) -> [ValidationCheck] {
    let datanet = DatanetChecks(store: store, state: state)
    return [
      Self.guarded("records \(state.name)", category: "records") {
        try datanet.checkRecords(into: &$0, listLimit: findingLimit)
      },
      Self.guarded("index \(state.name)", category: "index", datanet.checkIndex),
      Self.guarded("near-duplicates \(state.name)", category: "index", datanet.checkNearDuplicates),
      Self.guarded("manifests \(state.name)", category: "manifests", datanet.checkManifests),
    ]
  }

  /// Runs a check, which counts what it looked at and adds its findings to the check named
  /// here; when it cannot finish (an object it needs is corrupt or missing, say), the check
  /// fails with that error as its finding, and the other checks still run.
  static func guarded(
    _ name: String, category: String, _ body: (inout ValidationCheck) throws -> Void
  ) -> ValidationCheck {
    var check = ValidationCheck(name: name, category: category, checked: 0)
    do {
      try body(&check)
      return check
    } catch {
      return unfinished(name, category: category, error)
    }
  }

  static func unfinished(_ name: String, category: String, _ error: Error) -> ValidationCheck {
    ValidationCheck(
      name: name, category: category, checked: 0,
      findings: [
        ValidationFinding(
          .error, code: "check-unfinished",
          message: "the check could not finish: \(error); see the other findings (objects, "
            + "ledger) for the cause")
      ])
  }

  /// The ledger replayed from the objects (once, for all of `datanets`), as one check per
  /// Datanet, and one more for findings that belong to no Datanet the catalog knows.
  func ledgerChecks(_ datanets: [DatanetState], scope: Digest?) throws
    -> (general: [ValidationCheck], byDatanet: [Digest: ValidationCheck])
  {
    let verification = try store.verifyLedger(datanet: scope)
    let counts = try store.catalog.read { db in
      try Row.fetchAll(db, sql: "SELECT datanet, COUNT(*) AS n FROM events GROUP BY datanet")
        .reduce(into: [String: Int]()) { $0[$1["datanet"]] = $1["n"] }
    }
    var byDatanet = [Digest: ValidationCheck]()
    for state in datanets {
      byDatanet[state.id] = ValidationCheck(
        name: "ledger \(state.name)", category: "ledger", checked: counts[state.id.hex] ?? 0)
    }
    var general = ValidationCheck(name: "ledger", category: "ledger", checked: verification.events)
    for finding in verification.findings {
      let converted = Self.finding(finding)
      if let datanet = finding.datanet, byDatanet[datanet] != nil {
        byDatanet[datanet]!.findings.append(converted)
      } else {
        general.findings.append(converted)
      }
    }
    return (general.findings.isEmpty ? [] : [general], byDatanet)
  }

  static func finding(_ finding: LedgerFinding) -> ValidationFinding {
    let code =
      switch finding.kind {
      case .unverifiable: "unverifiable-event"
      case .missingParent: "missing-parent"
      case .refused: "refused-event"
      case .missingObject: "missing-event-object"
      case .catalogMismatch: "catalog-mismatch"
      case .badTombstone: "bad-tombstone"
      case .overridden: "overridden-event"
      case .interruptedWrite: "interrupted-write"
      }
    let subject = finding.event ?? finding.object ?? finding.record
    var message = finding.message
    if let event = finding.event, !message.contains(event.hex) {
      message = "event \(event.hex): \(message)"
    }
    // An overridden event is how a concurrent conflict ends, not damage: worth a look only.
    // Nor is a write that died before committing, which the next write undoes.
    let severity: ValidationFinding.Severity =
      finding.kind == .overridden || finding.kind == .interruptedWrite ? .warning : .error
    return ValidationFinding(severity, code: code, message: message, subject: subject?.hex)
  }

  /// Every object re-hashed, and stray files under `objects/`.
  static func objectsCheck(_ fsck: FsckReport) -> ValidationCheck {
    ValidationCheck(
      name: "objects", category: "objects", checked: fsck.objectsChecked,
      findings: fsck.problems.filter { $0.kind != .missing }.map { problem in
        ValidationFinding(
          .error, code: problem.kind == .corrupt ? "corrupt-object" : "stray-file",
          message: problem.message
            + (problem.kind == .corrupt
              ? "; restore it from a copy of the store, or remove what references it" : ""),
          subject: problem.object, file: problem.path)
      })
  }

  /// Every object the catalog references is on disk.
  /// Staging files a killed command left in `tmp/`: a warning, since the next write sweeps
  /// them, but they can be large.
  func checkStaging(into check: inout ValidationCheck) throws {
    let stale = try store.staleStagingFiles()
    check.checked = stale.count
    check.findings = stale.map { file in
      ValidationFinding(
        .warning, code: "stale-staging-file",
        message: "a staging file of \(file.bytes) bytes was left by a command that did not "
          + "finish; the next write to the store (or `openledger gc`) removes it",
        file: file.path)
    }
  }

  static func catalogCheck(_ fsck: FsckReport) -> ValidationCheck {
    ValidationCheck(
      name: "catalog", category: "catalog", checked: fsck.objectsChecked,
      findings: fsck.problems.filter { $0.kind == .missing }.map { problem in
        ValidationFinding(
          .error, code: "missing-object",
          message: problem.message + "; restore it from a copy of the store",
          subject: problem.object, file: problem.path)
      })
  }
}
