import Foundation

/// Where the records of one contribution came from, read from its provenance object.
/// Contributions written before openledger kept one have none: their records' source is
/// unknown.
struct RecordSources {
  let provenance: Provenance?

  /// The sources of the contribution whose `contribution.submit` body is `body`.
  init(_ body: ContributionSubmit, event: Digest, objects: ObjectStore) throws {
    guard let id = body.provenance else {
      provenance = nil
      return
    }
    do {
      provenance = try Provenance.decode(objects.read(id), name: id.hex)
    } catch let error as ProvenanceError {
      throw LedgerError.corruptEvent(event, reason: "its \(error.description)")
    }
  }

  /// The sources of contribution `contribution`, reading its event.
  init(contribution: Digest, objects: ObjectStore) throws {
    try self.init(
      ContributionSubmit.read(contribution, from: objects), event: contribution, objects: objects)
  }

  /// The source of the record at `ordinal` among the contribution's records in shard order.
  func source(ofRecord ordinal: Int) -> RecordSource? {
    provenance?.source(ofRecord: ordinal)
  }
}
