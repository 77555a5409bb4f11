import Foundation

/// What a store's objects hold for the ledger, found by looking at every object: the events
/// that verify, the envelopes that do not, and the redacted shards `gc` wrote. What rebuilding
/// the catalog and verifying the ledger both start from.
struct LedgerObjects {
  /// Every object in the store.
  var ids: [Digest]
  var events: [Digest: SignedEvent]
  /// Objects that are DSSE envelopes but not valid events (altered, badly signed, malformed),
  /// with the reason.
  var unverifiable: [(id: Digest, error: any Error)]
  var shards: ShardLocator

  /// Events are small JSON envelopes; shards and index files are large and binary.
  static let largestEvent = 16 << 20

  static func scan(_ objects: ObjectStore) throws -> LedgerObjects {
    var malformed = [String]()
    let ids = try objects.allObjects(malformed: &malformed)
    var events = [Digest: SignedEvent]()
    var unverifiable = [(id: Digest, error: any Error)]()
    var redacted = [Digest: [Digest]]()
    for id in ids {
      guard let prefix = try? objects.readPrefix(id, count: 40), let first = prefix.first else {
        continue
      }
      if prefix.prefix(8).elementsEqual(ShardFormat.redactedMagic), prefix.count == 40 {
        redacted[Digest(bytes: prefix.dropFirst(8)), default: []].append(id)
        continue
      }
      guard first == UInt8(ascii: "{"), let size = try? objects.size(of: id),
        size < largestEvent, let bytes = try? objects.read(id, verify: false)
      else { continue }
      do {
        events[id] = try SignedEvent.verified(id: id, bytes: bytes)
      } catch LedgerError.notAnEvent {
        continue
      } catch {
        if (try? JSONDecoder().decode(Envelope.self, from: bytes)) != nil {
          unverifiable.append((id, error))
        }
      }
    }
    return LedgerObjects(
      ids: ids, events: events, unverifiable: unverifiable,
      shards: try ShardLocator(candidates: redacted, objects: objects))
  }
}

/// Where the bytes of the shards that events name are: the shard object itself, or the
/// redacted shard `gc` wrote in its place.
struct ShardLocator {
  /// Original shard id → the redacted shard replacing it.
  var redacted: [Digest: Digest] = [:]

  init() {}

  /// Chooses, for each original, the redaction with the most tombstones (two exist only when a
  /// `gc` was interrupted after writing the second), ties by the smaller id.
  init(candidates: [Digest: [Digest]], objects: ObjectStore) throws {
    for (original, ids) in candidates {
      if ids.count == 1 {
        redacted[original] = ids[0]
        continue
      }
      var best: (id: Digest, tombstones: Int)?
      for id in ids.sorted() {
        guard let data = try? objects.read(id) else { continue }
        var tombstones = 0
        try? ShardReader(data: data).forEachEntry { entry in
          if case .tombstone = entry { tombstones += 1 }
        }
        if tombstones > best?.tombstones ?? -1 { best = (id, tombstones) }
      }
      redacted[original] = best?.id
    }
  }

  /// The object that holds the bytes of shard `id`.
  func object(for id: Digest) -> Digest {
    redacted[id] ?? id
  }
}
