import ArgumentParser
import OpenLedgerKit

extension DatanetCommand {
  struct Create: ContextCommand {
    static let configuration = CommandConfiguration(
      abstract: "Create a Datanet, owned by you.",
      discussion: """
        The schema comes from --schema FILE (JSON with format, textFields, required, \
        minLength, maxLength, split) or from the flags. You become the owner and a curator.
        """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The Datanet's name (lowercase letters, digits, '.', '_', '-').")
    var name: String

    @Option(name: .long, help: "What the Datanet collects.")
    var description = ""

    @Option(
      name: .long,
      help: ArgumentHelp(
        "The license contributions are made under: an SPDX license id or expression (MIT OR "
          + "Apache-2.0), or LicenseRef-NAME for one outside the SPDX list.", valueName: "spdx"))
    var license = License.unspecified

    @OptionGroup var schema: SchemaOptions

    @Option(name: .long, help: "What near duplicates get: flag or reject.")
    var nearDuplicates: NearDuplicateAction = .flag

    @Option(
      name: .long,
      help: ArgumentHelp(
        "The default reward split: a policy file as `rewards compute --policy` takes.",
        valueName: "file"))
    var rewardsPolicy: String?

    @Option(
      name: .customLong("curator"),
      help: ArgumentHelp(
        "Another curator: an account id, a local identity's name or a public key file "
          + "(repeatable)."),
      completion: .identities)
    var curators: [String] = []

    func validate() throws {
      guard DatanetCreate.isValidName(name) else {
        throw ValidationError(DatanetError.invalidName(name).description)
      }
      do {
        _ = try License.normalize(license)
      } catch {
        throw ValidationError(error.description)
      }
    }

    func run(_ context: Context) throws {
      let schema = try schema.resolve(workingDirectory: context.workingDirectory)
      let store = try context.openStore()
      let identity = try context.identity()
      let curators = try curators.map(context.resolveAccount) + [identity.account]
      let rewards = try rewardsPolicy.map {
        try RewardSettings.load(
          path: context.absolute($0), resolveAccount: context.identities.resolveAccount)
      }
      // Checked now, so a Datanet never holds a split that cannot be used.
      _ = try rewards?.resolve(curators: curators, owner: identity.account)
      let body = DatanetCreate(
        name: name, description: description, license: try License.normalize(license),
        schema: schema,
        policy: DatanetPolicy(nearDuplicate: nearDuplicates, rewards: rewards),
        owner: identity.account, curators: curators)
      let event = try Ledger(store: store).append(
        .datanetCreate(body), to: nil, by: identity, clock: context.clock)
      let state = try Ledger(store: store).datanet(event.id.hex)
      if context.output.isJSON {
        try context.output.json(state)
      } else {
        context.output.line("Created Datanet \(state.name) (\(state.id.hex))")
      }
    }
  }
}
