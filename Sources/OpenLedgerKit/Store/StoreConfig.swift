import Foundation

/// The contents of a store's `config.json`.
public struct StoreConfig: Codable, Sendable, Equatable {
  /// The store layout version this build writes and the newest it reads.
  public static let currentFormatVersion = 1

  public var formatVersion: Int
  /// How long a command waits for another process's catalog write before giving up.
  public var busyTimeoutMilliseconds: Int
  public var created: String
  /// The remotes this store pushes to and pulls from, by name (`openledger remote add`);
  /// absent when there are none.
  public var remotes: [RemoteConfig]?

  public init(created: String, busyTimeoutMilliseconds: Int = 10_000) {
    self.formatVersion = Self.currentFormatVersion
    self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
    self.created = created
  }

  static func load(from path: String) throws -> StoreConfig {
    let data: Data
    do {
      data = try FileSystem.read(path)
    } catch let error as SystemError where error.kind == .notFound {
      throw StoreError.notAStore(path: (path as NSString).deletingLastPathComponent)
    }
    let config: StoreConfig
    do {
      config = try JSONDecoder().decode(StoreConfig.self, from: data)
    } catch {
      throw StoreError.malformedConfig(path: path, reason: JSONDiagnostics.describe(error))
    }
    guard config.formatVersion <= currentFormatVersion else {
      throw StoreError.unsupportedFormat(
        path: path, version: config.formatVersion, supported: currentFormatVersion)
    }
    guard config.busyTimeoutMilliseconds >= 0 else {
      throw StoreError.malformedConfig(
        path: path, reason: "busyTimeoutMilliseconds must be zero or more")
    }
    return config
  }
}

/// A remote as `config.json` keeps it.
public struct RemoteConfig: Codable, Sendable, Equatable {
  /// 1 to 64 of `a-z 0-9 . _ -`, starting with a letter or digit (`origin` by default).
  public var name: String
  /// A directory (`/path`, `file:///path`), `s3://bucket/prefix` or `http(s)://host/path`.
  public var url: String
  /// For S3: the endpoint to use instead of AWS's (MinIO, R2, Ceph RGW, a local server).
  public var endpoint: String?
  /// The Datanets a `pull` without `--datanet` takes from the remote, by name or id as they
  /// were given, when a clone was limited to some (`clone --datanet`; `pull --datanet NAME`
  /// adds to them); nil for all.
  public var datanets: [String]?

  public init(name: String, url: String, endpoint: String? = nil, datanets: [String]? = nil) {
    self.name = name
    self.url = url
    self.endpoint = endpoint
    self.datanets = datanets
  }

  public static func isValidName(_ name: String) -> Bool {
    StoreName.isValid(name)
  }
}

/// The rule for names a store gives things (Datanets, remotes): 1 to 64 of `a-z 0-9 . _ -`,
/// starting with a letter or digit, so they are safe as directory names and in URLs.
enum StoreName {
  static func isValid(_ name: String) -> Bool {
    let bytes = Array(name.utf8)
    guard (1...64).contains(bytes.count), isLowerAlphanumeric(bytes[0]) else { return false }
    return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == 0x2e || $0 == 0x5f || $0 == 0x2d }
  }

  private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
    (0x30...0x39).contains(byte) || (0x61...0x7a).contains(byte)
  }
}
