import Foundation

/// A problem `fsck` found.
public struct StoreProblem: Codable, Sendable, Equatable {
  public enum Kind: String, Codable, Sendable {
    /// An object's bytes do not hash to its name.
    case corrupt
    /// The catalog references an object that is not on disk.
    case missing
    /// A file under `objects/` that is not named like an object.
    case stray
  }

  public var kind: Kind
  /// The object id, when the problem concerns one.
  public var object: String?
  public var path: String
  public var message: String
}

/// What `fsck` checked and found.
public struct FsckReport: Codable, Sendable {
  public var objectsChecked: Int
  public var bytesChecked: Int
  public var problems: [StoreProblem]
  public var isClean: Bool { problems.isEmpty }
}

extension Store {
  /// Re-hashes every object and checks that every object the catalog references exists.
  /// `progress` is called after each object with the objects done so far, their total and the
  /// bytes done so far.
  public func fsck(
    progress: (_ objects: Int, _ total: Int, _ bytes: Int) -> Void = { _, _, _ in }
  ) throws -> FsckReport {
    var malformed = [String]()
    let ids = try objects.allObjects(malformed: &malformed)
    var problems = malformed.map {
      StoreProblem(
        kind: .stray, object: nil, path: $0,
        message: "\($0) is not named like an object (two hex digits / 62 hex digits)")
    }
    var bytes = 0
    for (index, id) in ids.enumerated() {
      let actual = try objects.hashOnDisk(id)
      bytes += (try? objects.size(of: id)) ?? 0
      if actual != id {
        problems.append(
          StoreProblem(
            kind: .corrupt, object: id.hex, path: objects.path(for: id),
            message: "object \(id.hex) is corrupt: its bytes hash to \(actual.hex)"))
      }
      progress(index + 1, ids.count, bytes)
    }
    let onDisk = Set(ids)
    let referenced = try catalog.read { db in try ObjectRefs.all(in: db) }
    for (id, kind) in referenced.sorted(by: { $0.key < $1.key }) where !onDisk.contains(id) {
      problems.append(
        StoreProblem(
          kind: .missing, object: id.hex, path: objects.path(for: id),
          message: "\(kind.rawValue) object \(id.hex) is referenced by the catalog but missing"))
    }
    return FsckReport(objectsChecked: ids.count, bytesChecked: bytes, problems: problems)
  }
}
