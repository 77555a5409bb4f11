import Foundation
import Testing

@testable import OpenLedgerKit

/// The path of a fixture in Inputs/archives/ (made by make-fixtures.py there).
func archiveFixture(_ name: String) -> String {
  Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Inputs/archives")!
}

/// What a reader yielded: each regular file's path and bytes, in order.
struct ReadResult {
  var entries: [(path: String, bytes: [UInt8])] = []
  var error: ArchiveError?

  var paths: [String] { entries.map(\.path) }
}

/// Reads every entry of `reader`, chunk by chunk, until the end or the first error.
func readAll(_ reader: ArchiveReader) -> ReadResult {
  var result = ReadResult()
  do {
    while let entry = try reader.nextEntry() {
      var bytes = [UInt8]()
      while let chunk = try reader.readChunk() {
        #expect(chunk.count <= 64 * 1024)
        bytes.append(contentsOf: chunk)
      }
      result.entries.append((entry.path, bytes))
    }
  } catch {
    result.error = error
  }
  return result
}

/// Opens the fixture `name` and reads it whole.
func readFixture(_ name: String, limits: ArchiveLimits = ArchiveLimits()) -> ReadResult {
  do {
    return readAll(try ArchiveReader(path: archiveFixture(name), limits: limits))
  } catch {
    return ReadResult(error: error)
  }
}

/// The corpus every good fixture holds (see make-fixtures.py), in tar order.
let corpus: [(path: String, text: String)] = [
  ("corpus/README.txt", "A tiny corpus for the archive reader's tests.\n"),
  ("corpus/empty.txt", ""),
  (
    "corpus/papers/2024/abstracts.jsonl",
    #"{"id": 1, "text": "Suffix arrays index every substring of a corpus."}"# + "\n"
      + #"{"id": 2, "text": "MinHash estimates the Jaccard similarity of two sets."}"# + "\n"
      + #"{"id": 3, "text": "Merkle proofs let anyone check one leaf against a root."}"# + "\n"
  ),
  ("corpus/papers/notes.txt", "Read the abstracts first.\r\nThen the notes.\r\n"),
  ("corpus/donn\u{E9}es/\u{E9}t\u{E9}.txt", "Caf\u{E9} cr\u{E8}me, na\u{EF}ve r\u{E9}sum\u{E9}.\n"),
]

/// The content of every data.jsonl.* fixture.
let singleFileContent = (1...5).map {
  #"{"id": \#($0), "text": "line \#($0) of a single compressed file"}"# + "\n"
}.joined()
