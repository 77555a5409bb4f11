/// Validates a store, or one Datanet in it: every check of `openledger validate` without paths.
public struct StoreValidator {
  public let store: Store

  public init(store: Store) {
    self.store = store
  }

  /// Runs every check; `datanet` limits the per-Datanet checks to one Datanet. Objects are
  /// re-hashed store-wide either way, since Datanets can share them. `progress` is called with
  /// the name of each check as it starts.
  public func validate(datanet reference: String?, progress: (String) -> Void = { _ in })
    throws -> ValidationReport
  {
    var report = ValidationReport()
    let ledger = Ledger(store: store)
    let datanets = try reference.map { [try ledger.datanet($0)] } ?? ledger.datanets()
    progress("objects")
    let fsck = try store.fsck()
    report.checks.append(Self.objectsCheck(fsck))
    report.checks.append(Self.catalogCheck(fsck))
    for state in datanets {
      progress("Datanet \(state.name)")
      report.checks += try checks(of: state)
    }
    return report
  }

  /// The checks of one Datanet.
  func checks(of state: DatanetState) throws -> [ValidationCheck] {
    []
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
