import Foundation
import OpenLedgerKit

/// Everything a command needs from the outside world, gathered once per run: the environment,
/// the store, the identity, the output and the clock. The core receives what it needs from here
/// and never reads the environment itself.
struct Context {
  let common: CommonOptions
  let environment: [String: String]
  let workingDirectory: String
  let output: Output
  let clock: any Clock
  let identities: IdentityStore

  init(_ global: GlobalOptions) {
    self.init(global.common, format: global.format)
  }

  /// A context whose output is `format`; commands with formats of their own print those
  /// themselves and pass the nearest of text and json here.
  init(_ common: CommonOptions, format: OutputFormat) {
    self.init(
      common, format: format, environment: ProcessInfo.processInfo.environment,
      workingDirectory: FileManager.default.currentDirectoryPath, clock: SystemClock())
  }

  /// A context from the given surroundings instead of the process's: for running commands
  /// in-process (tests), where the environment and working directory must not be shared.
  init(
    _ common: CommonOptions, format: OutputFormat, environment: [String: String],
    workingDirectory: String, clock: any Clock
  ) {
    self.common = common
    self.environment = environment
    self.workingDirectory = workingDirectory
    self.output = Output(format: format, quiet: common.quiet, environment: environment)
    self.clock = clock
    self.identities = Self.identityStore(environment)
  }

  /// The identities of `$XDG_CONFIG_HOME/openledger/identities` (or `~/.config/…`).
  static func identityStore(_ environment: [String: String]) -> IdentityStore {
    IdentityStore(
      directory: IdentityStore.defaultDirectory(
        xdgConfigHome: environment["XDG_CONFIG_HOME"],
        home: environment["HOME"] ?? NSHomeDirectory()))
  }

  /// The store named by --store, $OPENLEDGER_STORE, or the nearest .openledger/ upward.
  /// `catalogMayBeMissing` is for the command that recreates it.
  func openStore(catalogMayBeMissing: Bool = false) throws -> Store {
    let root = try Store.locate(
      explicit: common.store, environment: environment["OPENLEDGER_STORE"],
      workingDirectory: workingDirectory)
    return try Store.open(at: root, catalogMayBeMissing: catalogMayBeMissing)
  }

  /// The store, and the state of its Datanet named `datanet` (a name or an id).
  func datanet(_ datanet: String) throws -> (store: Store, state: DatanetState) {
    let (ledger, state) = try ledger(datanet)
    return (ledger.store, state)
  }

  /// The store's ledger, and the state of its Datanet named `datanet` (a name or an id).
  func ledger(_ datanet: String) throws -> (ledger: Ledger, state: DatanetState) {
    let ledger = Ledger(store: try openStore())
    return (ledger, try ledger.datanet(datanet))
  }

  /// The identity named by --as or $OPENLEDGER_IDENTITY, else the only one.
  func identity() throws -> Identity {
    try identities.select(common.identity ?? environment["OPENLEDGER_IDENTITY"])
  }

  /// An account named on the command line: 64 hex digits, a local identity's name, the path
  /// of a public key file (`identity export-public`), or a unique prefix of at least 8 hex
  /// digits of an account the store's ledger or a local identity knows.
  func resolveAccount(_ text: String) throws -> AccountID {
    try identities.resolveAccount(text, workingDirectory: workingDirectory) {
      // Outside a store, only the local identities are known.
      guard let store = try? openStore() else { return [] }
      return try Ledger(store: store).accounts()
    }
  }

  /// `path` made absolute against the working directory.
  func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : "\(workingDirectory)/\(path)"
  }

  /// Local identity names by account, to show names instead of hex.
  func accountNames() -> AccountNames {
    AccountNames(names: identities.publicDirectory())
  }
}

/// Shows accounts as `name (fingerprint)` when a local identity holds them.
struct AccountNames {
  let names: [AccountID: String]

  func label(_ account: AccountID) -> String {
    if let name = names[account] { return "\(name) (\(account.fingerprint))" }
    return account.fingerprint
  }
}
