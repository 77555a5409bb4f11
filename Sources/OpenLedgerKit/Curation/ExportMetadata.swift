import Foundation

/// The two descriptions an export carries: a Frictionless Data Package (`datapackage.json`) and
/// an MLCommons Croissant 1.0 JSON-LD document (`croissant.json`). Both list every record file
/// with its size and SHA-256, describe the fields of a record line, and name the contributors:
/// by the name of the local identity that holds their key where there is one (names are local:
/// the store itself knows keys, not people's names), always with their account id.
struct ExportMetadata {
  let state: DatanetState
  let ledger: (heads: [Digest], time: String)
  /// The record shards.
  let files: [ExportedFile]
  /// Records per contributor.
  let contributors: [AccountID: Int]
  /// Whether lines carry `record` (the canonical JSON of JSON and CSV records).
  let withRecord: Bool
  /// Local identity names, by account.
  let names: [AccountID: String]

  private static let hex64 = "^[0-9a-f]{64}$"

  /// What a column of a record line holds.
  private enum Kind {
    /// A 64-digit hex id, always present.
    case id
    /// A string, always present.
    case text
    /// A string or null.
    case optionalText
    /// A JSON object, always present.
    case object
    /// A JSON object or null.
    case optionalObject

    var frictionlessType: String {
      switch self {
      case .id, .text, .optionalText: "string"
      case .object, .optionalObject: "object"
      }
    }

    var isRequired: Bool {
      switch self {
      case .id, .text, .object: true
      case .optionalText, .optionalObject: false
      }
    }
  }

  /// The columns of a record line, sorted by name.
  private var fields: [(name: String, description: String, kind: Kind)] {
    var fields: [(String, String, Kind)] = [
      (
        "record_id", "SHA-256 of the record's canonical bytes: the record's id in openledger.", .id
      ),
      (
        "contribution",
        "The openledger contribution (contribution.submit event id) credited with the record.", .id
      ),
      ("contributor", "The account (Ed25519 public key) that contributed the record.", .id),
      (
        "contributor_name",
        "The name of the contributor's identity on the machine that exported the data, when "
          + "one there holds the key (names are local, not part of the ledger); else null.",
        .optionalText
      ),
      (
        "source",
        "Where the record was read from: path (the file, as the contributor named it), entry "
          + "(in an archive) and line (where the record starts); null when the contribution "
          + "did not keep it (written before openledger kept sources).", .optionalObject
      ),
      (
        "text", "The text the record contributes: its schema's text fields, joined by newlines.",
        .text
      ),
    ]
    if withRecord {
      fields.append(
        (
          "record",
          "The record itself, a JSON object whose fields are the contributed ones; its canonical "
            + "JSON (RFC 8785 style), as embedded in the line, hashes to record_id.", .object
        ))
    }
    return fields.sorted { $0.0 < $1.0 }
  }

  private var contributorList: [(account: AccountID, records: Int)] {
    contributors.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
  }

  private var provenance: JSONValue {
    .object([
      "datanet": .string(state.id.hex),
      "heads": .array(ledger.heads.map { .string($0.hex) }),
      "records": .int(files.reduce(0) { $0 + $1.records }),
      "tool": .string("openledger"),
    ])
  }

  /// A Frictionless Data Package (v1 profile `tabular-data-package`): one tabular resource per
  /// shard, with `path`, `bytes`, `hash` (`sha256:<hex>`) and the record schema.
  func dataPackage() throws -> Data {
    let schema = JSONValue.object([
      "fields": .array(
        fields.map { field in
          var constraints: [String: JSONValue] = ["required": .bool(field.kind.isRequired)]
          if case .id = field.kind { constraints["pattern"] = .string(Self.hex64) }
          if field.name == "record_id" { constraints["unique"] = .bool(true) }
          return .object([
            "name": .string(field.name), "type": .string(field.kind.frictionlessType),
            "description": .string(field.description), "constraints": .object(constraints),
          ])
        }),
      "primaryKey": .array([.string("record_id")]),
    ])
    var package: [String: JSONValue] = [
      "profile": .string("tabular-data-package"),
      "name": .string(state.name),
      "id": .string("urn:openledger:datanet:\(state.id.hex)"),
      "title": .string(state.name),
      "created": .string(ledger.time),
      "contributors": .array(
        contributorList.map { entry in
          .object([
            "title": .string(names[entry.account] ?? entry.account.hex),
            "account": .string(entry.account.hex), "role": .string("author"),
            "records": .int(entry.records),
          ])
        }),
      "resources": .array(
        files.map { file in
          .object([
            "name": .string(
              ((file.path as NSString).lastPathComponent as NSString)
                .deletingPathExtension),
            "path": .string(file.path),
            "profile": .string("tabular-data-resource"),
            "format": .string("jsonl"),
            "mediatype": .string("application/jsonl"),
            "encoding": .string("utf-8"),
            "bytes": .int(file.bytes),
            "hash": .string("sha256:\(file.sha256.hex)"),
            "schema": schema,
          ])
        }),
      "openledger": provenance,
    ]
    if !state.description.isEmpty { package["description"] = .string(state.description) }
    if let license = licenseName {
      package["licenses"] = .array([.object(["name": .string(license)])])
    }
    return try CanonicalEncoder.encodePretty(JSONValue.object(package))
  }

  /// An MLCommons Croissant 1.0 document: each shard a `cr:FileObject` with its SHA-256, a
  /// `cr:FileSet` of them, and the `records` RecordSet whose fields read the shards' columns.
  func croissant() throws -> Data {
    let fileSet = "jsonl-files"
    var document: [String: JSONValue] = [
      "@context": .object(Self.croissantContext),
      "@type": .string("sc:Dataset"),
      "conformsTo": .string("http://mlcommons.org/croissant/1.0"),
      "name": .string(state.name),
      "description": .string(
        state.description.isEmpty
          ? "The accepted records of the openledger Datanet \(state.name)." : state.description),
      "url": .string("urn:openledger:datanet:\(state.id.hex)"),
      "version": .string("1.0.0"),
      "citeAs": .string(
        "@misc{openledger-\(state.name), title={\(state.name)}, note={openledger Datanet "
          + "\(state.id.hex), ledger heads \(ledger.heads.map(\.hex).joined(separator: " "))}}"),
      "datePublished": .string(ledger.time),
      "contributor": .array(
        contributorList.map { entry in
          .object([
            "@type": .string("sc:Person"),
            "name": .string(names[entry.account] ?? entry.account.fingerprint),
            "identifier": .string(entry.account.hex),
          ])
        }),
      "distribution": .array(
        files.map { file in
          .object([
            "@type": .string("cr:FileObject"),
            "@id": .string(file.path),
            "name": .string((file.path as NSString).lastPathComponent),
            "contentUrl": .string(file.path),
            "contentSize": .string("\(file.bytes) B"),
            "encodingFormat": .string("application/jsonlines"),
            "sha256": .string(file.sha256.hex),
          ])
        } + [
          .object([
            "@type": .string("cr:FileSet"),
            "@id": .string(fileSet),
            "name": .string(fileSet),
            "description": .string("Every record shard of the export."),
            "encodingFormat": .string("application/jsonlines"),
            "includes": .string("data/*.jsonl"),
          ])
        ]),
      "recordSet": .array([
        .object([
          "@type": .string("cr:RecordSet"),
          "@id": .string("records"),
          "name": .string("records"),
          "description": .string("One record of the Datanet, with its provenance."),
          "key": .object(["@id": .string("records/record_id")]),
          "field": .array(fields.map { croissantField($0, fileSet: fileSet) }),
        ])
      ]),
    ]
    if !state.license.isEmpty { document["license"] = .string(state.license) }
    return try CanonicalEncoder.encodePretty(JSONValue.object(document))
  }

  /// The Croissant field of column `field`. A JSON object's parts are its sub-fields, each
  /// taken from the column by a JSONPath: a source's path, entry and line, and a record's text
  /// fields (the schema names those; other fields vary from record to record).
  private func croissantField(
    _ field: (name: String, description: String, kind: Kind), fileSet: String
  ) -> JSONValue {
    let id = "records/\(field.name)"
    let source = { (path: String?) -> JSONValue in
      var source: [String: JSONValue] = [
        "fileSet": .object(["@id": .string(fileSet)]),
        "extract": .object(["column": .string(field.name)]),
      ]
      if let path { source["transform"] = .object(["jsonPath": .string(path)]) }
      return .object(source)
    }
    var object: [String: JSONValue] = [
      "@type": .string("cr:Field"),
      "@id": .string(id),
      "name": .string(field.name),
      "description": .string(field.description),
    ]
    let parts: [(name: String, type: String, description: String)]
    switch field.name {
    case "source":
      parts = [
        ("path", "sc:Text", "The file read, as the contributor named it."),
        ("entry", "sc:Text", "The entry of the archive the record was read from, if any."),
        ("line", "sc:Integer", "The line the record starts on; none for a whole file."),
      ]
    case "record":
      parts = state.schema.textFields.sorted().map {
        ($0, "sc:Text", "The record's text field \($0).")
      }
    default:
      parts = []
    }
    if parts.isEmpty {
      object["dataType"] = .string("sc:Text")
      object["source"] = source(nil)
    } else {
      object["subField"] = .array(
        parts.map { part in
          .object([
            "@type": .string("cr:Field"),
            "@id": .string("\(id)/\(part.name)"),
            "name": .string(part.name),
            "description": .string(part.description),
            "dataType": .string(part.type),
            "source": source("$['\(part.name)']"),
          ])
        })
    }
    return .object(object)
  }

  /// The license as a Data Package license `name` (an identifier such as `CC-BY-4.0`), when it
  /// is one; free text is left to the description.
  private var licenseName: String? {
    let license = state.license
    guard !license.isEmpty,
      license.unicodeScalars.allSatisfy({
        CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-._".unicodeScalars.contains($0)
      })
    else { return nil }
    return license
  }

  /// The JSON-LD context of Croissant 1.0.
  private static let croissantContext: [String: JSONValue] = {
    var context: [String: JSONValue] = [
      "@language": .string("en"),
      "@vocab": .string("https://schema.org/"),
      "cr": .string("http://mlcommons.org/croissant/"),
      "rai": .string("http://mlcommons.org/croissant/RAI/"),
      "dct": .string("http://purl.org/dc/terms/"),
      "sc": .string("https://schema.org/"),
      "conformsTo": .string("dct:conformsTo"),
      "data": .object(["@id": .string("cr:data"), "@type": .string("@json")]),
      "dataType": .object(["@id": .string("cr:dataType"), "@type": .string("@vocab")]),
      "examples": .object(["@id": .string("cr:examples"), "@type": .string("@json")]),
    ]
    for term in [
      "citeAs", "column", "equivalentProperty", "extract", "field", "fileProperty", "fileObject",
      "fileSet", "format", "includes", "isLiveDataset", "jsonPath", "key", "md5", "parentField",
      "path", "recordSet", "references", "regex", "repeated", "replace", "samplingRate",
      "separator", "source", "subField", "transform",
    ] {
      context[term] = .string("cr:\(term)")
    }
    return context
  }()
}

/// A JSON value, for documents whose shape is easier to write than to declare.
enum JSONValue: Encodable, Sendable {
  case string(String)
  case int(Int)
  case bool(Bool)
  case array([JSONValue])
  case object([String: JSONValue])

  func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    switch self {
    case .string(let value): try container.encode(value)
    case .int(let value): try container.encode(value)
    case .bool(let value): try container.encode(value)
    case .array(let value): try container.encode(value)
    case .object(let value): try container.encode(value)
    }
  }
}
