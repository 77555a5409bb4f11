import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct ObjectStoreTests {
  @Test func putNamesObjectsBySHA256UnderAFanOut() throws {
    let fixture = try Fixture()
    let data = Data("hello world".utf8)
    let id = try fixture.store.objects.put(data)
    #expect(id.hex == "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9")
    let path = fixture.store.objects.path(for: id)
    #expect(
      path.hasSuffix(
        "/objects/sha256/b9/4d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"))
    #expect(try fixture.store.objects.read(id) == data)
    #expect(try fixture.store.objects.read(id, mapped: true) == data)
    #expect(try FileSystem.mode(path) == 0o444)
    #expect(try fixture.store.objects.put(data) == id)
    #expect(try FileSystem.list("\(fixture.store.root)/tmp").isEmpty)
  }

  @Test func aChangedByteIsReportedByObjectId() throws {
    let fixture = try Fixture()
    let id = try fixture.store.objects.put(Data("some bytes".utf8))
    let path = fixture.store.objects.path(for: id)
    chmod(path, 0o644)
    try Data("some bytez".utf8).write(to: URL(fileURLWithPath: path))
    #expect(throws: StoreError.self) { try fixture.store.objects.read(id) }
    #expect(throws: StoreError.self) { try fixture.store.objects.read(id, mapped: true) }
    #expect(
      try fixture.store.objects.read(id, verify: false, mapped: true) == Data("some bytez".utf8))
    let report = try fixture.store.fsck()
    #expect(report.problems.count == 1)
    #expect(report.problems[0].kind == .corrupt)
    #expect(report.problems[0].object == id.hex)
  }

  @Test func gcRemovesOnlyUnreferencedObjects() throws {
    let fixture = try Fixture()
    let event = try fixture.createDatanet()
    let orphan = try fixture.store.objects.put(Data("orphan".utf8))
    let dry = try fixture.store.gc(dryRun: true, clock: fixture.clock)
    #expect(dry.objectsRemoved == [orphan])
    #expect(fixture.store.objects.contains(orphan))
    let report = try fixture.store.gc(dryRun: false, clock: fixture.clock)
    #expect(report.objectsRemoved == [orphan])
    #expect(!fixture.store.objects.contains(orphan))
    #expect(fixture.store.objects.contains(event.id))
    #expect(try fixture.store.fsck().isClean)
  }

  @Test func fsckReportsAnObjectTheCatalogMisses() throws {
    let fixture = try Fixture()
    let event = try fixture.createDatanet()
    try fixture.store.objects.remove(event.id)
    let report = try fixture.store.fsck()
    #expect(report.problems.map(\.kind) == [.missing])
    #expect(report.problems[0].object == event.id.hex)
  }

  @Test func storeDiscoveryWalksUpward() throws {
    let fixture = try Fixture()
    let nested = "\(fixture.directory.path)/a/b/c"
    try FileSystem.makeDirectory(nested)
    let found = try Store.locate(explicit: nil, environment: nil, workingDirectory: nested)
    #expect(found == fixture.store.root)
    #expect(
      try Store.locate(explicit: fixture.directory.path, environment: nil, workingDirectory: "/")
        == fixture.store.root)
    #expect(
      try Store.locate(explicit: nil, environment: fixture.store.root, workingDirectory: "/")
        == fixture.store.root)
    #expect(throws: StoreError.self) {
      try Store.locate(explicit: nil, environment: nil, workingDirectory: "/proc/self")
    }
  }

  @Test func initRefusesAnExistingStore() throws {
    let fixture = try Fixture()
    #expect(throws: StoreError.self) {
      try Store.initialize(at: fixture.store.root, clock: fixture.clock)
    }
  }

  @Test func aBusyCatalogWaitsThenFailsClearly() throws {
    let directory = try TemporaryDirectory()
    let root = "\(directory.path)/.openledger"
    _ = try Store.initialize(at: root, clock: SystemClock())
    var config = try StoreConfig.load(from: "\(root)/config.json")
    config.busyTimeoutMilliseconds = 200
    try FileSystem.writeAtomically(
      try CanonicalEncoder.encode(config), to: "\(root)/config.json",
      stagingDirectory: "\(root)/tmp")
    let store = try Store.open(at: root)
    let blocker = try CatalogBlocker(path: "\(root)/catalog.sqlite")
    defer { blocker.release() }
    let identities = IdentityStore(directory: "\(directory.path)/ids")
    let alice = try identities.create(name: "alice", clock: SystemClock())
    let body = DatanetCreate(
      name: "x", description: "", license: "", schema: DatanetSchema(format: .text),
      policy: DatanetPolicy(), owner: alice.account, curators: [])
    let start = Date()
    do {
      try Ledger(store: store).append(
        .datanetCreate(body), to: nil, by: alice, clock: SystemClock())
      Issue.record("a write went through a held lock")
    } catch let error as StoreError {
      guard case .catalogBusy = error else {
        Issue.record("unexpected \(error)")
        return
      }
      #expect(error.kind == .ioError)
      #expect(error.description.contains("locked by another openledger process"))
    }
    #expect(Date().timeIntervalSince(start) >= 0.15, "it waited before giving up")
  }
}

extension ObjectStoreTests {
  /// Bytes already checked against their name are stored under it without hashing again, as
  /// `put` would have stored them; storing them twice writes nothing.
  @Test func putHashedAsStoresUnderTheGivenName() throws {
    let fixture = try Fixture()
    let data = Data("fetched bytes".utf8)
    let id = Digest.of(data)
    try fixture.store.objects.put(data, hashedAs: id)
    #expect(try fixture.store.objects.read(id) == data)
    #expect(try FileSystem.mode(fixture.store.objects.path(for: id)) == 0o444)
    try fixture.store.objects.put(data, hashedAs: id)
    #expect(try fixture.store.objects.put(data) == id)
    #expect(try FileSystem.list("\(fixture.store.root)/tmp").isEmpty)
  }

  /// A mapped object reads as the file's bytes; a missing one and an empty one are named as
  /// `read` names them.
  @Test func mappedObjectsReadLikeReadObjects() throws {
    let fixture = try Fixture()
    let empty = try fixture.store.objects.put(Data())
    #expect(try fixture.store.objects.read(empty, mapped: true).isEmpty)
    let missing = Digest.of(Data("never stored".utf8))
    let error = #expect(throws: StoreError.self) {
      try fixture.store.objects.read(missing, mapped: true)
    }
    guard case .objectMissing(let named)? = error else {
      Issue.record("expected objectMissing, got \(String(describing: error))")
      return
    }
    #expect(named == missing)
  }
}
