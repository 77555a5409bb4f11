import Foundation

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// An element of an S3 XML answer: its name, its text and its child elements. S3's answers
/// are small trees of such elements (`ListBucketResult`, `Error`, `InitiateMultipartUploadResult`).
struct S3XMLElement {
  var name: String
  var text = ""
  var children = [S3XMLElement]()

  /// The first child named `name`.
  func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }

  /// The children named `name`.
  func all(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }

  /// The text of the first child named `name`.
  func text(of name: String) -> String? { child(name)?.text }

  /// The document in `data`, or nil when it is not well-formed XML in UTF-8, as S3 writes
  /// it. Checked first: FoundationXML traps on an element name that is not UTF-8, and reads
  /// a processing instruction without data (`<?x?>`) through a null pointer (SIGSEGV), so a
  /// document holding one is refused too: S3 writes none, only the XML declaration.
  static func parse(_ data: Data) -> S3XMLElement? {
    guard String(validating: data, as: UTF8.self) != nil, !holdsProcessingInstruction(data)
    else { return nil }
    let builder = TreeBuilder()
    let parser = XMLParser(data: data)
    parser.delegate = builder
    parser.shouldProcessNamespaces = true
    guard parser.parse(), builder.stack.count == 1, let root = builder.stack[0].children.first
    else { return nil }
    return root
  }

  /// Whether `data` holds `<?` anywhere but in the XML declaration at its start (after a
  /// byte order mark and white space): a processing instruction, or a declaration out of
  /// place (which is not well-formed anyway).
  static func holdsProcessingInstruction(_ data: Data) -> Bool {
    data.withUnsafeBytes { raw in
      let bytes = raw.bindMemory(to: UInt8.self)
      var start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
      while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
      let declaration = Array("<?xml".utf8)
      if bytes[start...].starts(with: declaration), start + 5 < bytes.count,
        [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start + 5])
      {
        // The declaration ends at its first `?>`: no `?>` may appear inside it.
        var end = start + 5
        while end + 1 < bytes.count, !(bytes[end] == 0x3F && bytes[end + 1] == 0x3E) { end += 1 }
        start = end + 2
      }
      var index = start
      while index + 1 < bytes.count {
        if bytes[index] == 0x3C, bytes[index + 1] == 0x3F { return true }
        index += 1
      }
      return false
    }
  }

  private final class TreeBuilder: NSObject, XMLParserDelegate {
    /// The open elements; the bottom one holds the document's root.
    var stack = [S3XMLElement(name: "")]

    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      stack.append(S3XMLElement(name: name))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
      stack[stack.count - 1].text += string
    }

    func parser(
      _ parser: XMLParser, didEndElement name: String, namespaceURI: String?,
      qualifiedName: String?
    ) {
      guard stack.count > 1 else { return parser.abortParsing() }
      let element = stack.removeLast()
      stack[stack.count - 1].children.append(element)
    }
  }
}

/// One page of a ListObjectsV2 answer.
struct S3ListPage {
  var entries: [(key: String, size: Int)]
  var isTruncated: Bool
  var continuationToken: String?

  enum Failure: Error {
    case malformed(String)
  }

  /// The page in `data`; `Failure.malformed` says what is wrong with a page that is not one.
  static func parse(_ data: Data) throws -> S3ListPage {
    guard let root = S3XMLElement.parse(data) else {
      throw Failure.malformed("the listing is not well-formed XML")
    }
    guard root.name == "ListBucketResult" else {
      throw Failure.malformed(
        "the listing's root element is <\(root.name)>, not <ListBucketResult>")
    }
    var entries = [(key: String, size: Int)]()
    for contents in root.all("Contents") {
      guard let key = contents.text(of: "Key"), !key.isEmpty else {
        throw Failure.malformed("an entry of the listing has no <Key>")
      }
      guard let text = contents.text(of: "Size"), let size = Int(text), size >= 0 else {
        throw Failure.malformed("entry \(key) of the listing has no size")
      }
      entries.append((key, size))
    }
    let truncated: Bool
    switch root.text(of: "IsTruncated") {
    case "true": truncated = true
    case "false", nil: truncated = false
    case let other?: throw Failure.malformed("<IsTruncated> is '\(other)'")
    }
    let token = root.text(of: "NextContinuationToken").flatMap { $0.isEmpty ? nil : $0 }
    if truncated && token == nil {
      throw Failure.malformed("the listing says it is truncated but gives no continuation token")
    }
    return S3ListPage(entries: entries, isTruncated: truncated, continuationToken: token)
  }

  /// The page's entries as a transport lists them: keys relative to the transport's `prefix`,
  /// for a listing of `full` (that prefix, then the one asked for). Keys that are not remote
  /// keys (`RemoteKey`) and the conditional-write check file are left out; a key outside
  /// `full` makes the page malformed.
  func remoteEntries(under full: String, relativeTo prefix: String) throws -> [RemoteEntry] {
    var found = [RemoteEntry]()
    for (key, size) in entries {
      guard key.utf8.starts(with: full.utf8) else {
        throw Failure.malformed("it names \(key), outside the prefix")
      }
      let relative = String(Substring(key.utf8.dropFirst(prefix.utf8.count)))
      guard RemoteKey.isValid(relative), relative != S3Transport.conditionalWriteCheckKey else {
        continue
      }
      found.append(RemoteEntry(key: relative, size: size))
    }
    return found
  }
}

/// One page of a ListMultipartUploads answer: the uploads initiated and not yet completed or
/// aborted.
struct S3UploadsPage {
  struct Upload: Equatable {
    var key: String
    var uploadID: String
    var initiated: Date
  }

  var uploads: [Upload]
  /// Where the next page starts, when there is one.
  var next: (keyMarker: String, uploadIDMarker: String)?

  /// The page in `data`; `S3ListPage.Failure.malformed` says what is wrong with one that is not.
  static func parse(_ data: Data) throws -> S3UploadsPage {
    typealias Failure = S3ListPage.Failure
    guard let root = S3XMLElement.parse(data) else {
      throw Failure.malformed("the listing of uploads is not well-formed XML")
    }
    guard root.name == "ListMultipartUploadsResult" else {
      throw Failure.malformed(
        "the listing of uploads' root element is <\(root.name)>, not <ListMultipartUploadsResult>")
    }
    var uploads = [Upload]()
    for upload in root.all("Upload") {
      guard let key = upload.text(of: "Key"), !key.isEmpty,
        let id = upload.text(of: "UploadId"), !id.isEmpty
      else { throw Failure.malformed("an upload of the listing has no <Key> or <UploadId>") }
      guard let text = upload.text(of: "Initiated"), let initiated = parseTimestamp(text) else {
        throw Failure.malformed("upload \(key) of the listing has no <Initiated> time")
      }
      uploads.append(Upload(key: key, uploadID: id, initiated: initiated))
    }
    var next: (String, String)?
    switch root.text(of: "IsTruncated") {
    case "true":
      guard let key = root.text(of: "NextKeyMarker"), !key.isEmpty else {
        throw Failure.malformed("the listing of uploads is truncated but gives no NextKeyMarker")
      }
      next = (key, root.text(of: "NextUploadIdMarker") ?? "")
    case "false", nil: break
    case let other?: throw Failure.malformed("<IsTruncated> is '\(other)'")
    }
    return S3UploadsPage(uploads: uploads, next: next)
  }

  /// An ISO 8601 time as S3 writes it (`2026-01-01T12:00:00.000Z`), with or without fractions.
  static func parseTimestamp(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)
  }
}

/// One page of a ListParts answer: the bytes of the parts an upload holds so far.
struct S3PartsPage {
  var bytes: Int
  /// The part number the next page starts after, when there is one.
  var nextMarker: String?

  static func parse(_ data: Data) throws -> S3PartsPage {
    typealias Failure = S3ListPage.Failure
    // AWS names the root ListPartsResult; moto ListPartsResponse.
    guard let root = S3XMLElement.parse(data),
      ["ListPartsResult", "ListPartsResponse"].contains(root.name)
    else {
      throw Failure.malformed("the listing of an upload's parts is not <ListPartsResult> XML")
    }
    var bytes = 0
    for part in root.all("Part") {
      guard let text = part.text(of: "Size"), let size = Int(text), size >= 0 else {
        throw Failure.malformed("a part of the listing has no size")
      }
      bytes = bytes.addingReportingOverflow(size).overflow ? Int.max : bytes + size
    }
    var next: String?
    if root.text(of: "IsTruncated") == "true" {
      guard let marker = root.text(of: "NextPartNumberMarker"), !marker.isEmpty else {
        throw Failure.malformed("the listing of parts is truncated but gives no marker")
      }
      next = marker
    }
    return S3PartsPage(bytes: bytes, nextMarker: next)
  }
}

/// The `<Error>` body of a failed S3 request.
struct S3ErrorBody: Equatable {
  var code: String
  var message: String
  /// The region S3 says the bucket is in (`AuthorizationHeaderMalformed`, `PermanentRedirect`).
  var region: String?

  /// The error in `data`, or nil when the body is not an S3 error document (a HEAD answer has
  /// no body; a proxy may answer in HTML).
  static func parse(_ data: Data) -> S3ErrorBody? {
    guard !data.isEmpty, let root = S3XMLElement.parse(data), root.name == "Error",
      let code = root.text(of: "Code")
    else { return nil }
    return S3ErrorBody(
      code: code, message: root.text(of: "Message") ?? "",
      region: root.text(of: "Region") ?? root.text(of: "BucketRegion"))
  }
}

/// `text` as the content of an XML element: `&`, `<` and `>` escaped.
func xmlEscaped(_ text: String) -> String {
  text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
    .replacingOccurrences(of: ">", with: "&gt;")
}
