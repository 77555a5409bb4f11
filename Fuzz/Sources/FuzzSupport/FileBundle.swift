import Foundation

/// Several files in one fuzz input, for the readers that take more than one: the files'
/// bytes, each followed by `separator` but the last. An input without the separator is one
/// file; one with more separators than the reader has files keeps the extra ones in its last
/// file.
public enum FileBundle {
  /// A line no file the targets read is likely to hold by chance; `Dictionaries/*.dict` lists
  /// it, so libFuzzer inserts it whole.
  public static let separator = Array("\n--next-file--\n".utf8)

  /// The files of `input`, at most `limit` of them.
  public static func files(_ input: UnsafeRawBufferPointer, limit: Int) -> [[UInt8]] {
    var files: [[UInt8]] = []
    var start = 0
    var index = 0
    let bytes = [UInt8](input)
    while index + separator.count <= bytes.count, files.count < limit - 1 {
      if bytes[index] == separator[0],
        bytes[index..<index + separator.count].elementsEqual(separator)
      {
        files.append(Array(bytes[start..<index]))
        index += separator.count
        start = index
      } else {
        index += 1
      }
    }
    files.append(Array(bytes[start...]))
    return files
  }

  /// The bundle of `files`, as the seed corpus stores it.
  public static func join(_ files: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    for (index, file) in files.enumerated() {
      if index > 0 { out.append(contentsOf: separator) }
      out.append(contentsOf: file)
    }
    return out
  }
}
