extension DatanetChecks {
  /// Checks a Datanet's near-duplicate index: each file the catalog lists is on disk, well formed,
  /// named by the SHA-256 of its bytes, and holds as many records as the catalog says. Without
  /// its files `contribute` and `fingerprint` cannot run; `rebuild-catalog` recomputes them.
  func checkNearDuplicates(into check: inout ValidationCheck) throws {
    let listed = try store.nearDuplicateSegments(of: state.id)
    check.checked = listed.count
    let directory = NearDuplicateIndex.directory(of: state.id, indexes: store.indexesDirectory)
    let repair = "; run `openledger rebuild-catalog` to rebuild the index"
    // A merge by a running contribution may replace a file after the list was read; such a
    // file is no longer listed and is not a finding.
    var current: Set<String>?
    for (file, records) in listed {
      let path = "\(directory)/\(file)"
      func fail(_ code: String, _ message: String) {
        check.findings.append(
          ValidationFinding(.error, code: code, message: message + repair, file: path))
      }
      let segment: NearDuplicateSegment
      do {
        segment = try NearDuplicateSegment(path: path)
      } catch NearDuplicateIndexError.missingSegment {
        if current == nil {
          current = Set(try store.nearDuplicateSegments(of: state.id).map(\.file))
        }
        if current?.contains(file) == true {
          fail(
            "missing-near-duplicate-segment",
            "the near-duplicate index file \(file) is listed in the catalog but missing, so "
              + "`contribute` and `fingerprint` refuse to run")
        }
        continue
      } catch NearDuplicateIndexError.malformedSegment {
        fail("corrupt-near-duplicate-segment", "the near-duplicate index file \(file) is damaged")
        continue
      }
      let digest = Digest.of(segment.file.bytes)
      if "\(digest.hex).seg" != file {
        fail(
          "corrupt-near-duplicate-segment",
          "the near-duplicate index file \(file) is damaged: its bytes hash to \(digest.hex)")
      } else if segment.recordCount != records {
        fail(
          "near-duplicate-segment-mismatch",
          "the near-duplicate index file \(file) holds \(segment.recordCount) records, the "
            + "catalog says \(records)")
      }
    }
  }
}
