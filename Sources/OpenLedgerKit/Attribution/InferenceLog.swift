import Foundation

/// One inference of a log (DESIGN §7): a model output and the fee it paid.
public struct Inference: Sendable, Equatable {
  public var id: String
  public var output: String
  /// The fee in the token's smallest unit, as decimal digits; nil when the line has none.
  public var fee: String?
  /// The line of the log it came from, counting from 1.
  public var line: Int

  public init(id: String, output: String, fee: String?, line: Int) {
    self.id = id
    self.output = output
    self.fee = fee
    self.line = line
  }
}

/// Reads inference logs: JSONL, one object a line with `id` (a non-empty string), `output` (a
/// string) and `fee` (a string of decimal digits), and optionally `prompt`, `model`, `time`.
/// Blank lines are skipped. A malformed line is an error naming the file and the line.
public enum InferenceLog {
  /// The inferences of the log at `path`; `requireFee` makes a missing fee an error.
  public static func read(path: String, requireFee: Bool = false) throws -> [Inference] {
    try parse(try FileSystem.read(path), file: path, requireFee: requireFee)
  }

  /// The inferences of `data`, read from `file` (for messages).
  public static func parse(_ data: Data, file: String, requireFee: Bool = false) throws
    -> [Inference]
  {
    var inferences = [Inference]()
    var firstLine = [String: Int]()
    var lineNumber = 0
    for line in data.split(separator: 0x0a, omittingEmptySubsequences: false) {
      lineNumber += 1
      let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }
      if trimmed.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { continue }
      func malformed(_ reason: String) -> AttributionError {
        .malformedInference(file: file, line: lineNumber, reason: reason)
      }
      guard String(validating: line, as: UTF8.self) != nil else {
        throw malformed("it is not valid UTF-8")
      }
      let value: Any
      do {
        value = try JSONSerialization.jsonObject(with: Data(line), options: [])
      } catch {
        throw malformed("it is not JSON (\(JSONDiagnostics.describe(error)))")
      }
      guard let object = value as? [String: Any] else {
        throw malformed("it is not a JSON object")
      }
      guard let id = object["id"] as? String, !id.isEmpty else {
        throw malformed("it has no \"id\" string")
      }
      guard let output = object["output"] as? String else {
        throw malformed("it has no \"output\" string")
      }
      var fee: String?
      if let raw = object["fee"] {
        guard let text = raw as? String else {
          throw malformed("its \"fee\" must be a string of decimal digits, like \"1500\"")
        }
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
          throw malformed(
            "its fee \"\(text)\" is not a whole, non-negative number of the token's smallest unit")
        }
        fee = text
      } else if requireFee {
        throw malformed("it has no \"fee\"")
      }
      if let first = firstLine[id] {
        throw malformed("its id \"\(id)\" was already used on line \(first)")
      }
      firstLine[id] = lineNumber
      inferences.append(Inference(id: id, output: output, fee: fee, line: lineNumber))
    }
    guard !inferences.isEmpty else { throw AttributionError.emptyInferenceLog(file: file) }
    return inferences
  }
}
