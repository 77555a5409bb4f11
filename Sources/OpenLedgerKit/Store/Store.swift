import Foundation

/// An opened store: its configuration, its objects and its catalog.
public final class Store: Sendable {
  /// The directory name `openledger init` creates and discovery looks for.
  public static let directoryName = ".openledger"

  /// The store directory itself (the one holding `config.json`).
  public let root: String
  public let config: StoreConfig
  public let objects: ObjectStore
  public let catalog: Catalog

  private init(root: String, config: StoreConfig) throws {
    self.root = root
    self.config = config
    self.objects = ObjectStore(root: "\(root)/objects/sha256", staging: "\(root)/tmp")
    self.catalog = try Catalog(
      path: "\(root)/catalog.sqlite", busyTimeoutMilliseconds: config.busyTimeoutMilliseconds)
  }

  /// Finds the store to use: an explicit path (`--store`), else the environment's
  /// (`$OPENLEDGER_STORE`), else the nearest `.openledger/` at or above `workingDirectory`.
  ///
  /// An explicit path may name the store directory or a directory that contains `.openledger/`.
  public static func locate(
    explicit: String?, environment: String?, workingDirectory: String
  ) throws -> String {
    if let given = explicit ?? environment, !given.isEmpty {
      let path = absolute(given, from: workingDirectory)
      if FileSystem.exists("\(path)/config.json") { return path }
      if FileSystem.exists("\(path)/\(directoryName)/config.json") {
        return "\(path)/\(directoryName)"
      }
      throw StoreError.notAStore(path: path)
    }
    var directory = standardized(workingDirectory)
    while true {
      let candidate = directory == "/" ? "/\(directoryName)" : "\(directory)/\(directoryName)"
      if FileSystem.exists("\(candidate)/config.json") { return candidate }
      if directory == "/" { break }
      directory = (directory as NSString).deletingLastPathComponent
      if directory.isEmpty { directory = "/" }
    }
    throw StoreError.notFound(searchedFrom: workingDirectory)
  }

  /// Where `openledger init` puts a new store: the explicit path itself, else the one
  /// `$OPENLEDGER_STORE` names, else `.openledger/` in the working directory.
  public static func initLocation(
    explicit: String?, environment: String? = nil, workingDirectory: String
  ) -> String {
    if let explicit, !explicit.isEmpty { return absolute(explicit, from: workingDirectory) }
    if let environment, !environment.isEmpty {
      return absolute(environment, from: workingDirectory)
    }
    return "\(standardized(workingDirectory))/\(directoryName)"
  }

  /// Creates a new, empty store at `root`.
  public static func initialize(at root: String, clock: any Clock) throws -> Store {
    try checkInitLocation(root)
    for directory in ["", "/objects/sha256", "/tmp", "/indexes"] {
      try FileSystem.makeDirectory(root + directory)
    }
    let config = StoreConfig(created: Timestamp.format(clock.now()))
    let store = try Store(root: root, config: config)
    // config.json is written last: a store without it is not a store, so an interrupted init
    // can simply be run again.
    try FileSystem.writeAtomically(
      try CanonicalEncoder.encode(config), to: "\(root)/config.json",
      stagingDirectory: "\(root)/tmp")
    return store
  }

  /// Refuses to create a store at `root` unless nothing is there, or an empty directory (a
  /// symbolic link to one counts), or what an interrupted init left; the error says what is
  /// there instead.
  private static func checkInitLocation(_ root: String) throws {
    var info = stat()
    guard lstat(root, &info) == 0 else {
      if errno == ENOENT { return }
      throw SystemError("cannot look at", path: root, code: errno)
    }
    if (info.st_mode & S_IFMT) == S_IFLNK, stat(root, &info) != 0 {
      let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: root)) ?? "?"
      throw StoreError.initPathTaken(
        path: root, what: "a symbolic link to \(target), which does not exist",
        remedy: "create the directory it points to, or choose another --store")
    }
    let what: String? =
      switch info.st_mode & S_IFMT {
      case S_IFDIR: nil
      case S_IFREG: "a file"
      case S_IFIFO: "a FIFO"
      case S_IFSOCK: "a socket"
      case S_IFCHR, S_IFBLK: "a device"
      default: "not a directory"
      }
    if let what {
      throw StoreError.initPathTaken(
        path: root, what: what, remedy: "choose another --store, or move it away")
    }
    if FileSystem.exists("\(root)/config.json") { throw StoreError.alreadyExists(path: root) }
    let ours: Set = ["objects", "tmp", "indexes", "catalog.sqlite"]
    if let foreign = try FileSystem.list(root).first(where: {
      !ours.contains($0) && !$0.hasPrefix("catalog.sqlite-")
    }) {
      throw StoreError.initPathTaken(
        path: root, what: "a directory that holds other files (such as '\(foreign)') and no store",
        remedy: "init makes a store in a new or empty directory: choose another --store")
    }
  }

  /// Opens the store at `root` (the directory holding `config.json`). A store that holds
  /// objects but lost its catalog is refused, since a new, empty catalog would show it empty,
  /// unless `catalogMayBeMissing` (`rebuild-catalog`, which recreates it).
  public static func open(at root: String, catalogMayBeMissing: Bool = false) throws -> Store {
    let config = try StoreConfig.load(from: "\(root)/config.json")
    let catalog = "\(root)/catalog.sqlite"
    if !catalogMayBeMissing, !FileSystem.exists(catalog),
      !(try FileSystem.list("\(root)/objects/sha256")).isEmpty
    {
      throw StoreError.catalogMissing(path: catalog)
    }
    return try Store(root: root, config: config)
  }

  /// The advisory lock that keeps `gc` from removing objects a running writer has not yet
  /// recorded in the catalog.
  public func lock(_ mode: StoreLock.Mode) throws -> StoreLock {
    try StoreLock(path: "\(root)/lock", mode: mode)
  }

  /// The store lock if it can be had without waiting, else nil: for housekeeping that whichever
  /// process finds the store idle does.
  public func lockIfFree(_ mode: StoreLock.Mode) throws -> StoreLock? {
    try StoreLock(path: "\(root)/lock", mode: mode, wait: false)
  }

  public var indexesDirectory: String { "\(root)/indexes" }

  private static func absolute(_ path: String, from workingDirectory: String) -> String {
    let joined = path.hasPrefix("/") ? path : "\(workingDirectory)/\(path)"
    return standardized(joined)
  }

  private static func standardized(_ path: String) -> String {
    var parts = [Substring]()
    for part in path.split(separator: "/", omittingEmptySubsequences: true) {
      if part == "." { continue }
      if part == ".." {
        _ = parts.popLast()
      } else {
        parts.append(part)
      }
    }
    return "/" + parts.joined(separator: "/")
  }
}

/// An advisory `flock` on the store's lock file, released when the value is dropped or the
/// process dies.
public final class StoreLock {
  public enum Mode {
    /// Taken by commands that add objects: many may hold it at once.
    case shared
    /// Taken by `gc`: waits until no writer is between writing objects and committing them.
    case exclusive
  }

  private let fd: Int32

  convenience init(path: String, mode: Mode) throws {
    try self.init(path: path, mode: mode, wait: true)!
  }

  /// Takes the lock on the file at `path`, waiting for it unless `wait` is false; then nil
  /// when another holder's mode conflicts.
  init?(path: String, mode: Mode, wait: Bool) throws {
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw SystemError("cannot open the store lock", path: path, code: errno) }
    let operation = (mode == .shared ? LOCK_SH : LOCK_EX) | (wait ? 0 : LOCK_NB)
    while flock(fd, operation) != 0 {
      if errno == EINTR { continue }
      let code = errno
      close(fd)
      if code == EWOULDBLOCK && !wait { return nil }
      throw SystemError("cannot lock", path: path, code: code)
    }
  }

  deinit {
    flock(fd, LOCK_UN)
    close(fd)
  }
}
