import Foundation

/// Stops the process when a property every input must have does not hold: libFuzzer reports
/// the abort as a crash and saves the input, as it does for a sanitizer's finding.
public func expect(
  _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
  file: StaticString = #fileID, line: UInt = #line
) {
  guard !condition() else { return }
  FileHandle.standardError.write(Data("\(file):\(line): property failed: \(message())\n".utf8))
  abort()
}

/// The bytes of a fuzz input, given as libFuzzer passes them.
public func fuzzInput(_ data: UnsafeRawPointer?, _ count: Int) -> UnsafeRawBufferPointer {
  UnsafeRawBufferPointer(start: count > 0 ? data : nil, count: count)
}
