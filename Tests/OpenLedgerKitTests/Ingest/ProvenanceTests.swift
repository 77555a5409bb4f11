import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct ProvenanceTests {
  /// Records of two inputs: consecutive lines make one run, a gap starts another, and a
  /// whole-file record is the run [0, 1].
  func sample() -> Provenance {
    var builder = ProvenanceBuilder(inputs: [
      ("data.tar.gz", "a/b.jsonl"), ("empty.jsonl", nil), ("notes \"x\".txt", nil),
    ])
    for line in [1, 2, 3, 5, 6] { builder.addRecord(input: 0, line: line) }
    builder.addRecord(input: 2, line: 0)
    return builder.provenance
  }

  @Test func runsCoverEveryRecordInOrder() {
    let provenance = sample()
    #expect(provenance.records == 6)
    #expect(
      provenance.sources[0].lines
        == [Provenance.Run(first: 1, count: 3), Provenance.Run(first: 5, count: 2)])
    #expect(provenance.sources[1].lines.isEmpty)
    let sources = (0..<7).map { provenance.source(ofRecord: $0) }
    #expect(sources.map { $0?.line } == [1, 2, 3, 5, 6, nil, nil])
    #expect(sources[4] == RecordSource(path: "data.tar.gz", entry: "a/b.jsonl", line: 6))
    #expect(sources[5] == RecordSource(path: "notes \"x\".txt", entry: nil, line: nil))
    #expect(sources[6] == nil)
    #expect(provenance.source(ofRecord: -1) == nil)
  }

  @Test func theObjectIsCanonicalJSONAndReadsBack() throws {
    let provenance = sample()
    let encoded = provenance.encoded()
    #expect(
      String(decoding: encoded, as: UTF8.self)
        == "{\"format\":\"openledger-provenance\",\"records\":6,\"sources\":["
        + "{\"entry\":\"a/b.jsonl\",\"lines\":[[1,3],[5,2]],\"path\":\"data.tar.gz\"},"
        + "{\"lines\":[],\"path\":\"empty.jsonl\"},"
        + "{\"lines\":[[0,1]],\"path\":\"notes \\\"x\\\".txt\"}],\"version\":1}")
    // The same bytes as sorted-key JSON encoding gives.
    let object = try JSONSerialization.jsonObject(with: encoded)
    let sorted = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    #expect(sorted == encoded)
    #expect(try Provenance.decode(encoded, name: "test") == provenance)
    let renamed = provenance.renamingPaths { "in/\($0)" }
    #expect(renamed.source(ofRecord: 0)?.path == "in/data.tar.gz")
  }

  @Test(arguments: [
    (
      "{\"format\":\"openledger-provenance\",\"records\":2,\"sources\":[{\"lines\":[[1,1]],\"path\":\"a\"}],\"version\":1}",
      "runs hold 1"
    ),
    (
      "{\"format\":\"openledger-provenance\",\"records\":1,\"sources\":[{\"lines\":[[1]],\"path\":\"a\"}],\"version\":1}",
      "[1]"
    ),
    (
      "{\"format\":\"openledger-provenance\",\"records\":2,\"sources\":[{\"lines\":[[0,2]],\"path\":\"a\"}],\"version\":1}",
      "[0, 2]"
    ),
    (
      "{\"format\":\"openledger-provenance\",\"records\":0,\"sources\":[],\"version\":2}",
      "version 2"
    ),
    ("[]", "malformed"),
  ])
  func malformedObjectsAreRefused(_ text: String, _ expected: String) {
    #expect {
      try Provenance.decode(Data(text.utf8), name: "p")
    } throws: { error in
      "\(error)".contains(expected) && "\(error)".contains("provenance object p")
    }
  }
}
