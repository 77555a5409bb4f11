import Foundation

/// An inference log as rewards reads it: the shared reader (`InferenceLog`) with every fee
/// required, each fee as an amount, their sum (the epoch's pool), and the log's SHA-256, which
/// the manifest records. The bytes are kept so the log can be stored with the epoch.
public struct RewardLog: Sendable {
  /// The name errors use for the log: its path.
  public let name: String
  public let inferences: [Inference]
  /// The fee of each inference, in order.
  public let fees: [TokenAmount]
  public let bytes: Data
  public let digest: Digest
  public let totalFees: TokenAmount

  /// Reads the log at `path`.
  public static func read(path: String) throws -> RewardLog {
    try parse(RewardsError.readFile(path, what: "the inference log"), name: path)
  }

  /// Parses log bytes; `name` is used in error messages.
  public static func parse(_ data: Data, name: String) throws -> RewardLog {
    let inferences = try InferenceLog.parse(data, file: name, requireFee: true)
    var fees = [TokenAmount]()
    fees.reserveCapacity(inferences.count)
    var total: TokenAmount = 0
    for inference in inferences {
      // The reader has checked that the fee is decimal digits; only its size can be wrong.
      let text = inference.fee ?? ""
      let fee: TokenAmount
      switch UInt128.parseAmount(text) {
      case .success(let value): fee = value
      case .failure(let problem):
        throw RewardsError.badFee(
          log: name, line: inference.line, inference: inference.id, text: text, problem: problem)
      }
      let (sum, overflow) = total.addingReportingOverflow(fee)
      if overflow { throw RewardsError.feesOverflow(log: name, line: inference.line) }
      total = sum
      fees.append(fee)
    }
    return RewardLog(
      name: name, inferences: inferences, fees: fees, bytes: data, digest: Digest.of(data),
      totalFees: total)
  }
}
