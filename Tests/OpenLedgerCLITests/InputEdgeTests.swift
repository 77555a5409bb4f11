import Foundation
import Testing

/// End-to-end: input that is wrong in ways easy to misreport is refused with the line it is on
/// and what is wrong there.
@Suite struct InputEdgeTests {
  func setUp(_ format: String, _ extra: [String] = []) throws -> Sandbox {
    let sandbox = try Sandbox()
    try sandbox.ok(["init"])
    try sandbox.ok(["identity", "new", "alice"])
    try sandbox.ok(["datanet", "create", "notes", "--record-format", format] + extra)
    return sandbox
  }

  /// A record longer than the read buffer (8 MiB) and the limit is named by the line it starts
  /// on, whatever came before it: nothing, blank lines, or a whole file (no line at all).
  @Test func anOversizedRecordIsNamedByItsOwnLine() throws {
    let long = String(repeating: "word ", count: 1_900_000)  // 9.5 MB
    let sandbox = try setUp("jsonl")
    try sandbox.write("first.jsonl", "{\"text\": \"\(long)\"}\n{\"text\": \"short\"}\n")
    try sandbox.write("later.jsonl", "{\"text\": \"short\"}\n\n  \n{\"text\": \"\(long)\"}\n")
    for (file, line) in [("first.jsonl", 1), ("later.jsonl", 4)] {
      let result = try sandbox.run(["contribute", "notes", file, "--max-record-size", "1MiB"])
      #expect(result.status == 65, "\(result.stderr)")
      #expect(
        result.stderr.contains("\(file):\(line): a record is longer than 1048576 bytes"),
        "\(result.stderr)")
    }
    let text = try setUp("text")
    try text.write("book.txt", long)
    let whole = try text.run(["contribute", "notes", "book.txt", "--max-record-size", "1MiB"])
    #expect(whole.status == 65)
    #expect(whole.stderr.contains("book.txt: a record is longer than"), "\(whole.stderr)")
    let paragraphs = try setUp("text", ["--split", "paragraph"])
    try paragraphs.write("essay.txt", "First paragraph.\n\nSecond one,\nstill.\n\n\(long)\n")
    let cut = try paragraphs.run(["contribute", "notes", "essay.txt", "--max-record-size", "1MiB"])
    #expect(cut.status == 65)
    #expect(cut.stderr.contains("essay.txt:6: a record is longer than"), "\(cut.stderr)")
  }

  /// A quote opened and never closed is refused on its own line, saying so, whether it opens a
  /// field or sits in the middle of one, on the last row or before others.
  @Test func anUnclosedCSVQuoteIsNamed() throws {
    let sandbox = try setUp("csv")
    try sandbox.write("middle.csv", "id,text\n1,a 5\" floppy disk\n2,a fine row\n3,another\n")
    try sandbox.write("last.csv", "id,text\n1,a fine row\n2,a 5\" floppy disk")
    try sandbox.write("opening.csv", "id,text\n1,a fine row\n2,\"never closed\n3,more\n")
    for (file, line, words) in [
      ("middle.csv", 2, "a quote in the middle of field 2 is never closed"),
      ("last.csv", 3, "a quote in the middle of field 2 is never closed"),
      ("opening.csv", 3, "the quote that opens field 2 is never closed"),
    ] {
      let result = try sandbox.run(["contribute", "notes", file])
      #expect(result.status == 65, "\(file): \(result.stderr)")
      #expect(
        result.stderr.contains("\(file):\(line): malformed CSV: \(words)"), "\(result.stderr)")
      #expect(!result.stderr.contains("field(s) but the header has"), "\(result.stderr)")
    }
    // Quotes in pairs inside a field are text, as before.
    try sandbox.write("pairs.csv", "id,text\n1,she said \"hi\" twice\n2,plain\n")
    #expect(try sandbox.run(["contribute", "notes", "pairs.csv"]).status == 0)
  }
}
