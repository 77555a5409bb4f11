import Foundation

/// The DSSE payload type of every ledger event.
public let eventPayloadType = "application/vnd.openledger.event+json"

/// The kinds of state change the ledger records (DESIGN §3).
public enum EventType: String, Codable, Sendable, CaseIterable {
  case datanetCreate = "datanet.create"
  case datanetUpdate = "datanet.update"
  case contributionSubmit = "contribution.submit"
  case contributionReview = "contribution.review"
  case contributionWithdraw = "contribution.withdraw"
  case recordTakedown = "record.takedown"
  case rewardsEpoch = "rewards.epoch"
  case payoutSet = "payout.set"
}

/// What an event says, by type.
public enum EventBody: Sendable, Equatable {
  case datanetCreate(DatanetCreate)
  case datanetUpdate(DatanetUpdate)
  case contributionSubmit(ContributionSubmit)
  case contributionReview(ContributionReview)
  case contributionWithdraw(ContributionWithdraw)
  case recordTakedown(RecordTakedown)
  case rewardsEpoch(RewardsEpoch)
  case payoutSet(PayoutSet)

  public var type: EventType {
    switch self {
    case .datanetCreate: .datanetCreate
    case .datanetUpdate: .datanetUpdate
    case .contributionSubmit: .contributionSubmit
    case .contributionReview: .contributionReview
    case .contributionWithdraw: .contributionWithdraw
    case .recordTakedown: .recordTakedown
    case .rewardsEpoch: .rewardsEpoch
    case .payoutSet: .payoutSet
    }
  }
}

/// The signed content of an event.
public struct EventPayload: Sendable, Equatable, Codable {
  /// The Datanet the event belongs to; absent on `datanet.create`, whose own id names it.
  public var datanet: Digest?
  public var parents: [Digest]
  public var actor: AccountID
  /// RFC 3339, UTC.
  public var time: String
  public var body: EventBody

  public var type: EventType { body.type }

  public init(datanet: Digest?, parents: [Digest], actor: AccountID, time: String, body: EventBody)
  {
    self.datanet = datanet
    self.parents = parents
    self.actor = actor
    self.time = time
    self.body = body
  }

  enum CodingKeys: String, CodingKey {
    case type, datanet, parents, actor, time, body
  }

  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let type = try container.decode(EventType.self, forKey: .type)
    datanet = try container.decodeIfPresent(Digest.self, forKey: .datanet)
    parents = try container.decode([Digest].self, forKey: .parents)
    actor = try container.decode(AccountID.self, forKey: .actor)
    time = try container.decode(String.self, forKey: .time)
    func decodeBody<Body: Decodable>(_ wrap: (Body) -> EventBody) throws -> EventBody {
      wrap(try container.decode(Body.self, forKey: .body))
    }
    body =
      switch type {
      case .datanetCreate: try decodeBody(EventBody.datanetCreate)
      case .datanetUpdate: try decodeBody(EventBody.datanetUpdate)
      case .contributionSubmit: try decodeBody(EventBody.contributionSubmit)
      case .contributionReview: try decodeBody(EventBody.contributionReview)
      case .contributionWithdraw: try decodeBody(EventBody.contributionWithdraw)
      case .recordTakedown: try decodeBody(EventBody.recordTakedown)
      case .rewardsEpoch: try decodeBody(EventBody.rewardsEpoch)
      case .payoutSet: try decodeBody(EventBody.payoutSet)
      }
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(type, forKey: .type)
    try container.encodeIfPresent(datanet, forKey: .datanet)
    try container.encode(parents, forKey: .parents)
    try container.encode(actor, forKey: .actor)
    try container.encode(time, forKey: .time)
    switch body {
    case .datanetCreate(let value): try container.encode(value, forKey: .body)
    case .datanetUpdate(let value): try container.encode(value, forKey: .body)
    case .contributionSubmit(let value): try container.encode(value, forKey: .body)
    case .contributionReview(let value): try container.encode(value, forKey: .body)
    case .contributionWithdraw(let value): try container.encode(value, forKey: .body)
    case .recordTakedown(let value): try container.encode(value, forKey: .body)
    case .rewardsEpoch(let value): try container.encode(value, forKey: .body)
    case .payoutSet(let value): try container.encode(value, forKey: .body)
    }
  }
}

/// An event as stored: its id, its envelope's bytes, and its verified payload.
public struct SignedEvent: Sendable {
  public let id: Digest
  public let bytes: Data
  public let payload: EventPayload

  /// The Datanet this event belongs to.
  public var datanet: Digest { payload.datanet ?? id }

  /// Signs `payload` as `identity` and encodes the envelope.
  public static func sign(_ payload: EventPayload, by identity: Identity) throws -> SignedEvent {
    let payloadBytes = try CanonicalEncoder.encode(payload)
    let envelope = try Envelope.sign(payload: payloadBytes, type: eventPayloadType, by: identity)
    let bytes = try envelope.encoded()
    return SignedEvent(id: Digest.of(bytes), bytes: bytes, payload: payload)
  }

  /// Decodes and verifies the envelope stored as object `id`: the bytes must hash to `id`, the
  /// payload must be an event, the actor's signature must verify, and everything must be in
  /// its one canonical encoding (`canonicalityProblem`).
  public static func verified(id: Digest, bytes: Data) throws -> SignedEvent {
    guard Digest.of(bytes) == id else {
      throw LedgerError.corruptEvent(id, reason: "its bytes do not hash to its id")
    }
    let envelope: Envelope
    do {
      envelope = try JSONDecoder().decode(Envelope.self, from: bytes)
    } catch {
      throw LedgerError.corruptEvent(
        id, reason: "not a DSSE envelope: \(JSONDiagnostics.describe(error))")
    }
    guard envelope.payloadType == eventPayloadType else {
      throw LedgerError.notAnEvent(id, payloadType: envelope.payloadType)
    }
    guard let payloadBytes = envelope.payloadBytes else {
      throw LedgerError.corruptEvent(id, reason: "its payload is not base64")
    }
    let payload: EventPayload
    do {
      payload = try JSONDecoder().decode(EventPayload.self, from: payloadBytes)
    } catch {
      throw LedgerError.corruptEvent(id, reason: JSONDiagnostics.describe(error))
    }
    guard envelope.isSigned(by: payload.actor) else {
      throw LedgerError.badSignature(id, actor: payload.actor)
    }
    if let problem = canonicalityProblem(
      envelope, bytes: bytes, payload: payload, payloadBytes: payloadBytes)
    {
      throw LedgerError.nonCanonicalEvent(id, problem: problem)
    }
    return SignedEvent(id: id, bytes: bytes, payload: payload)
  }

  /// Why a verified envelope is not the one encoding its signer produced, or nil when it is.
  ///
  /// An event's id is the hash of its envelope's bytes, so every byte that the signature does
  /// not cover must be fixed; otherwise anyone could re-encode a signed event (indent it, add a
  /// field, repeat its signature, pad its base64) and store it as a second event with a new id,
  /// reviving, say, a withdrawn contribution. The only valid encoding is the one `sign` writes:
  /// exactly one signature, by the actor, under the actor's key id; standard padded base64; the
  /// payload and the envelope both canonical JSON (sorted keys, no whitespace, no unknown
  /// fields). Ed25519 as verified here refuses non-canonical signature scalars, so the signature
  /// itself cannot be altered either: only the actor can sign the same payload again.
  static func canonicalityProblem(
    _ envelope: Envelope, bytes: Data, payload: EventPayload, payloadBytes: Data
  ) -> String? {
    guard envelope.signatures.count == 1, let signature = envelope.signatures.first else {
      return "it carries \(envelope.signatures.count) signatures; an event has exactly one, "
        + "its actor's"
    }
    guard signature.keyid == payload.actor.keyID else {
      return "its signature's keyid is '\(signature.keyid)', not its actor's key id "
        + payload.actor.keyID
    }
    guard payloadBytes.base64EncodedString() == envelope.payload,
      Data(base64Encoded: signature.sig)?.base64EncodedString() == signature.sig
    else {
      return "its payload or signature is not in standard padded base64"
    }
    guard (try? CanonicalEncoder.encode(payload)) == payloadBytes else {
      return "its payload is not canonical JSON (sorted keys, no whitespace, no unknown fields)"
    }
    guard (try? envelope.encoded()) == bytes else {
      return "its envelope is not canonical JSON (sorted keys, no whitespace, no other fields)"
    }
    return nil
  }
}
