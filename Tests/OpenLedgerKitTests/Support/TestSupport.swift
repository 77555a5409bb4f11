import Foundation
import Testing

@testable import OpenLedgerKit

/// A fresh temporary directory, removed when the test's value goes away.
final class TemporaryDirectory {
  let path: String

  /// A new directory in `parent`, by default the system's temporary directory.
  init(in parent: String = NSTemporaryDirectory()) throws {
    let base = (parent as NSString).appendingPathComponent("openledger-test-XXXXXX")
    var template = Array(base.utf8CString)
    guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
      throw SystemError("mkdtemp", path: parent, code: errno)
    }
    path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// An input a fuzz target found a crash with (Fuzz/README.md), kept in Inputs/fuzz/TARGET/:
/// a file, or a folder of files.
func fuzzFixture(_ target: String, _ name: String) -> String {
  Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Inputs/fuzz/\(target)")!
}

/// A store with two identities, for tests of the ledger.
struct Fixture {
  let directory: TemporaryDirectory
  let store: Store
  let identities: IdentityStore
  let alice: Identity
  let bob: Identity
  let clock = FixedClock(Date(timeIntervalSince1970: 1_790_000_000))

  init() throws {
    directory = try TemporaryDirectory()
    store = try Store.initialize(at: "\(directory.path)/.openledger", clock: clock)
    identities = IdentityStore(directory: "\(directory.path)/identities")
    alice = try identities.create(name: "alice", clock: clock)
    bob = try identities.create(name: "bob", clock: clock)
  }

  var ledger: Ledger { Ledger(store: store) }

  func createDatanet(_ name: String = "papers", by owner: Identity? = nil) throws -> SignedEvent {
    let owner = owner ?? alice
    let body = DatanetCreate(
      name: name, description: "test", license: "CC0-1.0",
      schema: DatanetSchema(format: .jsonl, textFields: ["text"]), policy: DatanetPolicy(),
      owner: owner.account, curators: [owner.account])
    return try ledger.append(.datanetCreate(body), to: nil, by: owner, clock: clock)
  }
}

/// The URL of a fixture file in Inputs/.
func input(_ name: String) -> String {
  Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Inputs")!
}
