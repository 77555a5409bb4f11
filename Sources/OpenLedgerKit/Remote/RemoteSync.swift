import Foundation
import GRDB

/// How far a transfer has come, for a progress bar.
public struct TransferProgress: Sendable, Equatable {
  public var files = 0
  public var totalFiles = 0
  public var bytes = 0
  public var totalBytes = 0

  public init() {}
}

/// A conflict a pull resolved: an event that lost to a concurrent one, and why.
public struct ResolvedConflict: Codable, Sendable, Equatable {
  public var datanet: String
  public var event: Digest
  public var type: String
  public var actor: AccountID
  /// What won, and why this event changed nothing.
  public var resolution: String
}

/// What a pull did, per Datanet and in all.
public struct PullReport: Codable, Sendable, Equatable {
  public struct DatanetPull: Codable, Sendable, Equatable {
    public var datanet: Digest
    public var name: String
    /// Events this store did not have.
    public var events: Int
    /// Head files read (new to this store).
    public var headFiles: Int
    public var packs: Int
    /// Objects (shards, manifests, logs) fetched.
    public var objects: Int
    public var bytes: Int
    /// Whether the events were folded after this store's (`incremental`), or the Datanet was
    /// folded again because they are concurrent with events it had (`refold`).
    public var mode: String
    public var conflicts: [ResolvedConflict]
  }

  public var remote: String
  public var datanets: [DatanetPull] = []
  /// Requests made to the remote.
  public var requests = 0
  /// The directory a clone made (or finished); nil for a pull.
  public var directory: String?
}

/// What a push did.
public struct PushReport: Codable, Sendable, Equatable {
  public struct DatanetPush: Codable, Sendable, Equatable {
    public var datanet: Digest
    public var name: String
    public var events: Int
    public var objects: Int
    public var bytes: Int
    /// The head file written, or nil when the remote had everything already.
    public var headFile: Digest?
    /// Heads the remote announces that this store has not pulled.
    public var remoteAhead: Int
  }

  public var remote: String
  public var datanets: [DatanetPush] = []
  public var requests = 0
}

/// Moves a store's Datanets to and from a remote (Docs/Remotes.md). The remote is untrusted:
/// every object fetched is re-hashed, every event verified (signature, canonical encoding) and
/// folded with the ledger's rules before the catalog takes it, and a pull whose events the
/// rules refuse is not applied at all.
public final class RemoteSync {
  public let store: Store
  public let name: String
  public let transport: any RemoteTransport
  private let progress: (TransferProgress) -> Void
  private var transferred = TransferProgress()
  fileprivate var requests = 0
  fileprivate let lock = NSLock()

  public init(
    store: Store, remote name: String, transport: any RemoteTransport,
    progress: @escaping (TransferProgress) -> Void = { _ in }
  ) {
    self.store = store
    self.name = name
    self.transport = transport
    self.progress = progress
  }

  // MARK: - Requests, counted

  fileprivate func counted<T>(_ body: () throws -> T) rethrows -> T {
    lock.withLock { requests += 1 }
    return try body()
  }

  private func note(files: Int = 0, bytes: Int = 0) {
    let snapshot = lock.withLock {
      transferred.files += files
      transferred.bytes += bytes
      return transferred
    }
    progress(snapshot)
  }

  private func expect(files: Int, bytes: Int) {
    let snapshot = lock.withLock {
      transferred.totalFiles += files
      transferred.totalBytes += bytes
      return transferred
    }
    progress(snapshot)
  }

  // MARK: - Bookkeeping

  private func knownKeys(prefix: String) throws -> Set<String> {
    try store.catalog.read { db in
      Set(
        try String.fetchAll(
          db, sql: "SELECT key FROM remote_files WHERE remote = ? AND key LIKE ? || '%'",
          arguments: [name, prefix]))
    }
  }

  private static func remember(
    _ keys: [String], heads: [String: [Digest]] = [:], remote: String, in db: Database
  ) throws {
    let insert = try db.cachedStatement(
      sql: "INSERT OR IGNORE INTO remote_files (remote, key, heads) VALUES (?, ?, ?)")
    for key in keys {
      try insert.execute(
        arguments: [remote, key, heads[key].map { $0.map(\.hex).joined(separator: " ") }])
    }
  }

  /// The heads of the head files under `prefix` this store has read or written, by key.
  private func knownHeads(prefix: String) throws -> [String: [Digest]] {
    try store.catalog.read { db in
      var known = [String: [Digest]]()
      for row in try Row.fetchAll(
        db,
        sql: "SELECT key, heads FROM remote_files WHERE remote = ? AND key LIKE ? || '%'",
        arguments: [name, prefix])
      {
        known[row["key"]] =
          (row["heads"] as String?)?.split(separator: " ").compactMap { Digest(hex: String($0)) }
          ?? []
      }
      return known
    }
  }

  // MARK: - Pull

  /// The head files of `datanet` on the remote that this store has not read: when there are
  /// any, the remote holds changes this store lacks. One request.
  public func unpulledHeadFiles(of datanet: Digest) throws -> [String] {
    let listed = try counted { try transport.list(prefix: RemoteLayout.headsPrefix(datanet)) }
    let known = try knownKeys(prefix: RemoteLayout.headsPrefix(datanet))
    return listed.map(\.key).filter {
      !known.contains($0) && RemoteLayout.headID(in: $0, of: datanet) != nil
    }
  }

  /// The Datanets the remote holds, by id, with the name its head files give.
  public func remoteDatanets() throws -> [Digest] {
    RemoteLayout.datanets(in: try counted { try transport.list(prefix: "heads/") })
  }

  /// Fetches what the remote has of `datanets` (every Datanet it holds when nil) and folds it
  /// into the store. `names` limits a clone to the Datanets they name (`datanets(named:)`).
  public func pull(datanets scope: [Digest]? = nil, names: [String]? = nil) throws -> PullReport {
    // First, so that a killed pull's objects are gone (or kept) before this one looks for what
    // it lacks.
    try store.finishInterruptedWrites()
    var report = PullReport(remote: name)
    let targets: [Digest]
    if let scope {
      targets = scope
    } else if let names {
      targets = try datanets(named: names)
    } else {
      // Datanets the store has pulled from this remote before, which the remote may have
      // lost, are not asked for; nothing else to add.
      targets = Array(Set(try listedDatanets())).sorted()
    }
    for datanet in targets { report.datanets.append(try pull(datanet)) }
    report.requests = requests
    return report
  }

  /// The Datanets the remote holds; none listed and no format marker is no remote at all (a
  /// wrong URL), rather than one nobody pushed a Datanet to.
  private func listedDatanets() throws -> [Digest] {
    let listed = try remoteDatanets()
    if listed.isEmpty, !(try counted { try transport.has(RemoteLayout.marker) }) {
      throw RemoteError.notARemote(location: transport.location)
    }
    return listed
  }

  /// The Datanets of the remote `references` name, in their order: each is a Datanet's name,
  /// or its id (64 hex digits, or a prefix of at least 8). A name two Datanets of the remote
  /// share, or a prefix two ids share, is refused with their ids; a reference that names none,
  /// with the names the remote holds. Reads one head file of each Datanet the remote holds.
  public func datanets(named references: [String]) throws -> [Digest] {
    let listed = Set(try listedDatanets())
    var names = [Digest: String]()
    for datanet in listed.sorted() {
      if let name = try remoteName(of: datanet) { names[datanet] = name }
    }
    var found = [Digest]()
    var missing = [String]()
    for reference in references {
      let byName = names.filter { $0.value == reference }.map(\.key).sorted()
      let lowered = reference.lowercased()
      let byID =
        (8...64).contains(lowered.utf8.count) && Hex.isLowercaseHex(lowered)
        ? listed.filter { $0.hex.hasPrefix(lowered) }.sorted() : []
      let matches = byName.isEmpty ? byID : byName
      if matches.count > 1 {
        throw RemoteError.ambiguousDatanet(
          location: transport.location, reference: reference, byName: !byName.isEmpty,
          matches: matches)
      }
      if let datanet = matches.first {
        if !found.contains(datanet) { found.append(datanet) }
      } else {
        missing.append(reference)
      }
    }
    if !missing.isEmpty {
      throw RemoteError.unknownDatanets(
        location: transport.location, names: missing.sorted(),
        held: Set(names.values).sorted())
    }
    return found
  }

  /// The name this store knows `datanet` by, else the one its first readable head file on
  /// the remote gives (a Datanet's name never changes).
  private func remoteName(of datanet: Digest) throws -> String? {
    if let local = try localName(of: datanet) { return local }
    let listed = try counted { try transport.list(prefix: RemoteLayout.headsPrefix(datanet)) }
    for entry in listed {
      guard let id = RemoteLayout.headID(in: entry.key, of: datanet) else { continue }
      do {
        return try headFile(entry.key, id: id, of: datanet).name
      } catch RemoteError.notFound {
        continue  // replaced by a consolidation since the listing
      }
    }
    return nil
  }

  /// The head file `key` (named `id`) of `datanet`, read no further than any push writes one
  /// and checked (`RemoteHeadFile.parse`). One request.
  private func headFile(_ key: String, id: Digest, of datanet: Digest) throws -> RemoteHeadFile {
    let data = try counted { try transport.get(key, limit: RemoteLayout.largestHeadFile) }
    return try RemoteHeadFile.parse(
      data, key: key, id: id, datanet: datanet, location: transport.location)
  }

  /// Pulls `datanet`.
  private func pull(_ datanet: Digest) throws -> PullReport.DatanetPull {
    let location = transport.location
    let listed = try counted { try transport.list(prefix: RemoteLayout.headsPrefix(datanet)) }
    let known = try knownKeys(prefix: RemoteLayout.headsPrefix(datanet))
    var files = [(key: String, file: RemoteHeadFile)]()
    for entry in listed where !known.contains(entry.key) {
      guard let id = RemoteLayout.headID(in: entry.key, of: datanet) else { continue }
      do {
        files.append((entry.key, try headFile(entry.key, id: id, of: datanet)))
      } catch RemoteError.notFound {
        // Replaced by a consolidation since the listing: the head file replacing it holds
        // its events, and the next pull reads it.
        continue
      }
    }
    guard !files.isEmpty else {
      return PullReport.DatanetPull(
        datanet: datanet, name: try localName(of: datanet) ?? "?", events: 0, headFiles: 0,
        packs: 0, objects: 0, bytes: 0, mode: "none", conflicts: [])
    }
    let fetchedPacks = try knownKeys(prefix: "packs/")
    let alreadyLocal = try store.catalog.read { db in
      Set(
        try String.fetchAll(
          db, sql: "SELECT id FROM events WHERE datanet = ?", arguments: [datanet.hex]
        ).compactMap(Digest.init(hex:)))
    }
    // A head file whose heads this store holds brings nothing new (a consolidation of head
    // files read before, or a push of what was pulled from here): its packs are not fetched.
    let packKeys = Set(
      files.filter { !$0.file.heads.allSatisfy(alreadyLocal.contains) }
        .flatMap(\.file.packs).map(RemoteLayout.packKey)
    ).subtracting(fetchedPacks).sorted()
    let bytesBefore = lock.withLock { transferred.bytes }
    expect(files: packKeys.count, bytes: 0)
    var received = [Digest: SignedEvent]()
    for key in packKeys {
      let id = Digest(hex: String(key.dropFirst("packs/".count).dropLast(".pack".count)))!
      let data: Data
      do {
        data = try counted { try transport.get(key, limit: RemoteLayout.largestPack) }
      } catch RemoteError.notFound {
        throw RemoteError.corrupt(
          location: location, key: key,
          reason: "a head file names this pack, but the remote does not hold it (a push may "
            + "be under way, or a consolidation; run the command again)")
      }
      note(files: 1, bytes: data.count)
      for event in try EventPack.decode(data, key: key, id: id, location: location) {
        guard event.datanet == datanet else {
          throw RemoteError.corrupt(
            location: location, key: key,
            reason: "event \(event.id.hex) belongs to Datanet \(event.datanet.short), not "
              + datanet.short)
        }
        received[event.id] = event
      }
    }
    // Only what this store lacks; every parent and announced head must be at hand.
    let localIDs = try store.catalog.read { db in
      Set(
        try String.fetchAll(
          db, sql: "SELECT id FROM events WHERE datanet = ?", arguments: [datanet.hex]
        ).compactMap(Digest.init(hex:)))
    }
    let new = received.values.filter { !localIDs.contains($0.id) }.sorted { $0.id < $1.id }
    for event in new {
      for parent in event.payload.parents
      where !localIDs.contains(parent) && received[parent] == nil {
        throw RemoteError.corrupt(
          location: location, key: RemoteLayout.headsPrefix(datanet),
          reason: "event \(event.id.hex) names parent \(parent.hex), which neither the remote's "
            + "packs nor this store hold")
      }
    }
    for (key, file) in files {
      for head in file.heads where !localIDs.contains(head) && received[head] == nil {
        throw RemoteError.corrupt(
          location: location, key: key,
          reason: "it announces head \(head.hex), which none of the packs it names holds")
      }
    }
    if let create = new.first(where: { $0.payload.type == .datanetCreate }),
      case .datanetCreate(let body) = create.payload.body,
      let claimed = files.first?.file.name, claimed != body.name
    {
      throw RemoteError.corrupt(
        location: location, key: files[0].key,
        reason: "it names the Datanet '\(claimed)', but its create event says '\(body.name)'")
    }
    pulled = PulledShards()
    defer { pulled = nil }
    let objectCount = try fetchObjects(for: new)
    let outcome: Applied
    do {
      outcome = try apply(
        new, to: datanet, remembering: files.map(\.key) + packKeys,
        heads: Dictionary(uniqueKeysWithValues: files.map { ($0.key, $0.file.heads) }))
    } catch {
      for journal in journals { journal.abort() }
      journals = []
      throw error
    }
    for journal in journals { journal.finish() }
    journals = []
    // Merges small near-duplicate segments, as after a contribution.
    try store.compactNearDuplicateIndex(of: datanet)
    let name = try localName(of: datanet) ?? files[0].file.name
    return PullReport.DatanetPull(
      datanet: datanet, name: name, events: new.count, headFiles: files.count,
      packs: packKeys.count, objects: objectCount,
      bytes: lock.withLock { transferred.bytes } - bytesBefore, mode: outcome.mode,
      conflicts: outcome.conflicts.map {
        ResolvedConflict(
          datanet: name, event: $0.event.id, type: $0.event.payload.type.rawValue,
          actor: $0.event.payload.actor, resolution: $0.reason)
      })
  }

  private func localName(of datanet: Digest) throws -> String? {
    try store.catalog.read { db in try DatanetRow.load(datanet, in: db)?.name }
  }

  /// The objects `events` need that the store lacks (a contribution's shards and provenance; an
  /// epoch's manifest, tree, allocations, leaves and inference log), fetched, re-hashed and
  /// stored. Returns how many. Each is read no further than the most its kind can hold
  /// (`RemoteLayout`: a remote cannot make a pull hold more than that).
  private func fetchObjects(for events: [SignedEvent]) throws -> Int {
    var wanted = [Digest: Int]()
    func want(_ id: Digest, limit: Int) { wanted[id] = max(wanted[id] ?? 0, limit) }
    var manifests = [Digest]()
    var shards = [Digest: ShardInfo]()
    for event in events {
      switch event.payload.body {
      case .contributionSubmit(let body):
        for shard in body.shards { shards[shard.id] = shard }
        if let provenance = body.provenance { want(provenance, limit: RemoteLayout.largestObject) }
      case .rewardsEpoch(let body):
        want(body.manifest, limit: RemoteLayout.largestManifest)
        want(body.tree, limit: RemoteLayout.largestObject)
        want(body.allocations, limit: RemoteLayout.largestObject)
        if let log = body.signedLog { want(log, limit: RemoteLayout.largestStatement) }
        manifests.append(body.manifest)
      default: break
      }
    }
    var fetched = try fetchShards(shards)
    fetched += try fetch(wanted)
    // A manifest names its leaves and inference log.
    var more = [Digest: Int]()
    for id in manifests {
      guard let manifest = try? RewardsManifest.decode(store.objects.read(id), name: id.short)
      else { continue }
      if let leaves = manifest.subjectDigest(ManifestFiles.leaves) {
        more[leaves] = RemoteLayout.largestObject
      }
      more[manifest.predicate.inferenceLog.sha256] = RemoteLayout.largestObject
    }
    fetched += try fetch(more)
    return fetched
  }

  /// The redacted shards fetched in place of originals the remote no longer holds, by
  /// original (`gc --remote` erased removed records' bytes there too).
  private var redactions = [Digest: [Digest]]()
  /// The journals of the objects this pull fetched, closed once its events are recorded.
  private var journals = [ObjectJournal]()
  /// The shards of the Datanet being pulled, read as they arrive.
  private var pulled: PulledShards?

  /// Fetches the shards the store lacks, of the sizes their events give (`shards`, by id: a
  /// longer one is refused without reading further); a shard the remote holds only in
  /// redacted form (`redactions/<original>/<redacted>`) is fetched in that form, checked to
  /// name the original, and replay reads it in the original's place.
  private func fetchShards(_ shards: [Digest: ShardInfo]) throws -> Int {
    let location = transport.location
    var gone = [Digest]()
    let sizes = shards.mapValues(\.bytes)
    var fetched = try fetch(sizes, missing: &gone, reading: pulled, expecting: sizes)
    for id in gone {
      let markers = try counted { try transport.list(prefix: RemoteLayout.redactionsPrefix(id)) }
      let candidates = markers.compactMap { RemoteLayout.redactedID(in: $0.key, of: id) }
      guard !candidates.isEmpty else {
        throw RemoteError.corrupt(
          location: location, key: RemoteLayout.objectKey(id),
          reason: "a contribution needs this shard, but the remote holds neither it nor a "
            + "redacted copy")
      }
      let limit = shards[id].map(RemoteLayout.largestRedaction) ?? 0
      fetched += try fetch(Dictionary(uniqueKeysWithValues: candidates.map { ($0, limit) }))
      for candidate in candidates {
        let prefix = try store.objects.readPrefix(candidate, count: 40)
        guard prefix.count == 40, prefix.prefix(8).elementsEqual(ShardFormat.redactedMagic),
          Digest(bytes: prefix.dropFirst(8)) == id
        else {
          throw RemoteError.corrupt(
            location: location, key: RemoteLayout.objectKey(candidate),
            reason: "it is listed as a redaction of shard \(id.hex) but does not say so")
        }
        redactions[id, default: []].append(candidate)
      }
    }
    return fetched
  }

  /// Fetches the objects `limits` names that the store lacks, several at a time, each read no
  /// further than its limit; one the remote does not hold is a corrupt remote.
  private func fetch(_ limits: [Digest: Int]) throws -> Int {
    var missing = [Digest]()
    let count = try fetch(limits, missing: &missing)
    if let id = missing.first {
      throw RemoteError.corrupt(
        location: transport.location, key: RemoteLayout.objectKey(id),
        reason: "an event needs this object, but the remote does not hold it")
    }
    return count
  }

  /// Fetches the objects `limits` names that the store lacks, several at a time, each read no
  /// further than its limit, and lists in `gone` those the remote does not hold. Shards are
  /// handed to `reading` as they arrive, and written around the file cache: folding them does
  /// not read them back. `sizes` are the objects' sizes when known, for the progress bar.
  private func fetch(
    _ limits: [Digest: Int], missing gone: inout [Digest], reading: PulledShards? = nil,
    expecting sizes: [Digest: Int] = [:]
  ) throws -> Int {
    let missing = limits.keys.sorted().filter { !store.objects.contains($0) }
    guard !missing.isEmpty else { return 0 }
    // Until the events that need them are recorded, these objects are a pull under way.
    journals.append(try ObjectJournal.begin(missing, in: store))
    // Shards' sizes are known from their events; other objects' are not.
    expect(files: missing.count, bytes: missing.reduce(0) { $0 + (sizes[$1] ?? 0) })
    let location = transport.location
    let absent = LockedList<Digest>()
    try Parallel.forEach(missing, workers: 4) { id in
      let key = RemoteLayout.objectKey(id)
      let data: Data
      do {
        data = try self.counted { try self.transport.get(key, limit: limits[id]!) }
      } catch RemoteError.notFound {
        absent.append(id)
        return
      }
      guard Digest.of(data) == id else {
        throw RemoteError.corrupt(
          location: location, key: key, reason: "its bytes do not hash to its name")
      }
      try self.store.objects.put(data, hashedAs: id, aroundCache: reading != nil)
      reading?.add(id, bytes: data)
      self.note(files: 1, bytes: data.count)
    }
    gone = absent.values.sorted()
    return missing.count - gone.count
  }

  private struct Applied {
    var mode: String
    var conflicts: [(event: SignedEvent, reason: String)]
  }

  /// Stores `events` and folds them into the catalog in one transaction, with a journal so a
  /// kill undoes them; refuses them all when the rules refuse any.
  private func apply(
    _ events: [SignedEvent], to datanet: Digest, remembering keys: [String],
    heads: [String: [Digest]]
  ) throws -> Applied {
    // Pulled contributions are records like a local contribution's: they take the Datanet's
    // turn, so a contribution under way never finds its records credited meanwhile.
    let turn = try store.contributionTurn(of: datanet) {}
    let lock = try store.lock(.shared)
    defer { withExtendedLifetime((turn, lock)) {} }
    guard !events.isEmpty else {
      try store.catalog.write { db in
        try Self.remember(keys, heads: heads, remote: name, in: db)
      }
      return Applied(mode: "none", conflicts: [])
    }
    var journal: ObjectJournal?
    do {
      let applied = try store.catalog.write { db -> Applied in
        if let create = events.first(where: { $0.payload.type == .datanetCreate }),
          case .datanetCreate(let body) = create.payload.body,
          let local = try Int64.fetchOne(
            db, sql: "SELECT 1 FROM datanets WHERE name = ? AND id != ?",
            arguments: [body.name, datanet.hex]), local == 1
        {
          let other = try Ledger.datanet(body.name, in: db).id
          throw RemoteError.nameTaken(name: body.name, local: other, remote: datanet)
        }
        let overriddenBefore = Set(
          try String.fetchAll(
            db, sql: "SELECT id FROM events WHERE datanet = ? AND overridden IS NOT NULL",
            arguments: [datanet.hex]))
        journal = try ObjectJournal.begin(events.map(\.id), in: store)
        for event in events { try store.objects.put(event.bytes) }
        let incremental = try Self.appliesAfterLocalEvents(events, of: datanet, in: db)
        var outcomes = [(id: Digest, outcome: LedgerReplay.Outcome)]()
        if incremental {
          outcomes = try Self.applyIncrementally(
            events, of: datanet, store: store, redactions: redactions,
            listed: pulled?.entries ?? [:], in: db)
          try store.deferNearDuplicates(of: events, in: datanet, db: db)
        } else {
          outcomes = try store.refold(
            datanet, adding: events, redactions: redactions, in: db
          ).outcomes
        }
        let byID = Dictionary(uniqueKeysWithValues: events.map { ($0.id, $0) })
        var refused = [(id: Digest, reason: String)]()
        var conflicts = [(event: SignedEvent, reason: String)]()
        for (id, outcome) in outcomes {
          switch outcome {
          case .applied: break
          case .overridden(let reason) where !overriddenBefore.contains(id.hex):
            // A pulled event that lost, or one of this store's that now loses to a pulled one.
            let event =
              try byID[id] ?? SignedEvent.verified(id: id, bytes: store.objects.read(id))
            conflicts.append((event, reason))
          case .overridden: break
          case .refused(let error):
            refused.append((id, "\(error)"))
          }
        }
        if !refused.isEmpty {
          throw RemoteError.refusedEvents(location: transport.location, events: refused)
        }
        try Self.remember(keys, heads: heads, remote: name, in: db)
        return Applied(mode: incremental ? "incremental" : "refold", conflicts: conflicts)
      }
      journal?.finish()
      return applied
    } catch {
      journal?.abort()
      throw error
    }
  }

  /// Whether folding `events` after the Datanet's own gives what a fold of all of them would:
  /// the catalog's events come first in the merged topological order, and none of `events`
  /// removes a curator or model operator concurrently with one of them (a removal overrides
  /// what the removed did meanwhile, even earlier in the order: only a refold undoes that).
  private static func appliesAfterLocalEvents(
    _ events: [SignedEvent], of datanet: Digest, in db: Database
  ) throws -> Bool {
    var parents = [Digest: [Digest]]()
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT e.id AS id, p.parent AS parent FROM events e
        LEFT JOIN event_parents p ON p.event = e.id WHERE e.datanet = ?
        """, arguments: [datanet.hex])
    {
      guard let id = Digest(hex: row["id"]) else { continue }
      let parent = (row["parent"] as String?).flatMap(Digest.init(hex:))
      parents[id, default: []] += parent.map { [$0] } ?? []
    }
    let local = Set(parents.keys)
    for event in events { parents[event.id] = event.payload.parents }
    let order = TopologicalOrder.sort(parents)
    guard Set(order.prefix(local.count)) == local else { return false }
    for event in events {
      guard case .datanetUpdate(let body) = event.payload.body,
        !(body.removeCurators ?? []).isEmpty || !(body.removeOperators ?? []).isEmpty
      else { continue }
      // Its causal past must hold every local event.
      var past = Set<Digest>()
      var next = event.payload.parents
      while let id = next.popLast() {
        guard past.insert(id).inserted else { continue }
        next += parents[id] ?? []
      }
      if !local.isSubset(of: past) { return false }
    }
    return true
  }

  /// Folds `events` after the Datanet's own, with causality over all of them; `listed` holds
  /// the entries of the shards read as they arrived.
  private static func applyIncrementally(
    _ events: [SignedEvent], of datanet: Digest, store: Store,
    redactions: [Digest: [Digest]], listed: [Digest: [StoredRecord]], in db: Database
  ) throws -> [(id: Digest, outcome: LedgerReplay.Outcome)] {
    let shards = try ShardLocator(candidates: redactions, objects: store.objects)
    var all = [Digest: SignedEvent]()
    for id in try String.fetchAll(
      db, sql: "SELECT id FROM events WHERE datanet = ?", arguments: [datanet.hex]
    ).compactMap(Digest.init(hex:)) {
      all[id] = try SignedEvent.verified(id: id, bytes: store.objects.read(id, verify: false))
    }
    for event in events { all[event.id] = event }
    let order = TopologicalOrder.sort(all.mapValues(\.payload.parents))
    let causality = Causality(events: all, order: order)
    // Membership events already folded count as applied for the current curators.
    for id in order where all[id]!.payload.type != .contributionSubmit {
      if events.contains(where: { $0.id == id }) { break }
      causality.markApplied(id, in: datanet)
    }
    var outcomes = [(id: Digest, outcome: LedgerReplay.Outcome)]()
    let new = Set(events.map(\.id))
    for id in order where new.contains(id) {
      do {
        var outcome = EventApplier.Outcome.applied
        try db.inSavepoint {
          outcome = try EventApplier.apply(
            all[id]!, in: db, objects: store.objects, shards: shards, causality: causality,
            listed: listed)
          return .commit
        }
        if case .overridden(let reason) = outcome {
          outcomes.append((id, .overridden(reason)))
        } else {
          outcomes.append((id, .applied))
        }
      } catch {
        outcomes.append((id, .refused(error)))
      }
    }
    try shards.settle(in: db, objects: store.objects)
    return outcomes
  }

  // MARK: - Push

  /// Sends this store's events of `datanets` (every Datanet when nil) and the objects they
  /// need to the remote, and announces its heads there.
  public func push(datanets scope: [DatanetState]? = nil) throws -> PushReport {
    guard transport.isWritable else { throw RemoteError.readOnly(location: transport.location) }
    var report = PushReport(remote: name)
    let datanets = try scope ?? Ledger(store: store).datanets()
    if !(try counted { try transport.has(RemoteLayout.marker) }) {
      let marker = try CanonicalEncoder.encode(["format": RemoteLayout.formatVersion])
      _ = try counted { try transport.put(RemoteLayout.marker, data: marker) }
    }
    for state in datanets { report.datanets.append(try push(state)) }
    report.requests = requests
    return report
  }

  private func push(_ state: DatanetState) throws -> PushReport.DatanetPush {
    let datanet = state.id
    let ledger = Ledger(store: store)
    let remote = try remoteHeads(of: datanet)
    let headFiles = remote.files
    if headFiles.isEmpty { try checkNameIsFree(state) }
    let (missing, ahead) = try unpushed(datanet, remoteHeads: remote.heads)
    let heads = try ledger.heads(of: datanet)
    guard !missing.isEmpty else {
      return PushReport.DatanetPush(
        datanet: datanet, name: state.name, events: 0, objects: 0, bytes: 0, headFile: nil,
        remoteAhead: ahead)
    }
    let events = try missing.sorted().map {
      try SignedEvent.verified(id: $0, bytes: store.objects.read($0))
    }
    let (objects, objectBytes) = try sendObjects(for: events)
    let packs = EventPack.encode(events, largest: RemoteLayout.largestPack)
    let packBytes = packs.reduce(0) { $0 + $1.count }
    expect(files: packs.count, bytes: packBytes)
    let packIDs = try send(packs)
    note(files: packs.count, bytes: packBytes)
    let id = try announce(
      RemoteHeadFile(datanet: datanet, name: state.name, heads: heads, packs: packIDs))
    if ahead == 0, headFiles.count + 1 > Self.consolidationThreshold {
      try consolidate(state, heads: heads, replacing: headFiles + [id])
    }
    return PushReport.DatanetPush(
      datanet: datanet, name: state.name, events: events.count, objects: objects,
      bytes: objectBytes + packBytes, headFile: id,
      remoteAhead: ahead)
  }

  /// Refuses to push `state` to a remote holding another Datanet of its name: every pull and
  /// clone of the remote would then stop at the one of them it does not hold. Asked when the
  /// remote holds nothing of `state` yet: one listing, then a head file of each Datanet there
  /// this store does not hold (a Datanet it holds has another name).
  private func checkNameIsFree(_ state: DatanetState) throws {
    let local = Set(try Ledger(store: store).datanets().map(\.id))
    for other in try remoteDatanets() where !local.contains(other) {
      let listed = try counted { try transport.list(prefix: RemoteLayout.headsPrefix(other)) }
      guard
        let (key, id) = listed.lazy.compactMap({ entry in
          RemoteLayout.headID(in: entry.key, of: other).map { (entry.key, $0) }
        }).first
      else { continue }
      let name: String
      do {
        name = try headFile(key, id: id, of: other).name
      } catch RemoteError.notFound {
        continue
      } catch RemoteError.corrupt {
        continue  // a pull refuses it, naming it
      }
      if name == state.name {
        throw RemoteError.nameInUse(
          location: transport.location, name: name, local: state.id, remote: other)
      }
    }
  }

  /// The head files of `datanet` on the remote and the heads they announce: head files read
  /// before are known, the others are read.
  private func remoteHeads(of datanet: Digest) throws -> (files: [Digest], heads: Set<Digest>) {
    let listed = try counted { try transport.list(prefix: RemoteLayout.headsPrefix(datanet)) }
    let known = try knownHeads(prefix: RemoteLayout.headsPrefix(datanet))
    var heads = Set<Digest>()
    var files = [Digest]()
    for entry in listed {
      guard let id = RemoteLayout.headID(in: entry.key, of: datanet) else { continue }
      files.append(id)
      if let announced = known[entry.key] {
        heads.formUnion(announced)
        continue
      }
      heads.formUnion(try headFile(entry.key, id: id, of: datanet).heads)
    }
    return (files, heads)
  }

  /// This store's events of `datanet` that the remote, announcing `remoteHeads`, lacks; and how
  /// many of those heads this store lacks.
  private func unpushed(_ datanet: Digest, remoteHeads: Set<Digest>) throws -> (
    events: Set<Digest>, ahead: Int
  ) {
    let local = try store.catalog.read { db in
      Set(
        try String.fetchAll(
          db, sql: "SELECT id FROM events WHERE datanet = ?", arguments: [datanet.hex]
        ).compactMap(Digest.init(hex:)))
    }
    let onRemote = try Ledger(store: store).history(
      of: datanet, upTo: remoteHeads.filter(local.contains).sorted())
    return (local.subtracting(onRemote), remoteHeads.subtracting(local).count)
  }

  /// Writes a head file and remembers it; returns its id.
  private func announce(_ file: RemoteHeadFile) throws -> Digest {
    let data = try file.encoded()
    let id = Digest.of(data)
    let key = RemoteLayout.headKey(file.datanet, id)
    _ = try counted { try transport.put(key, data: data) }
    try store.catalog.write { db in
      try Self.remember([key], heads: [key: file.heads], remote: name, in: db)
    }
    return id
  }

  /// How many head files a Datanet may gather on a remote before a push that knows all of
  /// them folds them into one.
  static let consolidationThreshold = 16

  /// Folds the Datanet's head files on the remote into one: a pack of every event of the
  /// Datanet (which this store holds: it holds every head they announce) and a head file that
  /// replaces them; then deletes the replaced head files. A clone then reads one head file and
  /// one pack, however many pushes there were. The old packs stay (a concurrent push may name
  /// an identical one); `gc --remote` deletes those no head file names.
  private func consolidate(_ state: DatanetState, heads: [Digest], replacing old: [Digest])
    throws
  {
    let ids = try store.catalog.read { db in
      try String.fetchAll(
        db, sql: "SELECT id FROM events WHERE datanet = ?", arguments: [state.id.hex]
      ).compactMap(Digest.init(hex:))
    }
    let events = try ids.map { try SignedEvent.verified(id: $0, bytes: store.objects.read($0)) }
    let packs = try send(EventPack.encode(events, largest: RemoteLayout.largestPack))
    let id = try announce(
      RemoteHeadFile(
        datanet: state.id, name: state.name, heads: heads, packs: packs, replaces: old))
    for replaced in old where replaced != id {
      try counted { try transport.delete(RemoteLayout.headKey(state.id, replaced)) }
    }
  }

  /// Writes `packs` and remembers them; returns their ids.
  private func send(_ packs: [Data]) throws -> [Digest] {
    let ids = packs.map(Digest.of)
    for (id, pack) in zip(ids, packs) {
      _ = try counted { try transport.put(RemoteLayout.packKey(id), data: pack) }
    }
    try store.catalog.write { db in
      try Self.remember(ids.map(RemoteLayout.packKey), remote: name, in: db)
    }
    return ids
  }

  /// Sends the objects `events` need that the remote lacks; returns how many it sent, and their
  /// bytes (those the remote held already are counted as done, not as sent).
  private func sendObjects(for events: [SignedEvent]) throws -> (objects: Int, bytes: Int) {
    var wanted = [Digest]()
    var markers = [(original: Digest, redacted: Digest)]()
    for event in events {
      switch event.payload.body {
      case .contributionSubmit(let body):
        // gc may have put a redacted shard in the original's place.
        let held = try store.catalog.read { db in
          try String.fetchAll(
            db,
            sql: """
              SELECT s.id FROM shards s JOIN contributions c ON c.num = s.contribution
              WHERE c.id = ? ORDER BY s.position
              """, arguments: [event.id.hex]
          ).compactMap(Digest.init(hex:))
        }
        for (shard, object) in zip(body.shards, held) {
          wanted.append(object)
          if object != shard.id { markers.append((shard.id, object)) }
        }
        if let provenance = body.provenance { wanted.append(provenance) }
      case .rewardsEpoch(let body):
        wanted +=
          [body.manifest, body.tree, body.allocations] + (body.signedLog.map { [$0] } ?? [])
        if let manifest = try? RewardsManifest.decode(
          store.objects.read(body.manifest), name: body.manifest.short)
        {
          if let leaves = manifest.subjectDigest(ManifestFiles.leaves) { wanted.append(leaves) }
          wanted.append(manifest.predicate.inferenceLog.sha256)
        }
      default: break
      }
    }
    let present = Array(Set(wanted)).sorted().filter { store.objects.contains($0) }
    var sizes = [Digest: Int]()
    for id in present { sizes[id] = try store.objects.size(of: id) }
    expect(files: present.count, bytes: sizes.values.reduce(0, +))
    let sent = LockedCounter()
    let sentBytes = LockedCounter()
    try Parallel.forEach(present, workers: 4) { id in
      let key = RemoteLayout.objectKey(id)
      if try self.counted({ try self.transport.has(key) }) {
        self.note(files: 1, bytes: sizes[id] ?? 0)
        return
      }
      if try self.counted({
        try self.transport.put(key, contentsOf: self.store.objects.path(for: id))
      }) == .created {
        sent.add(1)
        sentBytes.add(sizes[id] ?? 0)
      }
      self.note(files: 1, bytes: sizes[id] ?? 0)
    }
    for marker in markers {
      _ = try counted {
        try transport.put(
          RemoteLayout.redactionKey(marker.original, marker.redacted), data: Data())
      }
    }
    return (sent.value, sentBytes.value)
  }
}

/// A list several threads append to.
final class LockedList<Element>: @unchecked Sendable {
  private let lock = NSLock()
  private var items = [Element]()

  func append(_ item: Element) { lock.withLock { items.append(item) } }
  var values: [Element] { lock.withLock { items } }
}

/// A counter several threads add to.
final class LockedCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0

  func add(_ n: Int) { lock.withLock { count += n } }
  var value: Int { lock.withLock { count } }
}

/// What `gc --remote` did on a remote.
public struct RemoteGCReport: Codable, Sendable, Equatable {
  public var remote: String
  /// Redacted shards sent, each with its marker.
  public var redactedShards: Int
  /// Shards deleted from the remote, their removed records' bytes with them: originals, and
  /// earlier redacted copies that still held records removed since.
  public var shardsDeleted: [Digest]
  /// Packs no head file names any more.
  public var packsDeleted: Int
  /// Staging files of writes killed midway, a day old or more (a directory remote's).
  public var abandonedWrites = 0
  /// Uploads in parts that writes killed midway left incomplete, initiated a day ago or more,
  /// aborted (an S3 remote's multipart uploads).
  public var abandonedUploads = 0
  /// Why incomplete uploads were not looked for: the storage refused the keys the listing or
  /// the abort (the rest of `gc --remote` is done). Nil when they were.
  public var uploadsUnchecked: String?
  public var bytesFreed: Int
  public var requests: Int
}

extension RemoteSync {
  /// How old a write's leftovers (a staging file, an incomplete upload) must be before
  /// `gc --remote` takes the write for dead: no push takes a day over one file.
  static let abandonedAfter: TimeInterval = 24 * 3600

  /// Refuses `gc --remote` unless it is safe: the remote takes writes, and this store holds
  /// exactly what the remote does of every Datanet there (every Datanet, every head file, and
  /// no event of its own the remote lacks). An original shard may be needed by a Datanet this
  /// store has not seen; a redacted one sent before the takedown that made it would erase
  /// records the remote's ledger still holds. Returns the Datanets the remote holds.
  @discardableResult
  public func checkErasable() throws -> [Digest] {
    guard transport.isWritable else { throw RemoteError.readOnly(location: transport.location) }
    let local = Dictionary(
      try Ledger(store: store).datanets().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a }
    )
    let datanets = try remoteDatanets()
    for datanet in datanets {
      guard let name = local[datanet] else {
        throw RemoteError.gcUnsafe(
          remote: self.name,
          reason: "it holds Datanet \(datanet.short), which this store does not; clone it here "
            + "first")
      }
      if !(try unpulledHeadFiles(of: datanet)).isEmpty {
        throw RemoteError.gcUnsafe(
          remote: self.name, reason: "it holds changes this store has not pulled; pull first")
      }
      let unpushed = try unpushed(datanet, remoteHeads: remoteHeads(of: datanet).heads).events
      if !unpushed.isEmpty {
        throw RemoteError.gcUnsafe(
          remote: self.name,
          reason: "this store holds \(unpushed.count) event(s) of \(name) that the remote lacks (a "
            + "takedown among them would erase records the remote's ledger still holds); push "
            + "first")
      }
    }
    return datanets
  }

  /// Erases from the remote the bytes `gc` erased here: each shard of the remote's Datanets
  /// this store holds in redacted form is sent with its marker; the original, and any other
  /// redacted copy of it this store does not hold (an earlier redaction, still holding records
  /// removed since), are deleted from the remote when this store no longer needs them.
  /// `checkErasable` first, again: `gc` asks before its local work too, and the remote may
  /// have moved while that ran (a few listings, against deleting what someone still needs).
  public func eraseRemovedBytes() throws -> RemoteGCReport {
    let datanets = try checkErasable()
    let (rows, theirs) = try store.catalog.read { db in
      let all = Set(
        try String.fetchAll(db, sql: "SELECT id FROM shards").compactMap(Digest.init(hex:)))
      // Only the shards of Datanets the remote holds go there.
      let remote = Set(datanets.map(\.hex))
      let held = try Row.fetchAll(
        db,
        sql: """
          SELECT s.id AS shard, d.id AS datanet FROM shards s
          JOIN contributions c ON c.num = s.contribution JOIN datanets d ON d.num = c.datanet
          """
      ).filter { remote.contains($0["datanet"]) }.compactMap { Digest(hex: $0["shard"]) }
      return (all, held)
    }
    var pairs = [(original: Digest, redacted: Digest)]()
    for id in Set(theirs).sorted() {
      let prefix = try store.objects.readPrefix(id, count: 40)
      if prefix.count == 40, prefix.prefix(8).elementsEqual(ShardFormat.redactedMagic) {
        pairs.append((Digest(bytes: prefix.dropFirst(8)), id))
      }
    }
    var report = RemoteGCReport(
      remote: name, redactedShards: 0, shardsDeleted: [], packsDeleted: 0, bytesFreed: 0,
      requests: 0)
    for (original, redacted) in pairs {
      let key = RemoteLayout.objectKey(redacted)
      if !(try counted { try transport.has(key) }) {
        _ = try counted {
          try transport.put(key, contentsOf: store.objects.path(for: redacted))
        }
        report.redactedShards += 1
      }
      _ = try counted {
        try transport.put(RemoteLayout.redactionKey(original, redacted), data: Data())
      }
      // An earlier redacted copy this store no longer holds: its marker goes first, so that a
      // pull never finds a marker without its shard.
      let markers = try counted {
        try transport.list(prefix: RemoteLayout.redactionsPrefix(original))
      }
      for marker in markers {
        guard let other = RemoteLayout.redactedID(in: marker.key, of: original),
          other != redacted, !rows.contains(other)
        else { continue }
        try counted { try transport.delete(marker.key) }
        let key = RemoteLayout.objectKey(other)
        let listed = try counted { try transport.list(prefix: key) }
        guard let entry = listed.first(where: { $0.key == key }) else { continue }
        try counted { try transport.delete(key) }
        report.shardsDeleted.append(other)
        report.bytesFreed += entry.size
      }
      // An original another contribution here still reads stays.
      guard !rows.contains(original) else { continue }
      let listed = try counted { try transport.list(prefix: RemoteLayout.objectKey(original)) }
      guard let entry = listed.first(where: { $0.key == RemoteLayout.objectKey(original) })
      else { continue }
      try counted { try transport.delete(entry.key) }
      report.shardsDeleted.append(original)
      report.bytesFreed += entry.size
    }
    // Packs no head file names: replaced by a consolidation, or left by a push that died
    // before announcing.
    let heads = try counted { try transport.list(prefix: "heads/") }
    var named = Set<String>()
    for entry in heads {
      let parts = entry.key.split(separator: "/")
      guard parts.count == 3, let datanet = Digest(hex: String(parts[1])),
        let id = RemoteLayout.headID(in: entry.key, of: datanet)
      else { continue }
      named.formUnion(try headFile(entry.key, id: id, of: datanet).packs.map(RemoteLayout.packKey))
    }
    for entry in try counted({ try transport.list(prefix: "packs/") })
    where !named.contains(entry.key) {
      try counted { try transport.delete(entry.key) }
      report.packsDeleted += 1
      report.bytesFreed += entry.size
    }
    let abandoned = try transport.removeAbandonedWrites(olderThan: Self.abandonedAfter)
    report.abandonedWrites = abandoned.count
    report.bytesFreed += abandoned.bytes
    do {
      let uploads = try transport.abortAbandonedUploads(olderThan: Self.abandonedAfter)
      report.abandonedUploads = uploads.count
      report.bytesFreed += uploads.bytes
    } catch RemoteError.accessDenied(_, let detail, let hint) {
      // Keys made for pushing may lack the permissions of listing and aborting uploads: the
      // erasing above is done, and a lifecycle rule can abort the uploads instead.
      report.uploadsUnchecked = "\(detail); \(hint)"
    }
    report.requests = lock.withLock { requests }
    return report
  }
}
