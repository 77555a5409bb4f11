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

  /// A command line may name an account by an id prefix of 8 or more digits the ledger knows,
  /// or by the public key file `identity export-public` wrote; a prefix two accounts share is
  /// refused, naming both.
  @Test func accountsResolveFromPrefixesAndPublicKeyFiles() throws {
    let directory = try TemporaryDirectory()
    let identities = IdentityStore(directory: "\(directory.path)/ids")
    let alice = try identities.create(name: "alice", clock: SystemClock())
    let first = try #require(AccountID(hex: "abcdef01" + String(repeating: "0", count: 56)))
    let second = try #require(AccountID(hex: "abcdef01" + String(repeating: "1", count: 56)))
    let resolve = { (text: String) in
      try identities.resolveAccount(text, workingDirectory: directory.path) { [first, second] }
    }
    #expect(try resolve("ABCDEF010") == first)
    #expect(try resolve(alice.account.fingerprint) == alice.account)
    do {
      _ = try resolve("abcdef01")
      Issue.record("a prefix two accounts share was resolved")
    } catch let error as IdentityError {
      #expect(error.kind == .usage)
      #expect(error.description.contains("\(first.hex), \(second.hex)"), "\(error.description)")
    }
    // Fewer than 8 digits, or a prefix nobody has, names nothing.
    for text in ["abcdef0", "abcdef02"] {
      do {
        _ = try resolve(text)
        Issue.record("'\(text)' was resolved")
      } catch let error as IdentityError {
        #expect(error.kind == .notFound)
        #expect(error.description.contains("export-public"), "\(error.description)")
      }
    }
    let document = PublicKeyDocument(name: "bob", account: second)
    try (CanonicalEncoder.encodePretty(document) + Data("\n".utf8))
      .write(to: URL(fileURLWithPath: "\(directory.path)/bob.pub.json"))
    #expect(try resolve("bob.pub.json") == second)
    #expect(try resolve("\(directory.path)/bob.pub.json") == second)
    #expect(try resolve("alice") == alice.account)
  }
}
