import Foundation

/// How a Datanet's input is read into records.
public enum RecordFormat: String, Codable, Sendable, CaseIterable {
  /// Plain text: one record per file, or per paragraph.
  case text
  /// JSON Lines: one JSON object per line.
  case jsonl
  /// Comma-separated values with a header row: one record per row.
  case csv
}

/// How plain-text input is cut into records.
public enum TextSplit: String, Codable, Sendable, CaseIterable {
  case file
  case paragraph
}

/// What input a Datanet accepts and how it becomes records (DESIGN §4).
public struct DatanetSchema: Codable, Sendable, Equatable {
  public var format: RecordFormat
  /// The fields whose text is fingerprinted and attributed. Plain text has the one field `text`.
  public var textFields: [String]
  /// Fields every record must have, with a non-empty value.
  public var required: [String]
  /// The shortest text accepted, in Unicode code points.
  public var minLength: Int?
  /// The longest text accepted, in Unicode code points.
  public var maxLength: Int?
  /// For plain text: one record per file or per paragraph.
  public var split: TextSplit?

  public init(
    format: RecordFormat, textFields: [String] = [], required: [String] = [],
    minLength: Int? = nil, maxLength: Int? = nil, split: TextSplit? = nil
  ) {
    self.format = format
    self.textFields = textFields.isEmpty ? ["text"] : textFields
    self.required = required
    self.minLength = minLength
    self.maxLength = maxLength
    self.split = format == .text ? (split ?? .file) : split
  }

  enum CodingKeys: String, CodingKey, CaseIterable {
    case format, textFields, required, minLength, maxLength, split
  }

  public init(from decoder: Decoder) throws {
    try decoder.rejectUnknownKeys(CodingKeys.self)
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let name = try container.decode(String.self, forKey: .format)
    guard let format = RecordFormat(rawValue: name) else {
      throw DecodingError.dataCorruptedError(
        forKey: .format, in: container,
        debugDescription: "'\(name)' is not a record format: use "
          + RecordFormat.allCases.map(\.rawValue).joined(separator: ", "))
    }
    let textFields = try container.decodeIfPresent([String].self, forKey: .textFields)
    if textFields?.isEmpty == true {
      throw DecodingError.dataCorruptedError(
        forKey: .textFields, in: container,
        debugDescription: "it must name at least one field (leave it out for [\"text\"])")
    }
    self.init(
      format: format, textFields: textFields ?? [],
      required: try container.decodeIfPresent([String].self, forKey: .required) ?? [],
      minLength: try container.decodeIfPresent(Int.self, forKey: .minLength),
      maxLength: try container.decodeIfPresent(Int.self, forKey: .maxLength),
      split: try container.decodeIfPresent(TextSplit.self, forKey: .split))
  }

  /// Reads a schema file, naming the field at fault when it is malformed.
  public static func load(path: String) throws -> DatanetSchema {
    let data = try FileSystem.read(path)
    let schema: DatanetSchema
    do {
      schema = try JSONDecoder().decode(DatanetSchema.self, from: data)
    } catch {
      throw DatanetError.malformedSchema(path: path, reason: JSONDiagnostics.describe(error))
    }
    do {
      try schema.check()
    } catch let DatanetError.invalidSchema(reason) {
      throw DatanetError.malformedSchema(path: path, reason: reason)
    }
    return schema
  }

  /// Checks that the fields agree with each other.
  public func check() throws {
    func fail(_ reason: String) -> DatanetError { .invalidSchema(reason) }
    if let minLength, minLength < 0 { throw fail("field 'minLength' must be 0 or more") }
    if let maxLength, maxLength < 1 { throw fail("field 'maxLength' must be 1 or more") }
    if let minLength, let maxLength, minLength > maxLength {
      throw fail("field 'minLength' (\(minLength)) is greater than 'maxLength' (\(maxLength))")
    }
    for (name, fields) in [("textFields", textFields), ("required", required)] {
      if let empty = fields.firstIndex(where: { $0.isEmpty }) {
        throw fail("field '\(name)[\(empty)]' is an empty name")
      }
      if Set(fields).count != fields.count { throw fail("field '\(name)' lists a name twice") }
    }
    switch format {
    case .text:
      if textFields != ["text"] {
        throw fail("field 'textFields' must be [\"text\"] for format text (a file has one text)")
      }
      if required.contains(where: { $0 != "text" }) {
        throw fail("field 'required' may only name \"text\" for format text")
      }
    case .jsonl, .csv:
      if split != nil { throw fail("field 'split' applies to format text only") }
    }
  }
}
