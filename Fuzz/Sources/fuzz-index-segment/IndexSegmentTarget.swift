import Foundation
import FuzzSupport

@testable import OpenLedgerKit

/// An attribution index segment on any bytes (Attribution/IndexSegment.swift): a bundle
/// (FuzzSupport's `FileBundle`) of its `manifest.json`, its seven files in name order, and an
/// output text, laid out as a segment directory named by the manifest's SHA-256 and opened as
/// `attribute` opens the segments on disk. When the manifest reads as
/// one, each file's size and SHA-256 in it are first set to the bundle's, as whoever crafts a
/// segment can do and a fuzzer cannot: so the fuzzer reaches what the files hold. The opened
/// segment is then queried as `attribute` and `index status` query it: every record's id,
/// contributor and contribution, the vocabulary, and attribution of the text with and without
/// a masked record. The text defaults to the vocabulary's tokens, so that it matches.
///
/// Properties besides the sanitizers: an opened segment verifies (its manifest was made to
/// agree with its files); attribution keeps every unit of credit (the records'
/// units and the unattributed units add up to the output's tokens times the units per token,
/// and the contributors' units to the records'), and every kept span is at least `minSpan`
/// tokens long and occurs at most `maxOccurrences` times.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIndexSegment(_ data: UnsafeRawPointer?, _ count: Int) -> CInt {
  let files = FileBundle.files(fuzzInput(data, count), limit: 2 + SegmentFiles.all.count)
  let scratch = ScratchDirectory.shared
  scratch.clear()
  let segmentFiles = Dictionary(
    uniqueKeysWithValues: zip(SegmentFiles.all, files.dropFirst().prefix(SegmentFiles.all.count)))
  let manifest = consistent(files[0], with: segmentFiles)
  let id = Digest.of(manifest).hex
  let directory = scratch.makeFolder(id)
  scratch.write(manifest, to: "\(id)/\(SegmentFiles.manifest)")
  for (name, bytes) in segmentFiles { scratch.write(bytes, to: "\(id)/\(name)") }
  guard let segment = try? IndexSegment(directory: directory) else { return 0 }
  expect((try? segment.verify()) != nil, "an opened segment does not verify")
  let records = min(segment.recordCount, 10_000)
  for index in 0..<records {
    _ = segment.recordID(index)
    _ = segment.contributor(ofRecord: index)
    _ = segment.contribution(ofRecord: index)
  }
  let vocabulary = segment.vocabulary()
  let text =
    files.count > 1 + SegmentFiles.all.count
    ? files[1 + SegmentFiles.all.count]
    : Array(vocabulary.prefix(2_000).map(\.token).joined(separator: " ").utf8)
  let settings = AttributionSettings(minSpan: 2, maxOccurrences: 3)
  var removed: Set<RecordID> = []
  if segment.recordCount > 0 { removed.insert(segment.recordID(0)) }
  for masked in [[], removed] {
    guard let attributor = try? Attributor(segments: [segment], removed: masked, settings: settings)
    else {
      expect(false, "valid settings refused")
      return 0
    }
    let attribution = text.withUnsafeBytes { attributor.attribute(utf8: $0) }
    expectCreditKept(attribution)
  }
  return 0
}

private func expectCreditKept(_ attribution: Attribution) {
  let recordUnits = attribution.records.reduce(UInt64(0)) { $0 + $1.units }
  let contributorUnits = attribution.contributors.reduce(UInt64(0)) { $0 + $1.units }
  expect(
    recordUnits + attribution.unattributedUnits == attribution.totalUnits,
    "records hold \(recordUnits) units and \(attribution.unattributedUnits) are unattributed, "
      + "of \(attribution.totalUnits)")
  expect(
    contributorUnits == recordUnits,
    "contributors hold \(contributorUnits) units, their records \(recordUnits)")
  for span in attribution.spans {
    expect(
      span.tokens >= attribution.settings.minSpan
        && span.count <= attribution.settings.maxOccurrences,
      "a kept span of \(span.tokens) tokens occurring \(span.count) times")
  }
}

/// `manifest` with each file's size and SHA-256 set to those of `files`, in canonical JSON; the
/// bytes as they are when they do not read as a manifest.
private func consistent(_ manifest: [UInt8], with files: [String: [UInt8]]) -> [UInt8] {
  guard var decoded = try? JSONDecoder().decode(SegmentManifest.self, from: Data(manifest)) else {
    return manifest
  }
  for index in decoded.files.indices {
    guard let bytes = files[decoded.files[index].name] else { continue }
    decoded.files[index].bytes = bytes.count
    decoded.files[index].sha256 = Digest.of(bytes)
  }
  return (try? [UInt8](CanonicalEncoder.encode(decoded))) ?? manifest
}
