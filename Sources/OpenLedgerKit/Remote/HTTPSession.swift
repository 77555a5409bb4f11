import Foundation
import Synchronization

#if canImport(FoundationNetworking)
  import FoundationNetworking
#endif

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

/// What one try of a request came to: an answer to act on, or a failure worth another try.
enum HTTPAttempt<Value> {
  case done(Value)
  case retry(String)
}

/// A URLSession used synchronously from the caller's thread (the codebase is synchronous):
/// each call sends one request and waits for its whole answer. Safe to share between threads;
/// `maximumConnections` requests to one host run at once, the rest wait for a connection.
final class HTTPSession: Sendable {
  private let session: URLSession

  init(timeout: TimeInterval, maximumConnections: Int, followsRedirects: Bool) {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.httpMaximumConnectionsPerHost = maximumConnections
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.urlCache = nil
    configuration.httpCookieStorage = nil
    configuration.httpShouldSetCookies = false
    let delegate = followsRedirects ? nil : RedirectRefusal()
    session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
  }

  deinit {
    session.finishTasksAndInvalidate()
  }

  /// Sends `request` (with `body`, if any) and waits: the answer, or the error URLSession gave
  /// when no answer came (refused connection, timeout, reset).
  func send(_ request: URLRequest, body: Data? = nil) -> Result<HTTPResponse, any Error> {
    let outcome = Completion()
    let handler: @Sendable (Data?, URLResponse?, (any Error)?) -> Void = { data, response, error in
      if let error {
        outcome.finish(.failure(error))
      } else if let response = response as? HTTPURLResponse {
        var headers = [String: String]()
        for case (let name as String, let value as String) in response.allHeaderFields {
          headers[name.lowercased()] = value
        }
        outcome.finish(
          .success(
            HTTPResponse(status: response.statusCode, headers: headers, body: data ?? Data())))
      } else {
        outcome.finish(.failure(URLError(.badServerResponse)))
      }
    }
    let task =
      if let body {
        session.uploadTask(with: request, from: body, completionHandler: handler)
      } else {
        session.dataTask(with: request, completionHandler: handler)
      }
    task.resume()
    return outcome.wait()
  }

  /// Whether a failure to get an answer may pass if tried again: timeouts, refused or dropped
  /// connections, name lookups. A malformed URL or a certificate the system does not trust
  /// will not.
  static func isTransient(_ error: any Error) -> Bool {
    let code = (error as NSError).code
    guard (error as NSError).domain == NSURLErrorDomain else { return true }
    switch code {
    case NSURLErrorBadURL, NSURLErrorUnsupportedURL, NSURLErrorCancelled,
      NSURLErrorServerCertificateUntrusted, NSURLErrorServerCertificateHasBadDate,
      NSURLErrorServerCertificateHasUnknownRoot, NSURLErrorServerCertificateNotYetValid,
      NSURLErrorClientCertificateRejected, NSURLErrorClientCertificateRequired,
      NSURLErrorUserAuthenticationRequired, NSURLErrorUserCancelledAuthentication:
      return false
    default:
      return true
    }
  }

  /// What went wrong, for a message: URLSession's description without its error domain.
  static func describe(_ error: any Error) -> String {
    (error as NSError).localizedDescription
  }

  /// Sends the request `make` builds (afresh for each try: S3 signs each with its time) until
  /// an answer comes that `retryReason` finds no reason to try again, and returns it. Failures
  /// to get an answer are tried again when transient; after `policy.attempts` tries, or at
  /// once for a failure that is not transient, `RemoteError.unreachable` naming `address`.
  func exchange(
    _ policy: RetryPolicy, location: String, address: String, body: Data? = nil,
    make: () throws -> URLRequest, retryReason: (HTTPResponse) -> String?
  ) throws -> HTTPResponse {
    try Self.retrying(policy, location: location, url: address) {
      var request = try make()
      request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
      switch send(request, body: body) {
      case .failure(let error):
        guard Self.isTransient(error) else {
          throw RemoteError.unreachable(
            location: location, detail: "\(address): \(Self.describe(error))")
        }
        return .retry(Self.describe(error))
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

/// The one result of an asynchronous call, handed to the thread that waits for it.
private final class Completion: @unchecked Sendable {
  private let condition = NSCondition()
  private var result: Result<HTTPResponse, any Error>?

  func finish(_ value: Result<HTTPResponse, any Error>) {
    condition.lock()
    result = value
    condition.signal()
    condition.unlock()
  }

  func wait() -> Result<HTTPResponse, any Error> {
    condition.lock()
    defer { condition.unlock() }
    while result == nil { condition.wait() }
    return result!
  }
}

/// Makes a session hand redirects back to the caller: a signed S3 request must not be re-sent
/// to another host, and S3's redirects say which region to use instead.
private final class RedirectRefusal: NSObject, URLSessionTaskDelegate, Sendable {
  func urlSession(
    _ session: URLSession, task: URLSessionTask,
    willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
    completionHandler: @escaping @Sendable (URLRequest?) -> Void
  ) {
    completionHandler(nil)
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
