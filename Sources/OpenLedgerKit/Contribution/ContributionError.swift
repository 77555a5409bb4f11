/// Failures of writing a contribution.
public enum ContributionError: OpenLedgerError {
  /// Records the contribution stored became part of the Datanet while it was being written,
  /// by a writer that did not wait for its turn (an older openledger, say) or a takedown.
  case overtaken(datanet: String, records: Int)

  public var kind: FailureKind { .ioError }

  public var description: String {
    switch self {
    case .overtaken(let datanet, let records):
      "\(records) of the records read became part of \(datanet) while this contribution was "
        + "being written (another contribution or a takedown recorded them); nothing was "
        + "stored. Run the command again: they will be counted as duplicates"
    }
  }
}
