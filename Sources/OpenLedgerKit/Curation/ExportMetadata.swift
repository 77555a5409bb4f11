import Foundation

/// The two descriptions an export carries: a Frictionless Data Package (`datapackage.json`) and
/// an MLCommons Croissant 1.0 JSON-LD document (`croissant.json`). Both list every record file
/// with its size and SHA-256, describe the fields of a record line, and name the contributors
/// (by account id: the store knows keys, not people's names).
struct ExportMetadata {
  let state: DatanetState
  let ledger: (heads: [Digest], time: String)
  /// The record shards.
  let files: [ExportedFile]
  /// Records per contributor.
  let contributors: [AccountID: Int]
  /// Whether lines carry `record` (the canonical JSON of JSON and CSV records).
  let withRecord: Bool

  private static let hex64 = "^[0-9a-f]{64}$"

  /// The fields of a record line: name, description, and whether it is a 64-digit hex id.
  private var fields: [(name: String, description: String, isID: Bool)] {
    var fields: [(String, String, Bool)] = [
      (
        "record_id", "SHA-256 of the record's canonical bytes: the record's id in openledger.", true
      ),
      (
        "contribution",
        "The openledger contribution (contribution.submit event id) credited with the record.", true
      ),
      ("contributor", "The account (Ed25519 public key) that contributed the record.", true),
      (
        "text", "The text the record contributes: its schema's text fields, joined by newlines.",
        false
      ),
    ]
    if withRecord {
      fields.append(
        (
          "record", "The record as canonical JSON (RFC 8785 style); its SHA-256 is record_id.",
          false
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
          var constraints: [String: JSONValue] = ["required": .bool(true)]
          if field.isID { constraints["pattern"] = .string(Self.hex64) }
          if field.name == "record_id" { constraints["unique"] = .bool(true) }
          return .object([
            "name": .string(field.name), "type": .string("string"),
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
            "title": .string(entry.account.hex), "role": .string("author"),
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
            "@type": .string("sc:Person"), "name": .string(entry.account.fingerprint),
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
          "field": .array(
            fields.map { field in
              .object([
                "@type": .string("cr:Field"),
                "@id": .string("records/\(field.name)"),
                "name": .string(field.name),
                "description": .string(field.description),
                "dataType": .string("sc:Text"),
                "source": .object([
                  "fileSet": .object(["@id": .string(fileSet)]),
                  "extract": .object(["column": .string(field.name)]),
                ]),
              ])
            }),
        ])
      ]),
    ]
    if !state.license.isEmpty { document["license"] = .string(state.license) }
    return try CanonicalEncoder.encodePretty(JSONValue.object(document))
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
