import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct DatanetSchemaTests {
  func load(_ json: String) throws -> DatanetSchema {
    let directory = try TemporaryDirectory()
    let path = "\(directory.path)/schema.json"
    try Data(json.utf8).write(to: URL(fileURLWithPath: path))
    return try DatanetSchema.load(path: path)
  }

  func failure(_ json: String) -> String? {
    do {
      _ = try load(json)
      return nil
    } catch {
      return "\(error)"
    }
  }

  @Test func aValidSchemaLoads() throws {
    let schema = try load(
      #"{"format": "jsonl", "textFields": ["abstract"], "required": ["title"], "maxLength": 500}"#)
    #expect(schema.format == .jsonl)
    #expect(schema.textFields == ["abstract"])
    #expect(schema.required == ["title"])
    #expect(schema.maxLength == 500)
    #expect(try load(#"{"format": "text"}"#).split == .file)
  }

  @Test func malformedSchemasNameTheField() {
    #expect(failure(#"{"format": "xml"}"#)?.contains("'format'") == true)
    #expect(failure(#"{"textFields": ["a"]}"#)?.contains("missing field 'format'") == true)
    #expect(failure(#"{"format": "jsonl", "maxLength": "ten"}"#)?.contains("'maxLength'") == true)
    #expect(failure(#"{"format": "jsonl", "textfield": ["a"]}"#)?.contains("'textfield'") == true)
    #expect(
      failure(#"{"format": "csv", "minLength": 10, "maxLength": 5}"#)?.contains("'minLength'")
        == true)
    #expect(
      failure(#"{"format": "jsonl", "required": ["a", ""]}"#)?.contains("'required[1]'") == true)
    #expect(failure(#"{"format": "jsonl""#)?.contains("not valid JSON") == true)
  }
}
