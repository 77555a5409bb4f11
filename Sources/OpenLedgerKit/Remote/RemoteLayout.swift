import Foundation

/// The files of a remote (Docs/Remotes.md draws them):
///
/// ```
/// openledger-remote.json            {"format":1}, written by the first push
/// objects/sha256/ab/cdef…           objects as in a store: shards, manifests, logs (not events)
/// packs/<sha256>.pack               the events one push added, in one file
/// heads/<datanet>/<sha256>.json     what one push announced: the Datanet's heads and the packs
/// redactions/<shard>/<redacted>     the redacted copy standing for a shard (`gc --remote`)
/// ```
///
/// Every file is created once and never rewritten, so writers need no lock: two pushes at the
/// same moment write different head files, and a reader takes the union.
public enum RemoteLayout {
  public static let formatVersion = 1
  public static let marker = "openledger-remote.json"

  /// The longest head file a pull reads. A push writes a few hundred bytes (a head or two and
  /// one pack), a consolidation also names the head files it replaces: 16 MiB is room for about
  /// 250,000 of them. A longer one is refused before it is held (a remote is untrusted).
  public static let largestHeadFile = 16 << 20

  /// The longest pack a pull reads: 256 MiB, sixteen of the longest events a store reads
  /// (`LedgerObjects.largestEvent`). A push cuts its events into packs of at most this size
  /// (`EventPack.encode(_:largest:)`); a pack is typically a kilobyte or two an event, so a
  /// Datanet of 10,000 events makes a consolidated pack of about 20 MB. A longer one is refused
  /// before it is held (a remote is untrusted).
  public static let largestPack = 256 << 20

  /// The longest reward manifest a pull reads, as `validate` reads one
  /// (`ManifestObjectsCheck.largestManifest`, 16 MiB): a manifest is a few kilobytes.
  public static let largestManifest = ManifestObjectsCheck.largestManifest

  /// The longest signed statement about an inference log (`SignedInferenceLog`) a pull reads:
  /// a few hundred bytes, read no further than an event (16 MiB).
  public static let largestStatement = LedgerObjects.largestEvent

  /// The longest of the other objects a pull fetches, whose size no event gives: a
  /// contribution's provenance (at most about 40 bytes a record, and each input's name), an
  /// epoch's tree (64 bytes a leaf), allocations (a line an inference), leaves (under 200 bytes
  /// an account) and inference log. The commands that make and use them read each whole into
  /// memory (`rewards compute` its log, `export` the provenance), so 1 GiB is far past what one
  /// holds in use: the provenance of 25 million records each on a line of its own, a log of
  /// millions of inferences. A longer one is refused before it is held.
  public static let largestObject = 1 << 30

  /// The longest redacted copy of `shard` a pull reads: a redacted shard has a header 32 bytes
  /// longer than the original's, and each tombstone holds a 32-byte record id where the record
  /// held at least one byte, so it is at most 32 bytes a record (and one) longer.
  public static func largestRedaction(of shard: ShardInfo) -> Int {
    let extra = 32 * (min(max(shard.records, 0), 1 << 40) + 1)
    return shard.bytes > Int.max - extra ? Int.max : shard.bytes + extra
  }

  /// The longest page of a listing read: an S3 page holds at most 1,000 keys (about 300 KB), a
  /// web server's index page of a directory of 100,000 files about 15 MB.
  public static let largestListingPage = 64 << 20

  public static func objectKey(_ id: Digest) -> String {
    "objects/sha256/\(id.hex.prefix(2))/\(id.hex.dropFirst(2))"
  }

  public static func packKey(_ id: Digest) -> String { "packs/\(id.hex).pack" }

  /// Where the redacted copies of shard `original` are named (`gc --remote`).
  public static func redactionsPrefix(_ original: Digest) -> String {
    "redactions/\(original.hex)/"
  }

  /// The empty file saying that object `redacted` stands for shard `original`.
  public static func redactionKey(_ original: Digest, _ redacted: Digest) -> String {
    "redactions/\(original.hex)/\(redacted.hex)"
  }

  /// The redacted shard a key under `redactionsPrefix(original)` names.
  public static func redactedID(in key: String, of original: Digest) -> Digest? {
    let prefix = redactionsPrefix(original)
    guard key.hasPrefix(prefix) else { return nil }
    let hex = String(key.dropFirst(prefix.count))
    guard let id = Digest(hex: hex), id.hex == hex else { return nil }
    return id
  }

  public static func headsPrefix(_ datanet: Digest) -> String { "heads/\(datanet.hex)/" }

  public static func headKey(_ datanet: Digest, _ id: Digest) -> String {
    "heads/\(datanet.hex)/\(id.hex).json"
  }

  /// The head file id in a key under `headsPrefix(datanet)`, or nil when the key is not one.
  public static func headID(in key: String, of datanet: Digest) -> Digest? {
    let prefix = headsPrefix(datanet)
    guard key.hasPrefix(prefix), key.hasSuffix(".json") else { return nil }
    let hex = key.dropFirst(prefix.count).dropLast(".json".count)
    guard hex.utf8.count == 64, let id = Digest(hex: String(hex)), id.hex == hex else {
      return nil
    }
    return id
  }

  /// The Datanet ids named by keys under `heads/`.
  public static func datanets(in entries: [RemoteEntry]) -> [Digest] {
    var found = Set<Digest>()
    for entry in entries {
      let parts = entry.key.split(separator: "/")
      guard parts.count == 3, parts[0] == "heads", let id = Digest(hex: String(parts[1])),
        id.hex == parts[1]
      else { continue }
      found.insert(id)
    }
    return found.sorted()
  }
}

/// One push's announcement for one Datanet: the heads its writer's store had, and the packs
/// holding the events that push added. Named by the SHA-256 of its canonical bytes, so it is
/// verifiable like an object. A consolidating push may also list the head files it `replaces`
/// (whose packs it lists too), and delete them once it is written.
public struct RemoteHeadFile: Codable, Sendable, Equatable {
  public var format: Int
  public var datanet: Digest
  /// The Datanet's name, so that `clone --datanet NAME` can choose before fetching events; the
  /// name its signed create event gives is checked when the events arrive.
  public var name: String
  /// Sorted.
  public var heads: [Digest]
  /// Sorted.
  public var packs: [Digest]
  /// Sorted head file ids.
  public var replaces: [Digest]

  public init(
    datanet: Digest, name: String, heads: [Digest], packs: [Digest], replaces: [Digest] = []
  ) {
    format = RemoteLayout.formatVersion
    self.datanet = datanet
    self.name = name
    self.heads = Array(Set(heads)).sorted()
    self.packs = Array(Set(packs)).sorted()
    self.replaces = Array(Set(replaces)).sorted()
  }

  public func encoded() throws -> Data { try CanonicalEncoder.encode(self) }

  /// Parses a head file fetched as `key`, which must be canonical (its lists sorted, each
  /// entry once), of this format, for `datanet`, and hash to the id its key names.
  public static func parse(_ data: Data, key: String, id: Digest, datanet: Digest, location: String)
    throws -> RemoteHeadFile
  {
    func corrupt(_ reason: String) -> RemoteError {
      .corrupt(location: location, key: key, reason: reason)
    }
    guard Digest.of(data) == id else { throw corrupt("its bytes do not hash to its name") }
    let file: RemoteHeadFile
    do {
      file = try JSONDecoder().decode(RemoteHeadFile.self, from: data)
    } catch {
      throw corrupt("not a head file: \(JSONDiagnostics.describe(error))")
    }
    guard file.format == RemoteLayout.formatVersion else {
      throw corrupt(
        "it is of remote format \(file.format); this openledger reads format "
          + "\(RemoteLayout.formatVersion) (upgrade openledger)")
    }
    guard file.datanet == datanet else { throw corrupt("it names another Datanet") }
    guard (try? file.encoded()) == data else { throw corrupt("it is not canonical JSON") }
    guard !file.heads.isEmpty else { throw corrupt("it names no head") }
    // Every writer sorts its lists and names each entry once (`init`): a list that is not so
    // is not a head file any openledger wrote.
    for (field, list) in [
      ("heads", file.heads), ("packs", file.packs), ("replaces", file.replaces),
    ]
    where !zip(list, list.dropFirst()).allSatisfy({ $0 < $1 }) {
      throw corrupt("its \(field) are not sorted, or name one twice")
    }
    return file
  }
}

/// The events of one push, in one file: `OLPACK1\n`, then each event's envelope as a u32
/// big-endian length and its bytes, in ascending order of event id. Named by its SHA-256.
public enum EventPack {
  static let magic = Array("OLPACK1\n".utf8)

  public static func encode(_ events: [SignedEvent]) -> Data {
    var out = Data(magic)
    for event in events.sorted(by: { $0.id < $1.id }) {
      var length = UInt32(event.bytes.count).bigEndian
      withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
      out.append(event.bytes)
    }
    return out
  }

  /// `events` in packs of at most `largest` bytes each (`RemoteLayout.largestPack`, which a
  /// pull reads no further than), cut in ascending order of id: one pack unless they are many.
  /// An event longer than a pack can hold alone gets a pack of its own (a pull refuses it).
  public static func encode(_ events: [SignedEvent], largest: Int) -> [Data] {
    var packs = [[SignedEvent]]()
    var size = largest
    for event in events.sorted(by: { $0.id < $1.id }) {
      let length = 4 + event.bytes.count
      if size + length > largest {
        packs.append([])
        size = magic.count
      }
      packs[packs.count - 1].append(event)
      size += length
    }
    return packs.map(encode)
  }

  /// The events of a pack fetched as `key`, each verified (`SignedEvent.verified`: hash,
  /// signature, canonical encoding). Anything malformed refuses the whole pack.
  public static func decode(_ data: Data, key: String, id: Digest, location: String) throws
    -> [SignedEvent]
  {
    func corrupt(_ reason: String) -> RemoteError {
      .corrupt(location: location, key: key, reason: reason)
    }
    guard Digest.of(data) == id else { throw corrupt("its bytes do not hash to its name") }
    let bytes = [UInt8](data)
    guard bytes.starts(with: magic) else { throw corrupt("it is not an event pack") }
    var offset = magic.count
    var events = [SignedEvent]()
    while offset < bytes.count {
      guard bytes.count - offset >= 4 else { throw corrupt("it ends inside a length") }
      let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
      offset += 4
      guard length > 0, length <= LedgerObjects.largestEvent, bytes.count - offset >= length
      else { throw corrupt("an event's length (\(length)) runs past the pack or its limit") }
      let envelope = Data(bytes[offset..<offset + length])
      offset += length
      let event: SignedEvent
      do {
        event = try SignedEvent.verified(id: Digest.of(envelope), bytes: envelope)
      } catch let error as OpenLedgerError {
        throw corrupt("event \(Digest.of(envelope).hex) does not verify: \(error.description)")
      }
      if let last = events.last, last.id >= event.id {
        throw corrupt("its events are not in ascending order of id")
      }
      events.append(event)
    }
    guard !events.isEmpty else { throw corrupt("it holds no event") }
    return events
  }
}
