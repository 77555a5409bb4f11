extension DatanetChecks {
  /// Checks a Datanet's attribution index segments: each one the catalog lists is on disk, its
  /// manifest matches its id, every file hashes to what the manifest records, and its record and
  /// token counts agree with the catalog.
  func checkIndex(into check: inout ValidationCheck) throws {
    let index = AttributionIndex(store: store, datanet: state)
    let segments = try index.segments()
    check.checked = segments.count
    let directory = AttributionIndex.directory(of: state.id, indexes: store.indexesDirectory)
    for listed in segments {
      let path = "\(directory)/\(listed.id.hex)"
      func fail(_ code: String, _ message: String) {
        check.findings.append(
          ValidationFinding(
            .error, code: code, message: "index segment \(listed.id.hex): \(message)",
            subject: listed.id.hex, file: path))
      }
      do {
        let segment = try IndexSegment(directory: path)
        try segment.verify()
        if segment.recordCount != listed.records || segment.tokenCount != listed.tokens {
          fail(
            "segment-mismatch",
            "it holds \(segment.recordCount) records and \(segment.tokenCount) tokens, "
              + "the catalog says \(listed.records) and \(listed.tokens); rebuild the index with "
              + "`openledger index compact \(state.name)`")
        }
      } catch let error as OpenLedgerError where error.kind != .internalError {
        // The segment's own errors say how to rebuild it.
        fail(error.kind == .notFound ? "missing-segment" : "corrupt-segment", "\(error)")
      }
    }
  }
}
