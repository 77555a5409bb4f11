import CCurl
import Foundation
import Synchronization

/// How often a request to a remote is tried, and how long to wait between tries.
public struct RetryPolicy: Sendable {
  /// Tries in all, at least one.
  public var attempts: Int
  /// The first wait's ceiling; each later ceiling doubles, up to `maximumDelay`.
  public var baseDelay: TimeInterval
  public var maximumDelay: TimeInterval

  public init(attempts: Int, baseDelay: TimeInterval, maximumDelay: TimeInterval) {
    self.attempts = max(1, attempts)
    self.baseDelay = baseDelay
    self.maximumDelay = maximumDelay
  }

  /// Six tries, waiting 8 seconds at most in all: long enough for a server's brief
  /// SlowDown or restart, short enough that a wrong endpoint is reported soon.
  public static let standard = RetryPolicy(attempts: 6, baseDelay: 0.25, maximumDelay: 4)

  /// The wait after failed try number `attempt` (from 1): "full jitter", a random time up to
  /// the exponential ceiling, so that many clients that failed together do not retry together.
  func delay(after attempt: Int) -> TimeInterval {
    let ceiling = min(maximumDelay, baseDelay * pow(2, Double(attempt - 1)))
    return ceiling > 0 ? Double.random(in: 0...ceiling) : 0
  }
}

/// One request to send: what the transports build and S3 signs.
struct HTTPRequest: Sendable {
  var method: String
  /// The whole address, query included, escaped as it goes on the wire.
  var url: String
  /// Header fields in the order given; a name appears once (`setValue` replaces).
  private(set) var headers: [(name: String, value: String)] = []

  init(method: String = "GET", url: String) {
    self.method = method
    self.url = url
  }

  mutating func setValue(_ value: String, forHTTPHeaderField name: String) {
    headers.removeAll { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    headers.append((name, value))
  }
}

/// One answer of a server.
struct HTTPResponse: Sendable {
  let status: Int
  /// Header values by lower-case name.
  let headers: [String: String]
  let body: Data

  func header(_ name: String) -> String? { headers[name.lowercased()] }

  /// Why the body is not whole (fewer bytes than its Content-Length said), or nil.
  var truncation: String? {
    guard let length = header("content-length").flatMap(Int.init), length != body.count else {
      return nil
    }
    return "the answer was cut short (\(body.count) of \(length) bytes)"
  }
}

/// Why no answer came: libcurl's code for it and its message.
struct HTTPFailure: Error, CustomStringConvertible {
  let code: CURLcode
  let message: String
  /// Set when the transfer was stopped because a successful answer's body was larger than the
  /// `limit` asked for: the limit.
  var exceeded: Int? = nil

  var description: String {
    if speaksPlainHTTP {
      return message + " (the server answered in plain HTTP: write http:// instead of https://)"
    }
    guard code == CURLE_PEER_FAILED_VERIFICATION else { return message }
    return message + " (if the certificate is for this host and an authority of your own "
      + "signed it, name that authority's PEM file in SSL_CERT_FILE for an HTTPS remote, "
      + "AWS_CA_BUNDLE for S3)"
  }

  /// An https URL for a server that speaks plain HTTP (a local MinIO's port, say): OpenSSL's
  /// "wrong version number" is the HTTP answer read as a TLS record. No try will pass.
  private var speaksPlainHTTP: Bool {
    code == CURLE_SSL_CONNECT_ERROR && message.contains("wrong version number")
  }

  /// Whether another try may pass: timeouts, refused, reset or cut-short connections, name
  /// lookups. A malformed URL, a certificate the system does not trust or a redirect loop
  /// will not.
  var isTransient: Bool {
    if exceeded != nil || speaksPlainHTTP { return false }
    return switch code {
    case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN,
      CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
      CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
      CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_TOO_MANY_REDIRECTS,
      CURLE_ABORTED_BY_CALLBACK, CURLE_BAD_FUNCTION_ARGUMENT, CURLE_OUT_OF_MEMORY,
      CURLE_LOGIN_DENIED:
      false
    default:
      true
    }
  }
}

/// What one try of a request came to: an answer to act on, or a failure worth another try.
enum HTTPAttempt<Value> {
  case done(Value)
  case retry(String)
}

/// HTTP/1.1 through libcurl, used synchronously from the caller's thread (the codebase is
/// synchronous): each call sends one request on the caller's thread and returns its whole
/// answer. Safe to share between threads; `maximumConnections` requests run at once, the rest
/// wait for a connection. Connections are kept open between requests.
///
/// Not URLSession: on Linux it runs libcurl on a thread of its own and hands every piece of a
/// body to a dispatch queue, copying it twice on the way, which cost a clone of 1 GB about as
/// much CPU as hashing it; here a body goes once from libcurl's buffer into one buffer the size
/// of its Content-Length, and an upload is read from the caller's (mapped) bytes.
final class HTTPSession: Sendable {
  private let timeout: TimeInterval
  private let followsRedirects: Bool
  /// A PEM file of the certificate authorities to trust, or nil for the system's.
  private let caBundle: String?
  private let handles: EasyHandlePool
  private let buffers = BodyBuffers()

  init(
    timeout: TimeInterval, maximumConnections: Int, followsRedirects: Bool,
    caBundle: String? = nil
  ) {
    self.timeout = timeout
    self.followsRedirects = followsRedirects
    self.caBundle = caBundle
    handles = EasyHandlePool(size: max(1, maximumConnections))
  }

  /// Sends `request` (with `body`, if any) and waits: the answer, or why none came (refused
  /// connection, timeout, reset, a certificate not trusted, a successful answer's body longer
  /// than `limit` bytes: the transfer stops there, so a remote cannot make it hold more).
  func send(_ request: HTTPRequest, body: Data? = nil, limit: Int? = nil) -> Result<
    HTTPResponse, HTTPFailure
  > {
    let handle = handles.take()
    defer { handles.give(handle) }
    let transfer = Transfer(upload: body, limit: limit, buffers: buffers)
    // libcurl's syntax: `Name: value`, `Name;` for an empty value, `Name:` to send none. No
    // "Expect: 100-continue" before a large body: servers that ignore it (moto among them)
    // would cost a second's wait per upload.
    var fields = curl_slist_append(nil, "Expect:")
    defer { curl_slist_free_all(fields) }
    for (name, value) in request.headers {
      fields = curl_slist_append(fields, value.isEmpty ? "\(name);" : "\(name): \(value)")
    }
    let errors = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
    errors.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    defer { errors.deallocate() }
    var status = 0
    let code = withExtendedLifetime(transfer) {
      // A handle comes out of the pool fresh or reset by its last request (below).
      let easy = handle.easy
      let context = Unmanaged.passUnretained(transfer).toOpaque()
      ol_curl_set_string(easy, CURLOPT_URL, request.url)
      ol_curl_set_long(easy, CURLOPT_NOSIGNAL, 1)
      ol_curl_set_long(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
      ol_curl_set_list(easy, CURLOPT_HTTPHEADER, fields)
      ol_curl_set_pointer(easy, CURLOPT_ERRORBUFFER, errors)
      // As URLSession's request timeout: giving up on a connection that does not open, or that
      // has moved no byte for `timeout` seconds; a long transfer that moves is never cut.
      ol_curl_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(timeout * 1000))
      ol_curl_set_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
      ol_curl_set_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, Int(timeout.rounded(.up))))
      ol_curl_set_long(easy, CURLOPT_FOLLOWLOCATION, followsRedirects ? 1 : 0)
      ol_curl_set_long(easy, CURLOPT_MAXREDIRS, 10)
      ol_curl_set_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
      ol_curl_set_string(easy, CURLOPT_USERAGENT, "openledger/\(openledgerVersion)")
      ol_curl_set_long(easy, CURLOPT_BUFFERSIZE, 1 << 20)
      if let caBundle {
        // In place of the system's authorities, not besides them: no directory of them either.
        ol_curl_set_string(easy, CURLOPT_CAINFO, caBundle)
        ol_curl_set_pointer(easy, CURLOPT_CAPATH, nil)
      }
      ol_curl_set_data_callback(easy, CURLOPT_HEADERFUNCTION, Transfer.receiveHeader)
      ol_curl_set_pointer(easy, CURLOPT_HEADERDATA, context)
      ol_curl_set_data_callback(easy, CURLOPT_WRITEFUNCTION, Transfer.receiveBody)
      ol_curl_set_pointer(easy, CURLOPT_WRITEDATA, context)
      switch request.method {
      case "GET":
        break
      case "HEAD":
        ol_curl_set_long(easy, CURLOPT_NOBODY, 1)
      default:
        ol_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, request.method)
      }
      // A PUT or POST always says its length, 0 too (S3 answers 411 to one that does not).
      if let body = body ?? (["PUT", "POST"].contains(request.method) ? Data() : nil) {
        ol_curl_set_long(easy, CURLOPT_UPLOAD, 1)
        ol_curl_set_offset(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(body.count))
        ol_curl_set_long(easy, CURLOPT_UPLOAD_BUFFERSIZE, 2 << 20)
        ol_curl_set_data_callback(easy, CURLOPT_READFUNCTION, Transfer.sendBody)
        ol_curl_set_pointer(easy, CURLOPT_READDATA, context)
        ol_curl_set_seek_callback(easy, Transfer.rewind)
        ol_curl_set_pointer(easy, CURLOPT_SEEKDATA, context)
      }
      let code = curl_easy_perform(easy)
      status = ol_curl_response_code(easy)
      // The handle goes back to the pool pointing at nothing of this request's (its headers,
      // error buffer and context are freed on return); its connection stays open.
      curl_easy_reset(easy)
      return code
    }
    if let limit, transfer.exceeded {
      return .failure(
        HTTPFailure(code: code, message: "more than \(limit) bytes", exceeded: limit))
    }
    guard code == CURLE_OK else {
      let detail = String(cString: errors)
      return .failure(
        HTTPFailure(
          code: code,
          message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
    }
    return .success(
      HTTPResponse(status: status, headers: transfer.headers, body: transfer.takeBody()))
  }

  /// Sends the request `make` builds (afresh for each try: S3 signs each with its time) until
  /// an answer comes that `retryReason` finds no reason to try again, and returns it. Failures
  /// to get an answer are tried again when transient; after `policy.attempts` tries, or at
  /// once for a failure that is not transient, `RemoteError.unreachable` naming `address`.
  /// A successful answer longer than `limit` bytes is `RemoteError.corrupt` for `key`.
  func exchange(
    _ policy: RetryPolicy, location: String, address: String, body: Data? = nil,
    limit: (bytes: Int, key: String)? = nil, make: () throws -> HTTPRequest,
    retryReason: (HTTPResponse) -> String?
  ) throws -> HTTPResponse {
    try Self.retrying(policy, location: location, url: address) {
      var request = try make()
      request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
      switch send(request, body: body, limit: limit?.bytes) {
      case .failure(let failure) where failure.exceeded != nil:
        throw RemoteError.tooLong(location, limit?.key ?? address, failure.exceeded!)
      case .failure(let failure):
        guard failure.isTransient else {
          throw RemoteError.unreachable(location: location, detail: "\(address): \(failure)")
        }
        return .retry(failure.description)
      case .success(let response):
        if let reason = retryReason(response) { return .retry(reason) }
        return .done(response)
      }
    }
  }

  /// Runs `body` until it is done or `policy.attempts` tries have failed, sleeping between
  /// tries; then `RemoteError.unreachable` naming `url` and the last failure.
  private static func retrying<Value>(
    _ policy: RetryPolicy, location: String, url: String, _ body: () throws -> HTTPAttempt<Value>
  ) throws -> Value {
    var reason = ""
    for attempt in 1...policy.attempts {
      switch try body() {
      case .done(let value): return value
      case .retry(let why): reason = why
      }
      if attempt < policy.attempts {
        Thread.sleep(forTimeInterval: policy.delay(after: attempt))
      }
    }
    let tries = policy.attempts == 1 ? "1 try" : "\(policy.attempts) tries"
    throw RemoteError.unreachable(location: location, detail: "\(url): \(reason) (\(tries))")
  }
}

/// One libcurl handle: it keeps its connections open between the requests it sends.
private final class EasyHandle: @unchecked Sendable {
  /// libcurl's global set-up, once per process before the first handle.
  private static let libraryReady: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

  let easy: UnsafeMutableRawPointer

  init() {
    precondition(Self.libraryReady, "libcurl could not be initialised")
    guard let easy = curl_easy_init() else { fatalError("libcurl could not make a handle") }
    self.easy = easy
  }

  deinit { curl_easy_cleanup(easy) }
}

/// At most `size` handles, each used by one request at a time: a request waits for a free one.
private final class EasyHandlePool: Sendable {
  private let free = Mutex<[EasyHandle]>([])
  private let slots: DispatchSemaphore

  init(size: Int) { slots = DispatchSemaphore(value: size) }

  func take() -> EasyHandle {
    slots.wait()
    return free.withLock { $0.popLast() } ?? EasyHandle()
  }

  func give(_ handle: EasyHandle) {
    free.withLock { $0.append(handle) }
    slots.signal()
  }
}

/// Large bodies' buffers, kept once their `Data` is released, for the next answers: a clone
/// receives its shards into the same few buffers instead of fresh pages for each, which the
/// kernel would fault in and clear one by one (about a tenth of a clone's CPU). It keeps at most
/// the buffers that were in use at once, and 256 MiB of them, and frees them with the session's
/// last body.
final class BodyBuffers: Sendable {
  /// Smaller bodies come from malloc and go back to it; larger ones are aligned to a page.
  static let smallest = 1 << 20
  private let kept = Mutex<[(address: Int, capacity: Int)]>([])

  /// A kept buffer of at least `size` bytes (and at most twice that), or nil.
  func take(atLeast size: Int) -> (UnsafeMutableRawPointer, Int)? {
    guard size >= Self.smallest else { return nil }
    let found = kept.withLock { kept -> (address: Int, capacity: Int)? in
      guard
        let index = kept.indices.filter({ (size...(2 * size)).contains(kept[$0].capacity) })
          .min(by: { kept[$0].capacity < kept[$1].capacity })
      else { return nil }
      return kept.remove(at: index)
    }
    return found.map { (UnsafeMutableRawPointer(bitPattern: $0.address)!, $0.capacity) }
  }

  /// A new buffer for a large body, of `size` bytes, aligned to a page so that a shard
  /// received into it goes to the disk around the file cache without a copy (`DirectWrites`);
  /// nil for a small one.
  static func allocate(_ size: Int) -> (UnsafeMutableRawPointer, Int)? {
    guard size >= smallest else { return nil }
    var address: UnsafeMutableRawPointer?
    guard posix_memalign(&address, DirectWrites.alignment, size) == 0, let address else {
      return nil
    }
    return (address, size)
  }

  /// Keeps a large buffer for `take` (up to 256 MiB kept in all), or frees it.
  func giveBack(_ address: UnsafeMutableRawPointer, capacity: Int) {
    let keeps =
      capacity >= Self.smallest
      && kept.withLock { kept in
        guard kept.reduce(capacity, { $0 + $1.capacity }) <= 256 << 20 else { return false }
        kept.append((Int(bitPattern: address), capacity))
        return true
      }
    if !keeps { free(address) }
  }

  deinit {
    for buffer in kept.withLock({ $0 }) {
      free(UnsafeMutableRawPointer(bitPattern: buffer.address))
    }
  }
}

/// The state of one request while libcurl runs it: the answer's headers and body as they
/// come, and how far the body sent has been read. libcurl's callbacks find it through their
/// context pointer.
private final class Transfer {
  private(set) var headers = [String: String]()
  private let upload: Data?
  private var uploaded = 0
  private var body: UnsafeMutableRawPointer?
  private var count = 0
  private var capacity = 0
  /// The most bytes a successful answer's body may have, or nil.
  private let limit: Int?
  /// Whether the answer under way is a success (2xx), whose body `limit` bounds.
  private var succeeding = false
  /// Whether the transfer was stopped for a body over `limit`.
  private(set) var exceeded = false

  private let buffers: BodyBuffers

  init(upload: Data?, limit: Int?, buffers: BodyBuffers) {
    self.upload = upload
    self.limit = limit
    self.buffers = buffers
  }

  deinit {
    if let body { buffers.giveBack(body, capacity: capacity) }
  }

  /// The body received, handed over without a copy; its buffer goes back to `buffers` when the
  /// last copy of the `Data` is gone.
  func takeBody() -> Data {
    guard var received = body, count > 0 else { return Data() }
    body = nil
    // A body without a Content-Length grew by doubling: give back what it did not fill.
    if capacity - count > 1 << 20, let trimmed = realloc(received, count) {
      received = trimmed
      capacity = count
    }
    let (buffers, capacity) = (buffers, capacity)
    return Data(
      bytesNoCopy: received, count: count,
      deallocator: .custom { address, _ in buffers.giveBack(address, capacity: capacity) })
  }

  /// Room for `more` bytes: the answer's Content-Length at first (up to 256 MiB: the header
  /// comes from the server), doubling after.
  private func reserve(_ more: Int) -> Bool {
    guard count + more > capacity else { return true }
    var wanted = max(count + more, capacity * 2)
    if capacity == 0, let length = headers["content-length"].flatMap(Int.init), length > 0 {
      wanted = max(wanted, min(length, 256 << 20))
    }
    if body == nil, let kept = buffers.take(atLeast: wanted) ?? BodyBuffers.allocate(wanted) {
      (body, capacity) = kept
      return true
    }
    guard let grown = realloc(body, wanted) else { return false }
    body = grown
    capacity = wanted
    return true
  }

  private static func this(_ context: UnsafeMutableRawPointer?) -> Transfer {
    Unmanaged<Transfer>.fromOpaque(context!).takeUnretainedValue()
  }

  /// One header line. A status line starts the headers afresh: those of an interim answer
  /// (100 Continue) or of a redirect followed are not the answer's.
  static let receiveHeader: ol_curl_data_callback = { buffer, size, items, context in
    let length = size * items
    let transfer = this(context)
    let line = String(
      decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
      transfer.headers = [:]
      transfer.succeeding = line.split(separator: " ").dropFirst().first?.hasPrefix("2") == true
    } else if let colon = line.firstIndex(of: ":") {
      let name = line[..<colon].lowercased()
      let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
      transfer.headers[name] = transfer.headers[name].map { "\($0), \(value)" } ?? value
      // A Content-Length over the limit stops the transfer before its body.
      if name == "content-length", let length = Int(value), transfer.overLimit(length) {
        return 0
      }
    }
    return length
  }

  /// Whether a successful answer's body of `length` bytes would pass the limit; notes it.
  private func overLimit(_ length: Int) -> Bool {
    guard succeeding, let limit, length > limit else { return false }
    exceeded = true
    return true
  }

  static let receiveBody: ol_curl_data_callback = { buffer, size, items, context in
    let length = size * items
    let transfer = this(context)
    guard let buffer, !transfer.overLimit(transfer.count + length), transfer.reserve(length)
    else { return 0 }  // 0 fails the transfer
    memcpy(transfer.body! + transfer.count, buffer, length)
    transfer.count += length
    return length
  }

  static let sendBody: ol_curl_data_callback = { buffer, size, items, context in
    let transfer = this(context)
    guard let upload = transfer.upload, let buffer else { return 0 }
    let length = min(size * items, upload.count - transfer.uploaded)
    guard length > 0 else { return 0 }
    upload.withUnsafeBytes { bytes in
      _ = memcpy(buffer, bytes.baseAddress! + transfer.uploaded, length)
    }
    transfer.uploaded += length
    return length
  }

  /// Back to an offset of the body sent, for libcurl to send it again (on a kept connection
  /// that the server had closed meanwhile).
  static let rewind: ol_curl_seek_callback = { context, offset, origin in
    let transfer = this(context)
    guard origin == SEEK_SET, offset >= 0, offset <= transfer.upload?.count ?? 0 else {
      return Int32(CURL_SEEKFUNC_CANTSEEK)
    }
    transfer.uploaded = Int(offset)
    return Int32(CURL_SEEKFUNC_OK)
  }
}

/// Work spread over a few threads of its own: for requests that mostly wait on the network.
/// (Not Dispatch's global queues, which start threads to replace blocked ones only slowly.)
enum Concurrently {
  /// Calls `body` with each index of `0..<count`, on up to `width` threads at once; after the
  /// first error no new index starts, and that error is thrown once all have stopped.
  static func forEach(count: Int, width: Int, _ body: @escaping @Sendable (Int) throws -> Void)
    throws
  {
    guard count > 0 else { return }
    let next = Locked(0)
    let firstError = Locked<(any Error)?>(nil)
    let group = DispatchGroup()
    for _ in 0..<min(max(1, width), count) {
      group.enter()
      Thread.detachNewThread {
        defer { group.leave() }
        while firstError.withLock({ $0 == nil }) {
          let index = next.withLock { value in
            defer { value += 1 }
            return value
          }
          guard index < count else { return }
          do {
            try body(index)
          } catch {
            firstError.withLock { $0 = $0 ?? error }
          }
        }
      }
    }
    group.wait()
    if let error = firstError.withLock({ $0 }) { throw error }
  }
}

/// A value shared between threads behind a lock, that closures can capture.
final class Locked<Value: Sendable>: Sendable {
  private let mutex: Mutex<Value>

  init(_ value: Value) { mutex = Mutex(value) }

  func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
    try mutex.withLock { try body(&$0) }
  }
}
