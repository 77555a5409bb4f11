import BenchSupport
import Foundation

/// A benchmark input file, held in memory, and the byte ranges of its documents.
struct Corpus {
  let bytes: [UInt8]
  let documents: [Range<Int>]

  /// Reads `path`, whose documents are separated by blank lines ("\n\n").
  init(blankLineSeparated path: String) throws {
    bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    documents = bytes.withUnsafeBytes(blankLineSeparatedDocuments)
  }

  /// Reads `path`, one document a line as `id<TAB>text`, ids counting from 0.
  init(tabSeparated path: String) throws {
    bytes = try Array(Data(contentsOf: URL(fileURLWithPath: path)))
    var documents: [Range<Int>] = []
    var lineStart = 0
    var textStart: Int?
    for (index, byte) in bytes.enumerated() {
      if byte == 0x09 && textStart == nil {
        textStart = index + 1
      } else if byte == 0x0a {
        documents.append((textStart ?? lineStart)..<index)
        lineStart = index + 1
        textStart = nil
      }
    }
    self.documents = documents
  }

  /// Calls `body` with the bytes of document `index`.
  func withDocument<Result>(
    _ index: Int, _ body: (UnsafeRawBufferPointer) throws -> Result
  ) rethrows -> Result {
    try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[documents[index]])) }
  }

  /// The total size of the documents, in bytes.
  var documentBytes: Int { documents.reduce(0) { $0 + $1.count } }
}

/// The median of `values`, which must not be empty.
func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  let middle = sorted.count / 2
  return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// `object` as JSON with sorted keys, on one line.
func jsonLine(_ object: [String: Any]) throws -> String {
  let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  return String(decoding: data, as: UTF8.self)
}

/// Writes `message` to standard error.
func note(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}
