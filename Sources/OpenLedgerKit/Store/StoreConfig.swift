import Foundation

/// The contents of a store's `config.json`.
public struct StoreConfig: Codable, Sendable, Equatable {
  /// The store layout version this build writes and the newest it reads.
  public static let currentFormatVersion = 1

  public var formatVersion: Int
  /// How long a command waits for another process's catalog write before giving up.
  public var busyTimeoutMilliseconds: Int
  public var created: String

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
