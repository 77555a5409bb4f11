import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct CanonicalJSONTests {
  func canonical(_ text: String, fields: [String] = []) throws -> String {
    var canonicalizer = JSONCanonicalizer(fields: fields)
    return try Self.run(&canonicalizer, Array(text.utf8))
  }

  static func run(_ canonicalizer: inout JSONCanonicalizer, _ bytes: [UInt8]) throws -> String {
    var out = [UInt8]()
    var failure: JSONSyntaxError?
    bytes.withUnsafeBytes { raw in
      do {
        try canonicalizer.canonicalize(raw, into: &out)
      } catch {
        failure = error as? JSONSyntaxError
      }
    }
    if let failure { throw failure }
    return String(decoding: out, as: UTF8.self)
  }

  func failure(_ text: String) -> JSONSyntaxError? {
    do {
      _ = try canonical(text)
      return nil
    } catch let error as JSONSyntaxError {
      return error
    } catch {
      return nil
    }
  }

  @Test func sortsKeysAndDropsWhitespace() throws {
    #expect(
      try canonical(#" { "b" : 1, "a" : [ 1 , {"d":null,"c":true} ] } "#)
        == #"{"a":[1,{"c":true,"d":null}],"b":1}"#)
    #expect(try canonical("{}") == "{}")
    #expect(try canonical(#"{"a":[]}"#) == #"{"a":[]}"#)
  }

  @Test func sameDatapointSameBytes() throws {
    let a = try canonical(#"{"text": "hello", "id": 1}"#)
    let b = try canonical("{\"id\":1,\n\"text\":\"hel\\u006co\"}")
    #expect(a == b)
  }

  /// RFC 8785 §3.2.3: keys sort by UTF-16 code units, so U+1F600 (surrogates D83D DE00)
  /// sorts before U+FB33 but after U+00E9.
  @Test func sortsByUTF16CodeUnits() throws {
    let text = "{\"\u{FB33}\":1,\"\u{1F600}\":2,\"\u{E9}\":3,\"a\":4}"
    #expect(try canonical(text) == "{\"a\":4,\"\u{E9}\":3,\"\u{1F600}\":2,\"\u{FB33}\":1}")
  }

  @Test func escapesMinimally() throws {
    #expect(
      try canonical(#"{"s":"\u00e9\/\"\\\n\u001f\u0007"}"#)
        == "{\"s\":\"é/\\\"\\\\\\n\\u001f\\u0007\"}")
    #expect(try canonical(#"{"s":"\ud83d\ude00"}"#) == "{\"s\":\"😀\"}")
  }

  /// Numbers: integers digit for digit; others in ECMAScript's shortest form (RFC 8785 §3.2.2.3).
  @Test(arguments: [
    ("0", "0"), ("-0", "0"), ("123456789012345678901234567890", "123456789012345678901234567890"),
    ("1.0", "1"), ("1e2", "100"), ("0.1", "0.1"), ("1.5e-7", "1.5e-7"), ("1e21", "1e+21"),
    ("1e20", "100000000000000000000"), ("-2.5E+3", "-2500"), ("0.000001", "0.000001"),
    ("0.0000001", "1e-7"), ("4.50", "4.5"), ("333333333.33333329", "333333333.3333333"),
    ("1E400", "ERROR"), ("-0.0", "0"),
  ])
  func numbers(_ input: String, _ expected: String) throws {
    if expected == "ERROR" {
      #expect(failure("{\"n\":\(input)}") != nil)
    } else {
      #expect(try canonical("{\"n\":\(input)}") == "{\"n\":\(expected)}")
    }
  }

  @Test func rejectsWhatHasNoCanonicalForm() {
    #expect(failure(#"{"a":1,"a":2}"#)?.message.contains("duplicate key") == true)
    #expect(failure(#"{"b":1,"a":2,"b":3}"#)?.message.contains("duplicate key") == true)
    #expect(failure(#"{"s":"\ud800"}"#)?.message.contains("surrogate") == true)
    #expect(failure(#"[1,2]"#)?.message.contains("JSON object") == true)
    #expect(failure(#"{"a":01}"#)?.message.contains("leading zeros") == true)
    #expect(failure(#"{"a":1} x"#)?.message.contains("after the JSON object") == true)
    #expect(failure(#"{"a":tru}"#) != nil)
    #expect(failure("{\"a\":\"\u{1}\"}")?.message.contains("control character") == true)
    #expect(failure(#"{"a" 1}"#)?.offset == 5)
    let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
    #expect(failure("{\"a\":\(deep)}")?.message.contains("nested deeper") == true)
  }

  @Test func rejectsInvalidUTF8InsideStrings() {
    var bytes = Array(#"{"a":"x"}"#.utf8)
    bytes[6] = 0xff
    var canonicalizer = JSONCanonicalizer()
    #expect(throws: JSONSyntaxError.self) { try Self.run(&canonicalizer, bytes) }
  }

  @Test func capturesTopLevelFields() throws {
    var canonicalizer = JSONCanonicalizer(fields: ["text", "title", "n", "missing"])
    let bytes = Array(#"{"n":3,"nested":{"text":"no"},"text":"yes \"q\"","title":null}"#.utf8)
    _ = try Self.run(&canonicalizer, bytes)
    #expect(canonicalizer.fields[0] == .string(ArraySlice(Array("yes \"q\"".utf8))))
    #expect(canonicalizer.fields[1] == .null)
    #expect(canonicalizer.fields[2] == .other)
    #expect(canonicalizer.fields[3] == nil)
  }
}
