import Foundation
import FuzzSupport

@testable import OpenLedgerKit

/// A near-duplicate index file on any bytes (Fingerprint/NearDuplicateIndex.swift): opened as
/// `contribute` opens the files its catalog lists, searched as it searches them for each new
/// record (each record's band keys give candidates, whose signatures are compared), and merged
/// as the index's maintenance merges files.
///
/// Properties besides the sanitizers: a record's own band keys find it (when the file is what
/// the writer wrote), and a merge of one file keeps its records and signatures in order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNearDuplicateSegment(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let scratch = ScratchDirectory.shared
  scratch.clear()
  let path = scratch.write([UInt8](fuzzInput(data, count)), to: "input.seg")
  guard let segment = try? NearDuplicateSegment(path: path) else { return 0 }
  search(segment)
  guard segment.recordCount <= 4096 else { return 0 }
  let folder = scratch.makeFolder("merged")
  guard
    let name = try? NearDuplicateSegment.merge([segment], into: folder, stagingDirectory: folder),
    let merged = try? NearDuplicateSegment(path: "\(folder)/\(name)")
  else {
    expect(false, "a merge of one readable file fails")
    return 0
  }
  expect(merged.recordCount == segment.recordCount, "the merge changed the record count")
  for record in 0..<merged.recordCount {
    expect(
      merged.recordID(record) == segment.recordID(record)
        && Array(merged.signature(record)) == Array(segment.signature(record)),
      "the merge changed record \(record)")
    var found: [Int] = []
    do {
      for band in 0..<CompactSignature.bands {
        try merged.records(
          withKey: CompactSignature.bandKey(band, merged.signature(record)), into: &found)
      }
    } catch {
      expect(false, "a file the writer wrote is refused: \(error)")
    }
    expect(found.contains(record), "record \(record) is not found by its own band keys")
  }
  return 0
}

/// Looks up each record's band keys and compares the candidates' signatures, as `contribute`
/// does for a new record, until the file turns out damaged.
private func search(_ segment: NearDuplicateSegment) {
  var candidates: [Int] = []
  do {
    for record in 0..<min(segment.recordCount, 256) {
      candidates.removeAll(keepingCapacity: true)
      let signature = segment.signature(record)
      for band in 0..<CompactSignature.bands {
        try segment.records(withKey: CompactSignature.bandKey(band, signature), into: &candidates)
      }
      for candidate in Set(candidates) {
        _ = CompactSignature.agreement(signature, segment.signature(candidate))
        _ = segment.recordID(candidate)
      }
    }
  } catch {
    return
  }
}
