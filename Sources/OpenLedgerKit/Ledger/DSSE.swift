import Crypto
import Foundation

/// Dead Simple Signing Envelope (DSSE v1): a payload, its type, and signatures over the
/// pre-authentication encoding of both.
public struct Envelope: Codable, Sendable, Equatable {
  public struct Signature: Codable, Sendable, Equatable {
    public var keyid: String
    public var sig: String
  }

  /// The payload, base64 (standard alphabet, padded).
  public var payload: String
  public var payloadType: String
  public var signatures: [Signature]

  /// DSSE's pre-authentication encoding: `DSSEv1 SP len(type) SP type SP len(body) SP body`,
  /// lengths as ASCII decimal byte counts. Signing this, not the bare payload, binds the type.
  public static func preAuthenticationEncoding(type: String, payload: some DataProtocol) -> Data {
    var out = Data("DSSEv1 \(type.utf8.count) \(type) \(payload.count) ".utf8)
    out.append(contentsOf: payload)
    return out
  }

  /// An envelope around `payload` signed by `identity`.
  public static func sign(payload: Data, type: String, by identity: Identity) throws -> Envelope {
    let signature = try identity.sign(preAuthenticationEncoding(type: type, payload: payload))
    return Envelope(
      payload: payload.base64EncodedString(), payloadType: type,
      signatures: [Signature(keyid: identity.account.keyID, sig: signature.base64EncodedString())])
  }

  /// Why bytes are not an envelope of the expected payload type.
  public struct Problem: Error, Sendable {
    public var reason: String
  }

  /// The envelope `bytes` hold and its decoded payload; throws unless they are a DSSE envelope
  /// with payload type `type` and a base64 payload.
  public static func open(_ bytes: Data, type: String) throws(Problem) -> (Envelope, Data) {
    let envelope: Envelope
    do {
      envelope = try JSONDecoder().decode(Envelope.self, from: bytes)
    } catch {
      throw Problem(reason: "not a DSSE envelope: \(JSONDiagnostics.describe(error))")
    }
    guard envelope.payloadType == type else {
      throw Problem(reason: "its payload type is '\(envelope.payloadType)', not '\(type)'")
    }
    guard let payload = envelope.payloadBytes else {
      throw Problem(reason: "its payload is not base64")
    }
    return (envelope, payload)
  }

  /// The decoded payload bytes, or nil when `payload` is not base64.
  public var payloadBytes: Data? { Data(base64Encoded: payload) }

  /// Whether a signature by `account` over this envelope's payload verifies.
  public func isSigned(by account: AccountID) -> Bool {
    guard let body = payloadBytes else { return false }
    let message = Self.preAuthenticationEncoding(type: payloadType, payload: body)
    let key = account.publicKey
    let keyID = account.keyID
    return signatures.contains { signature in
      guard signature.keyid.isEmpty || signature.keyid == keyID,
        let raw = Data(base64Encoded: signature.sig)
      else { return false }
      return key.isValidSignature(raw, for: message)
    }
  }

  /// The canonical bytes the envelope is stored as.
  public func encoded() throws -> Data { try CanonicalEncoder.encode(self) }
}
