import ArgumentParser
import Foundation
import OpenLedgerKit

extension IdentityCommand {
  struct ExportPublic: ContextCommand {
    static let configuration = CommandConfiguration(
      commandName: "export-public",
      abstract: "Print an identity's public key as a JSON document others can trust (--key).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The identity's name (default: the one you act as).", completion: .identities)
    var name: String?

    @Option(name: .long, help: "Write the document to this file instead of stdout.")
    var out: String?

    func run(_ context: Context) throws {
      let identity = try name.map { try context.identities.load(name: $0) } ?? context.identity()
      let document = PublicKeyDocument(name: identity.name, account: identity.account)
      let data = try CanonicalEncoder.encodePretty(document) + Data("\n".utf8)
      if let out {
        let path = context.absolute(out)
        let directory = (path as NSString).deletingLastPathComponent
        try FileSystem.writeAtomically(data, to: path, stagingDirectory: directory)
        context.output.note("wrote the public key of \(identity.name) to \(path)")
      } else {
        FileHandle.standardOutput.write(data)
      }
    }
  }
}
