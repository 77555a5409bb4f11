import Foundation

/// One file of a remote, as a listing gives it.
public struct RemoteEntry: Sendable, Equatable {
  /// The file's key: a relative, slash-separated path such as `objects/sha256/ab/cd…`.
  public var key: String
  public var size: Int

  public init(key: String, size: Int) {
    self.key = key
    self.size = size
  }
}

/// What a create-only write found.
public enum RemotePutOutcome: Sendable, Equatable {
  /// The file did not exist and now does.
  case created
  /// A file of that key existed already and was left as it was.
  case existed
}

/// Where a remote keeps its files: a flat namespace of slash-separated keys under the remote's
/// location, on storage that need not be trusted (a directory, an S3 bucket, a static web
/// server). The five operations are all a remote needs (Docs/Remotes.md), so another kind of
/// storage is one file implementing them.
///
/// Keys are relative paths of `a-z 0-9 . _ - /` without empty, `.` or `..` segments
/// (`RemoteKey.isValid`). Implementations are safe to call from several threads at once.
public protocol RemoteTransport: Sendable {
  /// The remote as the user named it, for messages (`s3://bucket/prefix`, `/mnt/share/d`).
  var location: String { get }
  /// False for a transport that can only read (HTTP): `push` refuses it with exit 64.
  var isWritable: Bool { get }
  /// Every key that starts with `prefix`, with its size, sorted by key.
  func list(prefix: String) throws -> [RemoteEntry]
  /// Whether `key` exists.
  func has(_ key: String) throws -> Bool
  /// The bytes of `key`; `RemoteError.notFound` when it does not exist, and
  /// `RemoteError.corrupt` when it is longer than `limit` bytes (read no further than that: a
  /// remote cannot make a pull hold more than it expects).
  func get(_ key: String, limit: Int?) throws -> Data
  /// Creates `key` with the bytes of the local file at `path`, unless a file of that key exists
  /// already: a write never replaces one. Large files may go in parts.
  func put(_ key: String, contentsOf path: String) throws -> RemotePutOutcome
  /// Creates `key` with `data`, create-only like `put(_:contentsOf:)`.
  func put(_ key: String, data: Data) throws -> RemotePutOutcome
  /// Deletes `key`; deleting a key that does not exist is not an error.
  func delete(_ key: String) throws
  /// Removes what writes killed midway left outside the keys, older than `age` seconds (a
  /// default does nothing: see the extension).
  func removeAbandonedWrites(olderThan age: TimeInterval) throws -> (count: Int, bytes: Int)
  /// Aborts the uploads in parts that writes killed midway left incomplete, initiated more
  /// than `age` seconds ago (a default does nothing: see the extension).
  func abortAbandonedUploads(olderThan age: TimeInterval) throws -> (count: Int, bytes: Int)
}

extension RemoteTransport {
  /// The bytes of `key`, however many.
  public func get(_ key: String) throws -> Data { try get(key, limit: nil) }

  /// Removes what writes killed midway left outside the keys (a directory's staging files)
  /// that is older than `age` seconds, so no write under way can own it; returns how many and
  /// their bytes (`gc --remote`). Storage that leaves nothing of the kind has nothing to do.
  public func removeAbandonedWrites(olderThan age: TimeInterval) throws -> (count: Int, bytes: Int)
  {
    (0, 0)
  }

  /// Aborts the uploads in parts (S3's multipart uploads) that writes killed midway left
  /// incomplete, initiated more than `age` seconds ago, so no write under way owns one; returns
  /// how many and the bytes of their parts (`gc --remote`). Storage that writes a file at once
  /// has nothing to do.
  public func abortAbandonedUploads(olderThan age: TimeInterval) throws -> (count: Int, bytes: Int)
  {
    (0, 0)
  }
}

/// Keys of a remote.
public enum RemoteKey {
  /// Whether `key` is a relative path of `a-z 0-9 . _ - /` with no empty, `.` or `..` segment:
  /// what every transport may take without escaping, and what a remote's listing may name.
  public static func isValid(_ key: String) -> Bool {
    let bytes = Array(key.utf8)
    guard !bytes.isEmpty, bytes.count <= 512 else { return false }
    let allowed = bytes.allSatisfy {
      (0x61...0x7a).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2e || $0 == 0x5f
        || $0 == 0x2d || $0 == 0x2f
    }
    guard allowed else { return false }
    return key.split(separator: "/", omittingEmptySubsequences: false).allSatisfy {
      !$0.isEmpty && $0 != "." && $0 != ".."
    }
  }
}
