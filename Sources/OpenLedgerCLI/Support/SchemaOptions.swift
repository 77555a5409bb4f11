import ArgumentParser
import OpenLedgerKit

extension RecordFormat: ExpressibleByArgument {}
extension TextSplit: ExpressibleByArgument {}
extension NearDuplicateAction: ExpressibleByArgument {}

/// The flags that describe a record schema (DESIGN §4), or `--schema FILE`.
struct SchemaOptions: ParsableArguments {
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

  /// Whether any schema flag (other than --schema) was given.
  var hasFlags: Bool {
    recordFormat != nil || !textFields.isEmpty || !required.isEmpty || minLength != nil
      || maxLength != nil || split != nil
  }

  func validate() throws {
    if schema != nil, hasFlags {
      throw ValidationError(
        "--schema cannot be combined with --record-format, --text-field, --require, "
          + "--min-length, --max-length or --split; put those in the schema file")
    }
  }

  /// The schema the flags describe; `defaultFormat` when no --record-format is given.
  func resolve(workingDirectory: String, defaultFormat: RecordFormat = .text) throws
    -> DatanetSchema
  {
    if let schema {
      let path = schema.hasPrefix("/") ? schema : "\(workingDirectory)/\(schema)"
      return try DatanetSchema.load(path: path)
    }
    let built = DatanetSchema(
      format: recordFormat ?? defaultFormat, textFields: textFields, required: required,
      minLength: minLength, maxLength: maxLength, split: split)
    do {
      try built.check()
    } catch let error as DatanetError {
      throw ValidationError(error.description)
    }
    return built
  }
}
