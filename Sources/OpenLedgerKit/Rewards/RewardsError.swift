import Foundation

/// Failures of rewards: bad inference logs and policies, amounts out of range, manifests that
/// cannot be read or do not verify.
public enum RewardsError: OpenLedgerError {
  case badFee(log: String, line: Int, inference: String, text: String, problem: AmountProblem)
  case feesOverflow(log: String, line: Int)
  case malformedPolicy(path: String, reason: String)
  case invalidPolicy(String)
  case weightsTooLarge(inference: String)
  case amountOverflow(account: AccountID?)
  case fileNotFound(path: String, what: String)
  case malformedManifest(path: String, reason: String)
  case leavesDoNotMatch(path: String, reason: String)
  case accountNotInManifest(account: AccountID, manifest: Digest, epoch: UInt64)
  case verificationFailed(path: String, checks: [String])
  case inconsistent(String)
  case malformedAllocations(name: String, line: Int, reason: String)
  /// `--epoch` named an epoch that exists.
  case epochExists(datanet: String, epoch: UInt64)
  /// An event records an epoch that is recorded already.
  case epochRecorded(datanet: String, epoch: UInt64)
  /// Another `rewards compute` recorded the epoch this one was computing: the one asked for
  /// (`requested`), or, every time this one tried again, the next.
  case epochRecordedMeanwhile(datanet: String, epoch: UInt64, requested: Bool)
  case logAlreadyPaid(log: String, datanet: String, epoch: UInt64)
  /// An inference of the log whose id an earlier epoch paid.
  case inferenceAlreadyPaid(log: String, line: Int, id: String, datanet: String, epoch: UInt64)
  case epochOutOfOrder(datanet: String, epoch: UInt64, next: UInt64)
  case noEpochs(datanet: String)
  case unknownEpoch(datanet: String, epoch: UInt64, last: UInt64)
  case notOfDatanet(manifest: Digest, datanet: String)
  /// A signed inference log that cannot be read, or whose signature is not its operator's.
  case malformedSignedLog(path: String, reason: String)
  /// A signed inference log about another log, Datanet or token.
  case signedLogMismatch(path: String, log: String, reason: String)
  /// The Datanet's policy requires a signed log, and none was given.
  case unsignedLog(datanet: String)

  public var kind: FailureKind {
    switch self {
    case .fileNotFound, .accountNotInManifest: .notFound
    case .badFee, .feesOverflow, .malformedPolicy, .weightsTooLarge, .amountOverflow,
      .malformedManifest, .inferenceAlreadyPaid, .malformedSignedLog, .signedLogMismatch,
      .unsignedLog:
      .dataError
    case .invalidPolicy: .usage
    case .leavesDoNotMatch, .verificationFailed: .checksFailed
    case .inconsistent: .internalError
    case .malformedAllocations: .checksFailed
    case .epochExists, .epochRecorded, .logAlreadyPaid: .cannotCreate
    case .epochRecordedMeanwhile(_, _, let requested): requested ? .cannotCreate : .ioError
    case .epochOutOfOrder: .usage
    case .noEpochs, .unknownEpoch, .notOfDatanet: .notFound
    }
  }

  public var description: String {
    switch self {
    case .badFee(let log, let line, let inference, let text, let problem):
      "\(log):\(line): inference '\(inference)': the fee \"\(text)\" is not a valid amount: "
        + "\(problem.explanation)"
    case .feesOverflow(let log, let line):
      "\(log):\(line): the fees so far sum to more than \(TokenAmount.max); split the log into "
        + "several epochs"
    case .malformedPolicy(let path, let reason):
      "the policy file \(path) is not valid: \(reason)"
    case .invalidPolicy(let reason):
      "invalid reward policy: \(reason)"
    case .weightsTooLarge(let inference):
      "inference '\(inference)': its attribution units exceed 2^64; the output is too long to "
        + "reward as one inference"
    case .amountOverflow(let account):
      (account.map { "the cumulative amount of account \($0.hex)" } ?? "the cumulative fees")
        + " would exceed \(TokenAmount.max), the largest amount openledger handles"
    case .fileNotFound(let path, let what):
      "\(what) \(path) does not exist; check the path"
    case .malformedManifest(let path, let reason):
      "\(path) is not a reward manifest: \(reason)"
    case .leavesDoNotMatch(let path, let reason):
      "\(path) does not match its manifest: \(reason); run `openledger manifest verify` to see "
        + "every check"
    case .accountNotInManifest(let account, let manifest, let epoch):
      "account \(account.hex) has no leaf in manifest \(manifest.short) (epoch \(epoch)); it "
        + "earned nothing up to that epoch"
    case .verificationFailed(let path, let checks):
      "\(path) failed verification: \(checks.joined(separator: ", "))"
    case .malformedAllocations(let name, let line, let reason):
      "the allocations object \(name), line \(line), is damaged: \(reason); run "
        + "`openledger validate` to check the store"
    case .epochExists(let datanet, let epoch):
      "epoch \(epoch) of \(datanet) exists already; epochs are never computed twice. Leave out "
        + "--epoch to compute the next one"
    case .epochRecorded(let datanet, let epoch):
      "epoch \(epoch) of \(datanet) is recorded already; an epoch is recorded once"
    case .epochRecordedMeanwhile(let datanet, let epoch, true):
      "another `rewards compute` recorded epoch \(epoch) of \(datanet) while this one ran; "
        + "nothing was written. Run it again with --epoch \(epoch + 1), or without --epoch to "
        + "compute the next epoch"
    case .epochRecordedMeanwhile(let datanet, let epoch, false):
      "other `rewards compute` runs kept recording epochs of \(datanet) while this one ran "
        + "(epoch \(epoch) last); nothing was written. Run the command again"
    case .logAlreadyPaid(let log, let datanet, let epoch):
      "\(log) was paid already, as the inference log of epoch \(epoch) of \(datanet) (the same "
        + "SHA-256); its fees are never paid twice. Give the log of the inferences since that epoch"
    case .inferenceAlreadyPaid(let log, let line, let id, let datanet, let epoch):
      "\(log), line \(line): inference '\(id)' was paid in epoch \(epoch) of \(datanet) already; "
        + "each inference is paid once. Leave it out of the log"
    case .epochOutOfOrder(let datanet, let epoch, let next):
      "epoch \(epoch) of \(datanet) cannot come next: epochs are numbered one after another, and "
        + "the next is \(next)"
    case .noEpochs(let datanet):
      "\(datanet) has no reward epochs yet; compute one with `openledger rewards compute "
        + "\(datanet) --inferences LOG`"
    case .unknownEpoch(let datanet, let epoch, let last):
      "\(datanet) has no epoch \(epoch); its epochs are 1 to \(last)"
    case .notOfDatanet(let manifest, let datanet):
      "manifest \(manifest.short) is not one of \(datanet)'s epochs in this store"
    case .malformedSignedLog(let path, let reason):
      "\(path) is not a signed inference log: \(reason)"
    case .signedLogMismatch(let path, let log, let reason):
      "\(path) is not a signature of \(log): \(reason). Ask the operator to sign this log with "
        + "`openledger rewards sign-log DATANET LOG --as OPERATOR`; nothing was written"
    case .unsignedLog(let datanet):
      "the policy of \(datanet) requires every inference log to be signed by one of its model "
        + "operators: have the operator run `openledger rewards sign-log \(datanet) LOG --as "
        + "OPERATOR --out LOG.sig` and pass --signed-log LOG.sig; nothing was written"
    case .inconsistent(let what):
      "internal error: \(what); nothing was written. Please report this"
    }
  }

  /// The bytes of the file at `path`; `what` ("the manifest") names it in the error when it
  /// does not exist.
  static func readFile(_ path: String, what: String) throws -> Data {
    do {
      return try FileSystem.read(path)
    } catch let error as SystemError where error.kind == .notFound {
      throw RewardsError.fileNotFound(path: path, what: what)
    }
  }
}
