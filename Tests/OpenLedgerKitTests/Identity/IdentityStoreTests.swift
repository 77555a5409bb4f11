import Foundation
import Testing

@testable import OpenLedgerKit

@Suite struct IdentityStoreTests {
  @Test func newIdentitiesAreReadableByTheOwnerAlone() throws {
    let directory = try TemporaryDirectory()
    let identities = IdentityStore(directory: "\(directory.path)/ids")
    let alice = try identities.create(name: "alice", clock: SystemClock())
    #expect(try FileSystem.mode(alice.path) == 0o600)
    #expect(try FileSystem.mode(identities.directory) == 0o700)
    let loaded = try identities.load(name: "alice")
    #expect(loaded.account == alice.account)
    #expect(throws: IdentityError.self) {
      try identities.create(name: "alice", clock: SystemClock())
    }
  }

  @Test func aKeyFileWithLoosePermissionsIsRefused() throws {
    let directory = try TemporaryDirectory()
    let identities = IdentityStore(directory: "\(directory.path)/ids")
    let alice = try identities.create(name: "alice", clock: SystemClock())
    chmod(alice.path, 0o644)
    do {
      _ = try identities.load(name: "alice")
      Issue.record("a world-readable key was used")
    } catch let error as IdentityError {
      #expect(error.kind == .permissionDenied)
      #expect(error.description.contains("chmod 600 \(alice.path)"))
    }
  }

  @Test func selectionUsesTheRequestedOrTheOnlyIdentity() throws {
    let directory = try TemporaryDirectory()
    let identities = IdentityStore(directory: "\(directory.path)/ids")
    #expect(throws: IdentityError.self) { try identities.select(nil) }
    let alice = try identities.create(name: "alice", clock: SystemClock())
    #expect(try identities.select(nil).account == alice.account)
    _ = try identities.create(name: "bob", clock: SystemClock())
    do {
      _ = try identities.select(nil)
      Issue.record("an identity was picked among several")
    } catch let error as IdentityError {
      #expect(error.kind == .usage)
    }
    #expect(try identities.select("bob").name == "bob")
    do {
      _ = try identities.select("carol")
      Issue.record("an unknown identity was found")
    } catch let error as IdentityError {
      #expect(error.kind == .notFound)
      #expect(error.description.contains("alice, bob"))
    }
  }

  @Test func accountsResolveFromHexOrLocalNames() throws {
    let directory = try TemporaryDirectory()
    let identities = IdentityStore(directory: "\(directory.path)/ids")
    let alice = try identities.create(name: "alice", clock: SystemClock())
    #expect(try identities.resolveAccount("alice") == alice.account)
    #expect(try identities.resolveAccount(alice.account.hex.uppercased()) == alice.account)
    #expect(throws: IdentityError.self) { try identities.resolveAccount("zed") }
  }
}
