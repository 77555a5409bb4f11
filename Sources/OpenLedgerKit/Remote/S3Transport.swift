import Foundation
import Synchronization

/// A remote in S3-compatible object storage (`s3://bucket/prefix`): AWS S3, MinIO, Cloudflare
/// R2, Ceph RGW. Keys are object keys under the prefix; requests are signed with AWS Signature
/// Version 4 and retried with backoff on 5xx, 429, timeouts and dropped connections.
///
/// A write is create-only through `If-None-Match: *`, which S3 checks atomically; before its
/// first write a transport makes sure the storage honours that header (`requireConditionalWrites`),
/// since storage that ignored it would let a write replace another's. Files larger than the
/// multipart threshold go up in parts, several at once; a failed upload is aborted.
public final class S3Transport: RemoteTransport {
  public let configuration: S3Configuration
  public let location: String
  public var isWritable: Bool { true }

  /// The file under the prefix with which a transport checks that the storage refuses to
  /// replace a file; it is never deleted, and listings leave it out.
  public static let conditionalWriteCheckKey = ".openledger-conditional-write-check"

  private let session: HTTPSession
  private let signer: SigV4?
  private let clock: any Clock
  private let conditionalWritesVerified = Mutex(false)

  public init(configuration: S3Configuration, clock: any Clock = SystemClock()) {
    self.configuration = configuration
    self.clock = clock
    let prefix =
      configuration.prefix.hasSuffix("/")
      ? String(configuration.prefix.dropLast()) : configuration.prefix
    location = "s3://\(configuration.bucket)" + (prefix.isEmpty ? "" : "/\(prefix)")
    session = HTTPSession(
      timeout: configuration.requestTimeout,
      maximumConnections: configuration.maximumConnections, followsRedirects: false,
      caBundle: configuration.caBundle)
    signer = configuration.credentials.map {
      SigV4(credentials: $0, region: configuration.region, service: "s3")
    }
  }

  // MARK: The five operations

  public func list(prefix: String) throws -> [RemoteEntry] {
    let full = configuration.prefix + prefix
    let listing = "listing of '\(prefix)'"
    var entries = [RemoteEntry]()
    var token: String?
    var tokensSeen = Set<String>()
    while true {
      var query = [(name: "list-type", value: "2"), (name: "prefix", value: full)]
      if let size = configuration.listPageSize { query.append(("max-keys", String(size))) }
      if let token { query.append(("continuation-token", token)) }
      let page = try listingPage(
        key: nil, query: query, naming: listing, action: "s3:ListBucket", S3ListPage.parse)
      do {
        entries += try page.remoteEntries(under: full, relativeTo: configuration.prefix)
      } catch S3ListPage.Failure.malformed(let reason) {
        throw RemoteError.corrupt(location: location, key: listing, reason: reason)
      }
      guard let next = page.continuationToken, page.isTruncated else { break }
      guard tokensSeen.insert(next).inserted else {
        throw RemoteError.corrupt(
          location: location, key: listing, reason: "it repeats a continuation token")
      }
      token = next
    }
    return entries.sorted { $0.key < $1.key }
  }

  public func has(_ key: String) throws -> Bool {
    try head(key) != nil
  }

  /// The headers S3 gives for `key` (HEAD), or nil when there is no such object.
  func head(_ key: String) throws -> [String: String]? {
    try check(key)
    let response = try send(Request(method: "HEAD", key: key))
    switch response.status {
    case 200...299: return response.headers
    case 404: return nil
    default: throw failure(response, key: key, action: "s3:GetObject")
    }
  }

  public func get(_ key: String, limit: Int?) throws -> Data {
    try check(key)
    let response = try send(Request(method: "GET", key: key, limit: limit.map { ($0, key) }))
    guard response.status == 200 else { throw failure(response, key: key, action: "s3:GetObject") }
    return response.body
  }

  public func put(_ key: String, data: Data) throws -> RemotePutOutcome {
    try check(key)
    try verifyConditionalWrites()
    if data.count > configuration.multipartThreshold {
      if try has(key) { return .existed }
      let start = data.startIndex
      return try putInParts(key, size: data.count) {
        data.subdata(in: start + $0.lowerBound..<start + $0.upperBound)
      }
    }
    if !configuration.requireConditionalWrites, try has(key) { return .existed }
    return try putOnce(key, data)
  }

  public func put(_ key: String, contentsOf path: String) throws -> RemotePutOutcome {
    try check(key)
    var info = stat()
    guard stat(path, &info) == 0 else { throw SystemError("cannot read", path: path, code: errno) }
    let size = Int(info.st_size)
    if size <= configuration.multipartThreshold {
      // Mapped rather than read: hashing it for the signature and handing it to URLSession
      // read the file's cached pages, with no copy of ours in between.
      return try put(key, data: MappedFile(path: path).data)
    }
    try verifyConditionalWrites()
    // A HEAD costs little next to sending a large file again.
    if try has(key) { return .existed }
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw SystemError("cannot open", path: path, code: errno) }
    defer { close(descriptor) }
    return try putInParts(key, size: size) { range in
      try Self.read(descriptor, range, path: path)
    }
  }

  public func delete(_ key: String) throws {
    try check(key)
    let response = try send(Request(method: "DELETE", key: key))
    if (200...299).contains(response.status) { return }
    if response.status == 404, S3ErrorBody.parse(response.body)?.code != "NoSuchBucket" { return }
    throw failure(response, key: key, action: "s3:DeleteObject")
  }

  /// Creates the bucket (in the configured region); a bucket we own already is fine.
  public func createBucket() throws {
    var request = Request(method: "PUT", key: nil)
    if configuration.region != "us-east-1" {
      let body = Data(
        ("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
          + "<LocationConstraint>\(xmlEscaped(configuration.region))</LocationConstraint>"
          + "</CreateBucketConfiguration>").utf8)
      request.body = body
      request.payloadHash = SigV4.payloadHash(body)
    }
    let response = try send(request)
    if (200...299).contains(response.status) { return }
    if S3ErrorBody.parse(response.body)?.code == "BucketAlreadyOwnedByYou" { return }
    throw failure(response, key: "bucket \(configuration.bucket)", action: "s3:CreateBucket")
  }

  /// One page of a listing (of objects, uploads, or an upload's parts): a GET of `key` (nil:
  /// the bucket) with `query`, read no further than a listing page, and parsed by `parse`. A
  /// refusal names `action`, the permission it needs; a malformed page is corrupt, named
  /// `what`.
  private func listingPage<Page>(
    key: String?, query: [(name: String, value: String)], naming what: String, action: String,
    _ parse: (Data) throws -> Page
  ) throws -> Page {
    let response = try send(
      Request(
        method: "GET", key: key, query: query, limit: (RemoteLayout.largestListingPage, what)))
    guard response.status == 200 else { throw failure(response, key: what, action: action) }
    do {
      return try parse(response.body)
    } catch S3ListPage.Failure.malformed(let reason) {
      throw RemoteError.corrupt(location: location, key: what, reason: reason)
    }
  }

  // MARK: Uploads killed midway

  /// Aborts the multipart uploads under the prefix that were initiated more than `age` seconds
  /// ago and never completed: what a push killed while sending a large file leaves, invisible
  /// but billed. Returns how many, and the bytes of their parts (ListParts). An upload
  /// completed or aborted by someone else meanwhile is not counted.
  public func abortAbandonedUploads(olderThan age: TimeInterval) throws -> (
    count: Int, bytes: Int
  ) {
    let now = clock.now()
    var aborted = (count: 0, bytes: 0)
    for upload in try incompleteUploads() where now.timeIntervalSince(upload.initiated) > age {
      guard let bytes = try partBytes(of: upload) else { continue }
      let response = try send(
        Request(method: "DELETE", key: upload.key, query: [("uploadId", upload.uploadID)]))
      switch response.status {
      case 200...299:
        aborted.count += 1
        aborted.bytes += bytes
      case 404: continue
      default: throw failure(response, key: upload.key, action: "s3:AbortMultipartUpload")
      }
    }
    return aborted
  }

  /// The multipart uploads under the prefix, initiated and neither completed nor aborted, with
  /// keys relative to the prefix (ListMultipartUploads); those whose key is no remote key are
  /// left out, like a listing's.
  func incompleteUploads() throws -> [S3UploadsPage.Upload] {
    let listing = "listing of incomplete uploads"
    var uploads = [S3UploadsPage.Upload]()
    var marker: (keyMarker: String, uploadIDMarker: String)?
    var markersSeen = Set<String>()
    while true {
      var query = [(name: "uploads", value: ""), (name: "prefix", value: configuration.prefix)]
      if let marker {
        query += [("key-marker", marker.keyMarker), ("upload-id-marker", marker.uploadIDMarker)]
      }
      let page = try listingPage(
        key: nil, query: query, naming: listing, action: "s3:ListBucketMultipartUploads",
        S3UploadsPage.parse)
      for upload in page.uploads {
        guard upload.key.utf8.starts(with: configuration.prefix.utf8) else {
          throw RemoteError.corrupt(
            location: location, key: listing, reason: "it names \(upload.key), outside the prefix")
        }
        let relative = String(
          Substring(upload.key.utf8.dropFirst(configuration.prefix.utf8.count)))
        guard RemoteKey.isValid(relative) else { continue }
        uploads.append(
          S3UploadsPage.Upload(
            key: relative, uploadID: upload.uploadID, initiated: upload.initiated))
      }
      guard let next = page.next else { break }
      guard markersSeen.insert("\(next.keyMarker)\n\(next.uploadIDMarker)").inserted else {
        throw RemoteError.corrupt(location: location, key: listing, reason: "it repeats a marker")
      }
      marker = next
    }
    return uploads
  }

  /// The bytes of the parts `upload` holds (ListParts), or nil when it is gone (completed or
  /// aborted meanwhile).
  private func partBytes(of upload: S3UploadsPage.Upload) throws -> Int? {
    var bytes = 0
    var marker = 0
    while true {
      var query = [(name: "uploadId", value: upload.uploadID)]
      if marker > 0 { query.append(("part-number-marker", String(marker))) }
      let page: S3PartsPage
      do {
        page = try listingPage(
          key: upload.key, query: query, naming: upload.key,
          action: "s3:ListMultipartUploadParts", S3PartsPage.parse)
      } catch RemoteError.notFound {
        return nil
      }
      bytes = bytes.addingReportingOverflow(page.bytes).overflow ? Int.max : bytes + page.bytes
      guard let next = page.nextMarker else { return bytes }
      // Part numbers only go up; a marker that does not would list the same parts forever.
      guard let number = Int(next), number > marker else {
        throw RemoteError.corrupt(
          location: location, key: upload.key,
          reason: "its listing of parts repeats the marker \(next)")
      }
      marker = number
    }
  }

  // MARK: Writing

  /// One create-only PUT: `.existed` when S3 answers 412 (a file of that key exists).
  private func putOnce(_ key: String, _ data: Data) throws -> RemotePutOutcome {
    let request = Request(
      method: "PUT", key: key,
      headers: [("if-none-match", "*"), ("content-type", "application/octet-stream")],
      body: data, payloadHash: SigV4.payloadHash(data))
    let response = try send(request)
    switch response.status {
    case 200...299: return .created
    case 412: return .existed
    default: throw failure(response, key: key, action: "s3:PutObject")
    }
  }

  /// Makes sure, once per transport, that the storage refuses a second create-only write of a
  /// file: the first PUT of the check file creates it (or finds it, 412), a second must get 412.
  private func verifyConditionalWrites() throws {
    guard configuration.requireConditionalWrites,
      !conditionalWritesVerified.withLock({ $0 })
    else { return }
    let key = Self.conditionalWriteCheckKey
    let content = Data(
      "openledger checks with this file that the storage refuses to replace it\n".utf8)
    if try putOnce(key, content) == .created, try putOnce(key, content) != .existed {
      throw RemoteError.failed(
        location: location, key: key,
        detail: "the storage replaced a file on a create-only write (it ignores "
          + "If-None-Match: *), so a push could replace a file another machine wrote at the same "
          + "moment; use storage that honours conditional writes (AWS S3, MinIO, Cloudflare R2, "
          + "Ceph RGW: Docs/Remotes.md)")
    }
    conditionalWritesVerified.withLock { $0 = true }
  }

  /// A multipart upload of `size` bytes, whose parts `read` gives by byte range: initiated,
  /// parts sent `partConcurrency` at a time, completed create-only; aborted if anything fails.
  private func putInParts(
    _ key: String, size: Int, read: @escaping @Sendable (Range<Int>) throws -> Data
  ) throws -> RemotePutOutcome {
    // S3 takes at most 10,000 parts.
    let partSize = max(configuration.partSize, (size + 9_999) / 10_000)
    let count = (size + partSize - 1) / partSize
    let uploadID = try initiateUpload(key)
    do {
      let etags = Locked([String](repeating: "", count: count))
      try Concurrently.forEach(count: count, width: configuration.partConcurrency) { index in
        let range = index * partSize..<min(size, (index + 1) * partSize)
        let etag = try self.uploadPart(key, uploadID: uploadID, number: index + 1, read(range))
        etags.withLock { $0[index] = etag }
      }
      let outcome = try completeUpload(key, uploadID: uploadID, etags: etags.withLock { $0 })
      if outcome == .existed { abortUpload(key, uploadID: uploadID) }
      return outcome
    } catch {
      abortUpload(key, uploadID: uploadID)
      throw error
    }
  }

  func initiateUpload(_ key: String) throws -> String {
    let request = Request(
      method: "POST", key: key, query: [("uploads", "")],
      headers: [("content-type", "application/octet-stream")])
    let response = try send(request)
    guard response.status == 200 else { throw failure(response, key: key, action: "s3:PutObject") }
    guard let root = S3XMLElement.parse(response.body),
      root.name == "InitiateMultipartUploadResult", let id = root.text(of: "UploadId"), !id.isEmpty
    else {
      throw RemoteError.failed(
        location: location, key: key, detail: "the storage started an upload but named no UploadId")
    }
    return id
  }

  func uploadPart(_ key: String, uploadID: String, number: Int, _ data: Data) throws
    -> String
  {
    let request = Request(
      method: "PUT", key: key, query: [("partNumber", String(number)), ("uploadId", uploadID)],
      body: data, payloadHash: SigV4.payloadHash(data))
    let response = try send(request)
    guard response.status == 200 else { throw failure(response, key: key, action: "s3:PutObject") }
    guard let etag = response.header("etag"), !etag.isEmpty else {
      throw RemoteError.failed(
        location: location, key: key, detail: "the storage answered part \(number) without an ETag")
    }
    return etag
  }

  private func completeUpload(_ key: String, uploadID: String, etags: [String]) throws
    -> RemotePutOutcome
  {
    let parts = etags.enumerated().map { index, etag in
      "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(xmlEscaped(etag))</ETag></Part>"
    }
    let body = Data(
      ("<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        + parts.joined() + "</CompleteMultipartUpload>").utf8)
    let request = Request(
      method: "POST", key: key, query: [("uploadId", uploadID)],
      headers: [("if-none-match", "*"), ("content-type", "application/xml")], body: body,
      payloadHash: SigV4.payloadHash(body), errorsMayComeWithSuccess: true)
    let response = try send(request)
    let error = S3ErrorBody.parse(response.body)
    switch (response.status, error?.code) {
    case (200, nil): return .created
    case (412, _): return .existed
    // The upload is gone: an earlier try completed it and its answer was lost.
    case (404, "NoSuchUpload"?) where try has(key): return .created
    default: throw failure(response, key: key, action: "s3:PutObject")
    }
  }

  /// Best effort: an upload left open only costs storage until `gc --remote` (a day later:
  /// `abortAbandonedUploads`) or the bucket's lifecycle rule aborts it.
  private func abortUpload(_ key: String, uploadID: String) {
    _ = try? send(Request(method: "DELETE", key: key, query: [("uploadId", uploadID)]))
  }

  private static func read(_ descriptor: Int32, _ range: Range<Int>, path: String) throws -> Data {
    var data = Data(count: range.count)
    try data.withUnsafeMutableBytes { buffer in
      var done = 0
      while done < range.count {
        let n = pread(
          descriptor, buffer.baseAddress! + done, range.count - done, off_t(range.lowerBound + done)
        )
        if n < 0, errno == EINTR { continue }
        guard n > 0 else {
          throw SystemError(
            "cannot read (did the file shrink?)", path: path, code: n < 0 ? errno : EIO)
        }
        done += n
      }
    }
    return data
  }

  // MARK: Requests

  private struct Request {
    var method: String
    /// The key under the remote's prefix, or nil for a request on the bucket.
    var key: String?
    var query: [(name: String, value: String)] = []
    var headers: [(name: String, value: String)] = []
    var body: Data?
    var payloadHash = SigV4.emptyPayloadHash
    /// CompleteMultipartUpload may answer 200 and carry an `<Error>` (S3 reports failures
    /// that happen after it started answering that way).
    var errorsMayComeWithSuccess = false
    /// The most bytes a successful answer's body may have, and the key (or listing) to name if
    /// it has more.
    var limit: (bytes: Int, key: String)?
  }

  private func check(_ key: String) throws {
    guard RemoteKey.isValid(key) else {
      throw RemoteError.corrupt(location: location, key: key, reason: "not a valid key")
    }
  }

  /// Sends `request`, signed afresh on each try, until it gets an answer that is not worth
  /// another try; that answer, whatever its status. Connection failures and answers such as
  /// 503 SlowDown are retried under the configuration's policy, then `unreachable`.
  private func send(_ request: Request) throws -> HTTPResponse {
    let endpoint = configuration.endpoint
    var host = endpoint.host ?? ""
    if host.contains(":") { host = "[\(host)]" }
    if configuration.addressing == .virtualHosted { host = "\(configuration.bucket).\(host)" }
    if let port = endpoint.port { host += ":\(port)" }
    var path = endpoint.path.hasSuffix("/") ? String(endpoint.path.dropLast()) : endpoint.path
    if configuration.addressing == .path { path += "/\(configuration.bucket)" }
    if let key = request.key {
      path += "/\(configuration.prefix)\(key)"
    } else if configuration.addressing == .virtualHosted {
      path += "/"
    }
    let query = request.query
      .map { (SigV4.encode($0.name, keepSlash: false), SigV4.encode($0.value, keepSlash: false)) }
      .sorted { $0 < $1 }
      .map { "\($0.0)=\($0.1)" }
      .joined(separator: "&")
    let scheme = endpoint.scheme ?? "https"
    let address =
      "\(scheme)://\(host)\(SigV4.encodePath(path))" + (query.isEmpty ? "" : "?\(query)")
    guard URL(string: address) != nil else { throw RemoteError.unsupportedURL(address) }
    return try session.exchange(
      configuration.retry, location: location, address: address, body: request.body,
      limit: request.limit,
      make: {
        var signing = SigV4Request(
          method: request.method, path: path, query: request.query,
          headers: request.headers + [
            ("host", host), ("x-amz-content-sha256", request.payloadHash),
          ],
          payloadHash: request.payloadHash)
        var httpRequest = HTTPRequest(method: request.method, url: address)
        if let signer {
          httpRequest.setValue(
            signer.sign(&signing, at: clock.now()), forHTTPHeaderField: "Authorization")
        }
        // Host too, as signed: libcurl would leave a default port out of its own.
        for (name, value) in signing.headers {
          httpRequest.setValue(value, forHTTPHeaderField: name)
        }
        return httpRequest
      }, retryReason: { Self.retryReason($0, request) })
  }

  /// Why an answer is worth another try, or nil: server errors, throttling, S3's own timeouts
  /// and conflicting conditional writes, and a body shorter than its Content-Length.
  private static func retryReason(_ response: HTTPResponse, _ request: Request) -> String? {
    // A success's body is the object (a shard of 64 MB): read as an error only where S3 may
    // send one with a 200.
    let success = (200...299).contains(response.status)
    let error =
      success && !request.errorsMayComeWithSuccess ? nil : S3ErrorBody.parse(response.body)
    let what = "HTTP \(response.status)" + (error.map { " \($0.code)" } ?? "")
    switch (response.status, error?.code) {
    case (500...599, _), (429, _), (_, "SlowDown"?), (400, "RequestTimeout"?),
      (409, "ConditionalRequestConflict"?), (409, "OperationAborted"?):
      return what
    case (200, "InternalError"?) where request.errorsMayComeWithSuccess,
      (200, "SlowDown"?) where request.errorsMayComeWithSuccess:
      return what
    case (200, _) where request.method == "GET":
      return response.truncation
    default:
      return nil
    }
  }

  /// The error for an answer that did not succeed; `action` is the S3 permission the request
  /// needs (`s3:PutObject`), which a refusal names.
  private func failure(_ response: HTTPResponse, key: String, action: String) -> RemoteError {
    let error = S3ErrorBody.parse(response.body)
    let what =
      error.map { $0.message.isEmpty ? $0.code : "\($0.code): \($0.message)" }
      ?? "HTTP \(response.status)"
    if error?.code == "NoSuchBucket" {
      return .failed(
        location: location, key: key,
        detail: "bucket \(configuration.bucket) does not exist at \(configuration.endpoint) "
          + "(NoSuchBucket); check the bucket name, the endpoint and the region, or create it")
    }
    if let region = error?.region ?? response.header("x-amz-bucket-region"),
      region != configuration.region,
      [301, 307, 400].contains(response.status)
    {
      return .failed(
        location: location, key: key,
        detail: "\(what); the bucket is in region \(region): set AWS_REGION=\(region)")
    }
    switch response.status {
    case 401, 403:
      return .accessDenied(
        location: location, detail: "\(what) on \(key)",
        hint: accessHint(error?.code, action: action))
    case 404:
      return .notFound(location: location, key: key)
    default:
      return .failed(location: location, key: key, detail: "HTTP \(response.status) \(what)")
    }
  }

  /// What to check when the storage refuses access, naming the variable or profile setting
  /// the credentials came from.
  private func accessHint(_ code: String?, action: String) -> String {
    let key: String
    let secret: String
    let token: String
    switch configuration.credentialSource {
    case .environment:
      (key, secret, token) = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    case .profile(let name, let file):
      let of = " of profile '\(name)' in \(file) (AWS_PROFILE)"
      (key, secret, token) = (
        "aws_access_key_id" + of, "aws_secret_access_key" + of, "aws_session_token" + of
      )
    case .none(let profile):
      return "no credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
        + "put them in profile '\(profile)' of ~/.aws/credentials (AWS_PROFILE picks another)"
    }
    switch code {
    case "InvalidAccessKeyId":
      return "the storage knows no such access key: check \(key)"
    case "SignatureDoesNotMatch":
      return "the secret key does not match the access key: check \(secret)"
    case "InvalidToken", "ExpiredToken", "TokenRefreshRequired":
      return "the session token is invalid or has expired: check \(token), or get new "
        + "temporary credentials"
    case "RequestTimeTooSkewed":
      return "this machine's clock is more than 15 minutes off the storage's: set the clock"
    case "AccessDenied", "AllAccessDisabled":
      return "the credentials (\(key)) may not do this: the user's and the bucket's policies "
        + "must allow \(action) on it (Docs/Remotes.md, Permissions, lists what each command "
        + "needs)"
    default:
      return "check \(key) and \(secret)"
        + (configuration.credentials?.sessionToken == nil ? "" : " and \(token)")
        + ", and that they may read this bucket (s3:ListBucket, s3:GetObject)"
    }
  }
}
