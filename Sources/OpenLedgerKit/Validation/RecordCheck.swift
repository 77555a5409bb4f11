/// Checks stored records against their Datanet's schema: each live record of a pending or
/// accepted contribution must still be valid and canonical, as `contribute` made it. A record
/// fails when the schema refuses it or when formatting it again changes its bytes.
struct RecordCheck {
  /// How many findings are listed before the rest are counted in one.
  static let listLimit = 100

  let store: Store
  let state: DatanetState

  func run() throws -> ValidationCheck {
    // Stored JSONL and CSV records are canonical JSON objects; text records are text.
    var storedSchema = state.schema
    if storedSchema.format == .csv { storedSchema.format = .jsonl }
    var formatter = RecordFormatter(schema: storedSchema)
    var check = ValidationCheck(name: "records \(state.name)", category: "records", checked: 0)
    var unlisted = 0
    let records = try DatanetRecords(store: store, datanet: state, statuses: [.pending, .accepted])
    try records.forEachRecord { record in
      check.checked += 1
      let problem: (code: String, message: String)?
      if let violation = formatter.format(record.bytes, header: nil) {
        problem = (violation.code, "\(violation); the schema refuses it: take it down")
      } else if !formatter.canonical.elementsEqual(record.bytes) {
        problem = (
          "not-canonical",
          "its bytes are not in canonical form; records are stored as `contribute` "
            + "canonicalizes them"
        )
      } else {
        problem = nil
      }
      guard let problem else { return }
      guard check.findings.count < Self.listLimit else {
        unlisted += 1
        return
      }
      check.findings.append(
        ValidationFinding(
          .error, code: problem.code,
          message: "record \(record.id.hex) of contribution \(record.contribution.hex): "
            + problem.message, subject: record.id.hex))
    }
    if unlisted > 0 {
      check.findings.append(
        ValidationFinding(
          .error, code: "more-invalid-records",
          message: "\(unlisted) more invalid record(s) in \(state.name) are not listed"))
    }
    return check
  }
}
