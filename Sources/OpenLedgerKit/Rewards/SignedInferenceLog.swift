import Foundation

/// The DSSE payload type of a model operator's statement about an inference log.
public let inferenceLogPayloadType = "application/vnd.openledger.inference-log+json"

/// What a model operator signs about an inference log it submits to a Datanet: the log's
/// SHA-256, how many inferences it holds, the sum of their fees and the token they are in. By
/// signing it the operator says it served those inferences and owes those fees to the
/// Datanet's contributors; the epoch that pays the log records the statement, and its manifest
/// states what the operator owes (Docs/Manifest.md, "Signed inference logs").
public struct InferenceLogStatement: Codable, Sendable, Equatable {
  public var datanet: Digest
  /// The operator's account: the key that signs the envelope.
  public var operatorAccount: AccountID
  /// The SHA-256 of the log's bytes.
  public var sha256: Digest
  public var inferences: Int
  /// The sum of the log's fees, in the token's smallest unit.
  public var fees: DecimalAmount
  public var token: RewardToken
  /// When it was signed (RFC 3339 UTC), for people.
  public var time: String

  enum CodingKeys: String, CodingKey {
    case datanet
    case operatorAccount = "operator"
    case sha256, inferences, fees, token, time
  }

  public init(
    datanet: Digest, operatorAccount: AccountID, log: RewardLog, token: RewardToken, time: String
  ) {
    self.datanet = datanet
    self.operatorAccount = operatorAccount
    self.sha256 = log.digest
    self.inferences = log.inferences.count
    self.fees = DecimalAmount(log.totalFees)
    self.token = token
    self.time = time
  }
}

/// A signed inference log statement: the DSSE envelope as written, and what it says. Stored as
/// an object when an epoch pays the log; its id is the SHA-256 of the envelope's bytes.
public struct SignedInferenceLog: Sendable {
  public let id: Digest
  public let bytes: Data
  public let statement: InferenceLogStatement

  /// Signs a statement about `log` for `datanet` as `identity`.
  public static func sign(
    log: RewardLog, datanet: Digest, token: RewardToken, by identity: Identity, clock: any Clock
  ) throws -> SignedInferenceLog {
    let statement = InferenceLogStatement(
      datanet: datanet, operatorAccount: identity.account, log: log, token: token,
      time: Timestamp.format(clock.now()))
    let envelope = try Envelope.sign(
      payload: CanonicalEncoder.encode(statement), type: inferenceLogPayloadType, by: identity)
    let bytes = try envelope.encoded()
    return SignedInferenceLog(id: Digest.of(bytes), bytes: bytes, statement: statement)
  }

  /// Reads an envelope; `name` is used in errors. It must be exactly what `sign` writes: one
  /// signature, by the statement's operator, and canonical JSON throughout.
  public static func decode(_ bytes: Data, name: String) throws -> SignedInferenceLog {
    func fail(_ reason: String) -> RewardsError { .malformedSignedLog(path: name, reason: reason) }
    let (envelope, payload, statement) = try Envelope.openStatement(
      bytes, type: inferenceLogPayloadType, as: InferenceLogStatement.self, fail: fail)
    guard envelope.signatures.count == 1, envelope.isSigned(by: statement.operatorAccount) else {
      throw fail(
        "it is not signed by its operator \(statement.operatorAccount.fingerprint) alone; the "
          + "statement was altered or signed by another key")
    }
    guard (try? CanonicalEncoder.encode(statement)) == payload,
      (try? envelope.encoded()) == bytes
    else {
      throw fail(
        "it is not in the one encoding `openledger rewards sign-log` writes; sign the log again")
    }
    return SignedInferenceLog(id: Digest.of(bytes), bytes: bytes, statement: statement)
  }

  /// Reads the envelope file at `path` (one line feed after it, as a shell redirection of
  /// `rewards sign-log` leaves, is not part of the envelope).
  public static func load(path: String) throws -> SignedInferenceLog {
    var bytes = try RewardsError.readFile(path, what: "the signed inference log")
    if bytes.last == 0x0a { bytes.removeLast() }
    return try decode(bytes, name: path)
  }

  /// Throws (permission denied) unless `account` is a model operator of `state`: only they
  /// may sign the logs that pay a Datanet.
  public static func checkSigner(_ account: AccountID, of state: DatanetState) throws {
    guard !state.isOperator(account) else { return }
    throw LedgerError.notPermitted(
      actor: account, action: "sign the inference logs that pay '\(state.name)'",
      requirement: "only its model operators may ("
        + (state.operators.isEmpty
          ? "it has none" : state.operators.map(\.fingerprint).joined(separator: ", "))
        + "); its owner adds them with `openledger datanet update \(state.name) --add-operator "
        + "NAME`")
  }

  /// Why this statement is not about `log` paid in `token` to `datanet`, or nil when it is.
  public func mismatch(
    log sha256: Digest, inferences: Int, fees: TokenAmount, token: RewardToken,
    datanet: Digest
  ) -> String? {
    if statement.datanet != datanet {
      return "it is for Datanet \(statement.datanet.short), not \(datanet.short)"
    }
    if statement.sha256 != sha256 {
      return "it signs the log with SHA-256 \(statement.sha256.hex), not this log's \(sha256.hex)"
    }
    if statement.inferences != inferences || statement.fees.value != fees {
      return "it says \(statement.inferences) inference(s) with fees \(statement.fees); the log "
        + "holds \(inferences) with fees \(fees.decimalString)"
    }
    if statement.token != token {
      return "its fees are in \(statement.token.symbol) (\(statement.token.decimals) decimals); "
        + "the epoch pays \(token.symbol) (\(token.decimals) decimals)"
    }
    return nil
  }
}
