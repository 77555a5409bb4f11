/// Failures in reading fingerprints.
public enum FingerprintError: OpenLedgerError {
  /// Stored signature bytes are not a signature this version of openledger wrote.
  case malformedSignature(reason: String)

  public var kind: FailureKind { .dataError }

  public var description: String {
    switch self {
    case .malformedSignature(let reason):
      "a stored MinHash signature cannot be read: \(reason); recompute it from the record's text "
        + "(run `openledger fingerprint` on it)"
    }
  }
}
