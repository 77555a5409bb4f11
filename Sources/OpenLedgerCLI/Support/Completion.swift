import ArgumentParser
import Foundation
import OpenLedgerKit

/// Shell completion of the values a person types most: Datanet names (from the store the
/// command line names, or the one found from the working directory) and identity names. The
/// shell runs the binary to ask (`openledger ---completion …`); whatever fails gives no
/// suggestions rather than an error, since a completion must never disturb the shell.
extension CompletionKind {
  /// The names of the store's Datanets.
  static var datanets: CompletionKind {
    .custom { words, _, prefix in
      Completion.datanetNames(words: words).filter { $0.hasPrefix(prefix) }
    }
  }

  /// The names of the local identities.
  static var identities: CompletionKind {
    .custom { _, _, prefix in
      Completion.identityNames().filter { $0.hasPrefix(prefix) }
    }
  }
}

enum Completion {
  static func datanetNames(words: [String]) -> [String] {
    let environment = ProcessInfo.processInfo.environment
    var explicit: String?
    for (index, word) in words.enumerated() {
      if word == "--store", index + 1 < words.count { explicit = words[index + 1] }
      if word.hasPrefix("--store=") { explicit = String(word.dropFirst("--store=".count)) }
    }
    guard
      let root = try? Store.locate(
        explicit: explicit, environment: environment["OPENLEDGER_STORE"],
        workingDirectory: FileManager.default.currentDirectoryPath),
      let store = try? Store.open(at: root),
      let datanets = try? Ledger(store: store).datanets()
    else { return [] }
    return datanets.map(\.name).sorted()
  }

  static func identityNames() -> [String] {
    (try? Context.identityStore(ProcessInfo.processInfo.environment).names()) ?? []
  }
}
