/// The byte ranges of the documents in `bytes`, which are separated by blank lines ("\n\n");
/// empty documents are skipped. The benchmarks' corpora are written this way.
public func blankLineSeparatedDocuments(_ bytes: UnsafeRawBufferPointer) -> [Range<Int>] {
  var documents: [Range<Int>] = []
  var start = 0
  var index = 0
  while index + 1 < bytes.count {
    if bytes[index] == 0x0a && bytes[index + 1] == 0x0a {
      if index > start { documents.append(start..<index) }
      index += 2
      start = index
    } else {
      index += 1
    }
  }
  if start < bytes.count { documents.append(start..<bytes.count) }
  return documents
}
