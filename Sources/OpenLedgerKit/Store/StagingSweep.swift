extension Store {
  /// How old a staging file nobody holds must be before it counts as left behind: a writer
  /// takes its lock the moment it creates the file, so this only guards that moment.
  static let staleStagingAge = 60.0

  /// Staging files in `tmp/` that no live process holds: what a killed command left (a
  /// contribute killed midway can leave a shard of a hundred megabytes). Paths and sizes.
  public func staleStagingFiles() throws -> [(path: String, bytes: Int)] {
    var stale = [(path: String, bytes: Int)]()
    for name in try FileSystem.list(objects.staging) where name.hasPrefix("staged-") {
      let path = "\(objects.staging)/\(name)"
      guard let (bytes, age) = FileSystem.sizeAndAge(path), age >= Self.staleStagingAge,
        !FileSystem.isHeldByALiveProcess(path)
      else { continue }
      stale.append((path, bytes))
    }
    return stale
  }

  /// Undoes what killed writes left: the objects of interrupted journals (`ObjectJournal`)
  /// and stale staging files. Every write runs this first, holding the store lock shared.
  public func finishInterruptedWrites() throws {
    try ObjectJournal.recover(in: self)
    for file in try staleStagingFiles() { try FileSystem.remove(file.path) }
  }
}
