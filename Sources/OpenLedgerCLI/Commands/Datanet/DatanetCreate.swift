import ArgumentParser
import OpenLedgerKit

extension RecordFormat: ExpressibleByArgument {}
extension TextSplit: ExpressibleByArgument {}
extension NearDuplicateAction: ExpressibleByArgument {}

extension DatanetCommand {
  struct Create: ParsableCommand {
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

    @Option(name: .long, help: "The license contributions are made under (an SPDX id).")
    var license = "unspecified"

    @Option(name: .long, help: "Read the schema from this JSON file.")
    var schema: String?

    @Option(name: .long, help: "How input becomes records: text, jsonl or csv.")
    var recordFormat: RecordFormat?

    @Option(
      name: .customLong("text-field"), help: "A field holding text to fingerprint (repeatable).")
    var textFields: [String] = []

    @Option(name: .customLong("require"), help: "A field every record must have (repeatable).")
    var required: [String] = []

    @Option(name: .long, help: "The shortest text accepted, in characters.")
    var minLength: Int?

    @Option(name: .long, help: "The longest text accepted, in characters.")
    var maxLength: Int?

    @Option(name: .long, help: "For text: one record per file or per paragraph.")
    var split: TextSplit?

    @Option(name: .long, help: "What near duplicates get: flag or reject.")
    var nearDuplicates: NearDuplicateAction = .flag

    @Option(
      name: .customLong("curator"),
      help: "Another curator: an account id or a local identity's name (repeatable).")
    var curators: [String] = []

    func validate() throws {
      guard DatanetCreate.isValidName(name) else {
        throw ValidationError(DatanetError.invalidName(name).description)
      }
      let schemaFlags =
        recordFormat != nil || !textFields.isEmpty || !required.isEmpty || minLength != nil
        || maxLength != nil || split != nil
      if schema != nil, schemaFlags {
        throw ValidationError(
          "--schema cannot be combined with --record-format, --text-field, --require, "
            + "--min-length, --max-length or --split; put those in the schema file")
      }
    }

    func run() throws {
      let context = Context(global)
      let schema = try resolvedSchema(context)
      let store = try context.openStore()
      let identity = try context.identity()
      let curators = try curators.map(context.identities.resolveAccount) + [identity.account]
      let body = DatanetCreate(
        name: name, description: description, license: license, schema: schema,
        policy: DatanetPolicy(nearDuplicate: nearDuplicates), owner: identity.account,
        curators: curators)
      let event = try Ledger(store: store).append(
        .datanetCreate(body), to: nil, by: identity, clock: context.clock)
      let state = try Ledger(store: store).datanet(event.id.hex)
      if context.output.isJSON {
        try context.output.json(state)
      } else {
        context.output.line("Created Datanet \(state.name) (\(state.id.hex))")
      }
    }

    private func resolvedSchema(_ context: Context) throws -> DatanetSchema {
      if let schema {
        let path = schema.hasPrefix("/") ? schema : "\(context.workingDirectory)/\(schema)"
        return try DatanetSchema.load(path: path)
      }
      let built = DatanetSchema(
        format: recordFormat ?? .text, textFields: textFields, required: required,
        minLength: minLength, maxLength: maxLength, split: split)
      do {
        try built.check()
      } catch let error as DatanetError {
        throw ValidationError(error.description)
      }
      return built
    }
  }
}
