extension DatanetChecks {
  /// Checks stored records against their Datanet's schema: each live record of a pending or
  /// accepted contribution must still be valid and canonical, as `contribute` made it. A record
  /// fails when the schema refuses it or when formatting it again changes its bytes. Up to
  /// `listLimit` findings are listed; the rest are only counted.
  func checkRecords(into check: inout ValidationCheck, listLimit: Int) throws {
    // Stored JSONL and CSV records are canonical JSON objects; text records are text. A record
    // is checked against every schema the Datanet has had, the current one first: records
    // contributed before a schema change stay valid.
    var formatters = state.schemas.reversed().map { schema in
      var stored = schema
      if stored.format == .csv { stored.format = .jsonl }
      return RecordFormatter(schema: stored)
    }
    let records = try DatanetRecords(store: store, datanet: state, statuses: [.pending, .accepted])
    // An erased record is the ledger check's finding (a redacted shard erased a record the
    // ledger never removed); here it is one more record the schema refuses.
    try records.forEachRecord(passingErased: true) { record in
      check.checked += 1
      let problem: (code: String, message: String)?
      var firstViolation: RecordViolation?
      var valid: Int?
      for index in formatters.indices {
        guard let violation = formatters[index].format(record.bytes, header: nil) else {
          valid = index
          break
        }
        firstViolation = firstViolation ?? violation
      }
      if valid == nil, let violation = firstViolation {
        problem = (violation.code, "\(violation); the schema refuses it: take it down")
      } else if let valid, !formatters[valid].canonical.elementsEqual(record.bytes) {
        problem = (
          "not-canonical",
          "its bytes are not in canonical form; records are stored as `contribute` "
            + "canonicalizes them"
        )
      } else {
        problem = nil
      }
      guard let problem else { return }
      guard check.findings.count < listLimit else {
        check.unlistedErrors += 1
        return
      }
      check.findings.append(
        ValidationFinding(
          .error, code: problem.code,
          message: "record \(record.id.hex) of contribution \(record.contribution.hex): "
            + problem.message, subject: record.id.hex))
    }
  }
}
