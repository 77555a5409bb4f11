import ArgumentParser
import OpenLedgerKit

extension IdentityCommand {
  struct New: ContextCommand {
    static let configuration = CommandConfiguration(abstract: "Create a new identity.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A name for the identity (letters, digits, '.', '_', '-').")
    var name: String

    func validate() throws {
      guard IdentityStore.isValidName(name) else {
        throw ValidationError(IdentityError.invalidName(name).description)
      }
    }

    func run(_ context: Context) throws {
      let identity = try context.identities.create(name: name, clock: context.clock)
      if context.output.isJSON {
        try context.output.json(IdentitySummary(identity))
      } else if context.output.quiet {
        // The one value a script needs; the table is for people.
        context.output.line(identity.account.hex)
      } else {
        context.output.line("Created identity \(identity.name)")
        context.output.line("account  \(identity.account.hex)")
        context.output.line("key file \(identity.path)")
      }
    }
  }
}

/// An identity as listings print it; never the private key.
struct IdentitySummary: Encodable {
  var name: String
  var account: String
  var fingerprint: String
  var keyid: String
  var created: String
  var path: String

  init(_ identity: Identity) {
    name = identity.name
    account = identity.account.hex
    fingerprint = identity.account.fingerprint
    keyid = identity.account.keyID
    created = identity.created
    path = identity.path
  }
}
