import Foundation

/// One line of an inference log: a model output and the fee paid for it.
public struct Inference: Sendable, Equatable {
  /// Unique within the log.
  public var id: String
  public var output: String
  public var fee: TokenAmount
  public var prompt: String?
  public var model: String?
  public var time: String?
  /// The 1-based line the inference was read from.
  public var line: Int

  public init(
    id: String, output: String, fee: TokenAmount, prompt: String? = nil, model: String? = nil,
    time: String? = nil, line: Int = 0
  ) {
    self.id = id
    self.output = output
    self.fee = fee
    self.prompt = prompt
    self.model = model
    self.time = time
    self.line = line
  }
}

/// An inference log (JSON Lines of `{"id", "output", "fee"}`, with optional `prompt`, `model`,
/// `time`), read whole and checked: every line parses, every fee is a whole amount, ids are
/// unique, and the fees' sum fits an amount. Blank lines are skipped; other fields are ignored.
public struct InferenceLog: Sendable {
  /// The name errors use for the log: its path, or `<stdin>`.
  public let name: String
  public let inferences: [Inference]
  /// The SHA-256 of the log's bytes, as the manifest records it.
  public let digest: Digest
  /// The sum of all fees: the epoch's pool.
  public let totalFees: TokenAmount

  private struct Line: Decodable {
    var id: String
    var output: String
    var fee: String
    var prompt: String?
    var model: String?
    var time: String?
  }

  /// Reads the log at `path`.
  public static func read(path: String) throws -> InferenceLog {
    let data: Data
    do {
      data = try FileSystem.read(path)
    } catch let error as SystemError where error.kind == .notFound {
      throw RewardsError.logNotFound(path: path)
    }
    return try parse(data, name: path)
  }

  /// Parses log bytes; `name` is used in error messages.
  public static func parse(_ data: Data, name: String) throws -> InferenceLog {
    var inferences = [Inference]()
    var firstLine = [String: Int]()
    var total: TokenAmount = 0
    let decoder = JSONDecoder()
    let bytes = [UInt8](data)
    var start = 0
    var lineNumber = 0
    while start < bytes.count {
      lineNumber += 1
      var end = start
      while end < bytes.count, bytes[end] != 0x0a { end += 1 }
      let next = end + 1
      if end > start, bytes[end - 1] == 0x0d { end -= 1 }
      let slice = bytes[start..<end]
      start = next
      if slice.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
      let line: Line
      do {
        line = try decoder.decode(Line.self, from: Data(slice))
      } catch {
        throw RewardsError.malformedLog(
          log: name, line: lineNumber, reason: describe(error))
      }
      let fee: TokenAmount
      switch UInt128.parseAmount(line.fee) {
      case .success(let value): fee = value
      case .failure(let problem):
        throw RewardsError.badFee(
          log: name, line: lineNumber, inference: line.id, text: line.fee, problem: problem)
      }
      if line.id.isEmpty {
        throw RewardsError.malformedLog(
          log: name, line: lineNumber, reason: "field 'id' is empty; give each inference an id")
      }
      if let earlier = firstLine[line.id] {
        throw RewardsError.duplicateInference(
          log: name, line: lineNumber, inference: line.id, firstLine: earlier)
      }
      firstLine[line.id] = lineNumber
      let (sum, overflow) = total.addingReportingOverflow(fee)
      if overflow { throw RewardsError.feesOverflow(log: name, line: lineNumber) }
      total = sum
      inferences.append(
        Inference(
          id: line.id, output: line.output, fee: fee, prompt: line.prompt, model: line.model,
          time: line.time, line: lineNumber))
    }
    if inferences.isEmpty { throw RewardsError.emptyLog(log: name) }
    return InferenceLog(
      name: name, inferences: inferences, digest: Digest.of(data), totalFees: total)
  }

  /// A fee given as a JSON number is the likeliest mistake; say so plainly.
  private static func describe(_ error: Error) -> String {
    if case DecodingError.typeMismatch(_, let context) = error,
      context.codingPath.map(\.stringValue) == ["fee"]
    {
      return "field 'fee' must be a decimal string in the token's smallest unit, like "
        + "\"1500\", not a JSON number"
    }
    return JSONDiagnostics.describe(error)
  }
}
