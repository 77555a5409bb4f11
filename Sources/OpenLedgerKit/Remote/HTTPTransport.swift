import Foundation
import Synchronization

/// A remote on a plain web server (`https://host/path`, `http://…`) that serves a pushed
/// directory as static files: python's http.server, nginx, Apache, any object storage's
/// public URL. It can only be read: clone and pull, never push.
///
/// `has` asks with HEAD (with a one-byte GET when the server refuses HEAD); `list` reads the
/// server's HTML directory listings (autoindex), so the server must list directories, and
/// asks each listed file's size with HEAD. Requests are retried like S3's.
public final class HTTPTransport: RemoteTransport {
  /// The remote's URL, ending with `/`.
  public let baseURL: String
  public let location: String
  public var isWritable: Bool { false }

  private let session: HTTPSession
  private let retry: RetryPolicy
  /// Set once the server answered HEAD with 405 or 501.
  private let headRefused = Mutex(false)
  /// Whether the remote's top directory gave a listing, once asked.
  private let rootListed = Mutex<Bool?>(nil)
  /// Requests at once while `list` asks for sizes.
  private let listConcurrency: Int

  /// The remote at `url` (`http://` or `https://`, no query or fragment); `caBundle` is a PEM
  /// file of the certificate authorities to trust in place of the system's.
  public init(
    url: String, retry: RetryPolicy = .standard, requestTimeout: TimeInterval = 60,
    maximumConnections: Int = 8, caBundle: String? = nil
  ) throws {
    try Self.check(url: url)
    location = url
    baseURL = url.hasSuffix("/") ? url : url + "/"
    self.retry = retry
    listConcurrency = maximumConnections
    session = HTTPSession(
      timeout: requestTimeout, maximumConnections: maximumConnections, followsRedirects: true,
      caBundle: caBundle)
  }

  /// Refuses `url` unless it is `http://` or `https://` with a host and no query or fragment.
  static func check(url: String) throws {
    guard let components = URLComponents(string: url),
      let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
      components.host?.isEmpty == false, components.query == nil, components.fragment == nil
    else {
      throw RemoteError.unsupportedURL(url)
    }
  }

  // MARK: Reading

  public func get(_ key: String, limit: Int?) throws -> Data {
    try check(key)
    let response = try send("GET", baseURL + key, limit: limit.map { ($0, key) })
    switch response.status {
    case 200: return response.body
    case 404, 410: throw RemoteError.notFound(location: location, key: key)
    default: throw failure(response, key: key)
    }
  }

  public func has(_ key: String) throws -> Bool {
    try check(key)
    return try size(of: key) != nil
  }

  /// The size of `key`, or nil when the server has no such file.
  private func size(of key: String) throws -> Int? {
    let url = baseURL + key
    if !headRefused.withLock({ $0 }) {
      let response = try send("HEAD", url)
      switch response.status {
      case 200:
        if let length = response.header("content-length").flatMap(Int.init), length >= 0 {
          return length
        }
      case 404, 410:
        return nil
      case 405, 501:
        headRefused.withLock { $0 = true }
      default:
        throw failure(response, key: key)
      }
    }
    // No HEAD, or one without a length: ask for the first byte, whose answer says the size
    // (Content-Range), or gives the whole file when the server ignores ranges.
    let response = try send("GET", url, headers: ["Range": "bytes=0-0"])
    switch response.status {
    case 206:
      if let range = response.header("content-range"), let slash = range.lastIndex(of: "/"),
        let total = Int(range[range.index(after: slash)...])
      {
        return total
      }
      throw RemoteError.corrupt(
        location: location, key: key, reason: "a partial answer without its total size")
    case 200: return response.body.count
    // An empty file has no first byte.
    case 416: return 0
    case 404, 410: return nil
    default: throw failure(response, key: key)
    }
  }

  /// Every file under `prefix`, found by walking the server's directory listings from the
  /// directory that holds `prefix` down.
  public func list(prefix: String) throws -> [RemoteEntry] {
    let slash = prefix.lastIndex(of: "/")
    let directory = slash.map { String(prefix[..<$0]) } ?? ""
    var keys = [String]()
    var pending = [directory]
    while let next = pending.popLast() {
      guard let names = try listing(of: next) else { continue }
      for name in names {
        let isDirectory = name.hasSuffix("/")
        let child =
          (next.isEmpty ? "" : next + "/") + (isDirectory ? String(name.dropLast()) : name)
        guard RemoteKey.isValid(child) else { continue }
        if isDirectory {
          if (child + "/").hasPrefix(prefix) || prefix.hasPrefix(child + "/") {
            pending.append(child)
          }
        } else if child.hasPrefix(prefix) {
          keys.append(child)
        }
      }
    }
    let files = keys
    let sizes = Locked([Int?](repeating: nil, count: files.count))
    try Concurrently.forEach(count: files.count, width: listConcurrency) { index in
      let size = try self.size(of: files[index])
      sizes.withLock { $0[index] = size }
    }
    // A file that went away between the listing and its HEAD is left out.
    let found = sizes.withLock { $0 }
    return zip(files, found).compactMap { key, size in size.map { RemoteEntry(key: key, size: $0) }
    }
    .sorted { $0.key < $1.key }
  }

  /// The names in the listing of `directory` (a key without its trailing slash, or "" for the
  /// remote's top); nil when that directory does not exist on a server that lists others.
  private func listing(of directory: String) throws -> [String]? {
    let key = directory.isEmpty ? "" : directory + "/"
    let response = try send(
      "GET", baseURL + key, limit: (RemoteLayout.largestListingPage, key.isEmpty ? "/" : key))
    let type = response.header("content-type")?.lowercased() ?? ""
    if response.status == 200, type.hasPrefix("text/html") || type.hasPrefix("application/xhtml") {
      if directory.isEmpty { rootListed.withLock { $0 = true } }
      return AutoindexPage.links(in: response.body)
    }
    if response.status == 404 || response.status == 410 {
      if directory.isEmpty {
        // No top and no format marker: a wrong URL, not a server without listings (some hosts
        // answer 404 for a directory they will not list).
        if !(try has(RemoteLayout.marker)) { throw RemoteError.notARemote(location: location) }
      } else if try rootGivesListing() {
        return nil
      }
    }
    let why =
      response.status == 200
      ? "the server answers the directory with a \(type.isEmpty ? "file" : type), not a listing"
      : "the server gives no listing of the directory (HTTP \(response.status))"
    throw RemoteError.failed(
      location: location, key: key.isEmpty ? "/" : key,
      detail: "\(why); an HTTP remote must be served with directory listings on "
        + "(python3 -m http.server, nginx 'autoindex on', Apache 'Options +Indexes'), or be cloned "
        + "from its directory or s3:// form")
  }

  private func rootGivesListing() throws -> Bool {
    if let known = rootListed.withLock({ $0 }) { return known }
    let listed: Bool
    do {
      listed = try listing(of: "") != nil
    } catch let error as RemoteError {
      // No remote there, or an index page over the bound: not a server without listings.
      switch error {
      case .notARemote, .corrupt: throw error
      default: listed = false
      }
    } catch {
      listed = false
    }
    rootListed.withLock { $0 = listed }
    return listed
  }

  // MARK: Writing (refused)

  public func put(_ key: String, contentsOf path: String) throws -> RemotePutOutcome {
    throw RemoteError.readOnly(location: location)
  }

  public func put(_ key: String, data: Data) throws -> RemotePutOutcome {
    throw RemoteError.readOnly(location: location)
  }

  public func delete(_ key: String) throws {
    throw RemoteError.readOnly(location: location)
  }

  // MARK: Requests

  private func check(_ key: String) throws {
    guard RemoteKey.isValid(key) else {
      throw RemoteError.corrupt(location: location, key: key, reason: "not a valid key")
    }
  }

  /// Sends a request until it gets an answer not worth another try (connection failures,
  /// 5xx, 429 and a body shorter than its Content-Length are retried), and returns it.
  private func send(
    _ method: String, _ address: String, headers: [String: String] = [:],
    limit: (bytes: Int, key: String)? = nil
  ) throws -> HTTPResponse {
    // As Foundation escapes it (a space, a letter beyond ASCII): libcurl sends it as given.
    guard let url = URL(string: address) else { throw RemoteError.unsupportedURL(address) }
    return try session.exchange(
      retry, location: location, address: address, limit: limit,
      make: {
        var request = HTTPRequest(method: method, url: url.absoluteString)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return request
      },
      retryReason: { response in
        if (500...599).contains(response.status) || response.status == 429 {
          return "HTTP \(response.status)"
        }
        return method == "GET" && response.status == 200 ? response.truncation : nil
      })
  }

  private func failure(_ response: HTTPResponse, key: String) -> RemoteError {
    switch response.status {
    case 401, 403:
      .accessDenied(
        location: location, detail: "HTTP \(response.status) on \(key)",
        hint: "the web server refuses to serve it; an HTTP remote must be readable by anyone "
          + "(openledger sends no credentials over HTTP): check the server's permissions")
    default:
      .failed(location: location, key: key, detail: "HTTP \(response.status)")
    }
  }
}

/// The links of an HTML directory listing, as python's http.server, nginx's autoindex and
/// Apache's mod_autoindex write them: `<a href="name">` for a file, `<a href="name/">` for a
/// directory, relative and percent-encoded.
enum AutoindexPage {
  /// The names the page links to, decoded, each once, in page order; directories end with `/`.
  /// Links that leave the directory (absolute, `../`, another site) and sort links (`?C=N`)
  /// are left out, and so are hidden names (starting with `.`).
  static func links(in page: Data) -> [String] {
    let html = String(decoding: page, as: UTF8.self)
    var names = [String]()
    var seen = Set<String>()
    var rest = html[...]
    while let open = rest.range(of: "<a", options: .caseInsensitive) {
      rest = rest[open.upperBound...]
      guard let first = rest.first, first == " " || first == "\t" || first == "\n" || first == "\r",
        let close = rest.firstIndex(of: ">")
      else { continue }
      let tag = rest[..<close]
      rest = rest[close...]
      guard let href = attribute("href", in: tag), let name = relativeName(href) else { continue }
      if seen.insert(name).inserted { names.append(name) }
    }
    return names
  }

  /// The value of attribute `name` in the inside of a tag, quoted or not.
  private static func attribute(_ name: String, in tag: Substring) -> String? {
    var rest = tag
    while let found = rest.range(of: name, options: .caseInsensitive) {
      let before =
        found.lowerBound == tag.startIndex ? " " : tag[tag.index(before: found.lowerBound)]
      rest = rest[found.upperBound...].drop { $0 == " " }
      guard before.isWhitespace, rest.first == "=" else { continue }
      rest = rest.dropFirst().drop { $0 == " " }
      if let quote = rest.first, quote == "\"" || quote == "'" {
        let value = rest.dropFirst().prefix { $0 != quote }
        return decodeEntities(String(value))
      }
      return decodeEntities(String(rest.prefix { !$0.isWhitespace && $0 != ">" }))
    }
    return nil
  }

  /// The entry a link names, when it is one of the directory's own: one decoded path segment,
  /// with `/` at the end for a directory.
  private static func relativeName(_ href: String) -> String? {
    var link = href[...]
    if let cut = link.firstIndex(where: { $0 == "?" || $0 == "#" }) { link = link[..<cut] }
    if link.hasPrefix("./") { link = link.dropFirst(2) }
    guard !link.isEmpty, !link.hasPrefix("/"), !link.contains(":") else { return nil }
    let isDirectory = link.hasSuffix("/")
    let segment = isDirectory ? link.dropLast() : link
    guard let name = String(segment).removingPercentEncoding, !name.isEmpty,
      !name.contains("/"), !name.hasPrefix(".")
    else { return nil }
    return isDirectory ? name + "/" : name
  }

  private static func decodeEntities(_ text: String) -> String {
    guard text.contains("&") else { return text }
    return text.replacingOccurrences(of: "&quot;", with: "\"")
      .replacingOccurrences(of: "&#x27;", with: "'")
      .replacingOccurrences(of: "&#39;", with: "'")
      .replacingOccurrences(of: "&lt;", with: "<")
      .replacingOccurrences(of: "&gt;", with: ">")
      .replacingOccurrences(of: "&amp;", with: "&")
  }
}
