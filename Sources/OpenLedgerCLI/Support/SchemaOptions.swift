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

extension SchemaOptions {
  /// The schema `current` becomes with these flags (`datanet update`), or nil when none was
  /// given: `--schema FILE` replaces it whole; each flag replaces its part (`--text-field` and
  /// `--require` their lists; `--min-length 0` and `--max-length 0` remove the limit).
  func change(of current: DatanetSchema, workingDirectory: String) throws -> DatanetSchema? {
    var new: DatanetSchema
    if let schema {
      new = try DatanetSchema.load(
        path: schema.hasPrefix("/") ? schema : "\(workingDirectory)/\(schema)")
    } else {
      guard hasFlags else { return nil }
      new = current
      new.format = recordFormat ?? current.format
      if let split { new.split = split }
      if !textFields.isEmpty { new.textFields = textFields }
      if !required.isEmpty { new.required = required }
      if let minLength { new.minLength = minLength == 0 ? nil : minLength }
      if let maxLength { new.maxLength = maxLength == 0 ? nil : maxLength }
    }
    if let problem = DatanetState.schemaChangeProblem(from: current, to: new) {
      throw ValidationError(problem)
    }
    do {
      try new.check()
    } catch let error as DatanetError {
      throw ValidationError(error.description)
    }
    return new
  }

  /// What changes from `old` to `new`, for people: `minimum length 0 → 100`.
  static func describeChange(from old: DatanetSchema, to new: DatanetSchema) -> String {
    func list(_ values: [String]) -> String {
      values.isEmpty ? "none" : values.joined(separator: ", ")
    }
    var parts = [String]()
    if old.textFields != new.textFields {
      parts.append("text fields \(list(old.textFields)) → \(list(new.textFields))")
    }
    if old.required != new.required {
      parts.append("required \(list(old.required)) → \(list(new.required))")
    }
    if old.minLength != new.minLength {
      parts.append("minimum length \(old.minLength ?? 0) → \(new.minLength ?? 0)")
    }
    if old.maxLength != new.maxLength {
      parts.append(
        "maximum length \(old.maxLength.map(String.init) ?? "any") → "
          + "\(new.maxLength.map(String.init) ?? "any")")
    }
    return parts.joined(separator: ", ")
  }
}
