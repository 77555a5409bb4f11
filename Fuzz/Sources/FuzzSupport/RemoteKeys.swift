import OpenLedgerKit

/// Checks what a pull makes of the keys a remote lists (Remote/RemoteLayout.swift): the
/// Datanets under `heads/`, the head files of each, the redacted copies of a shard. Each key
/// the layout reads as an id is the key the layout writes for that id, so no two keys name the
/// same file and no key a pull reads is one a push would not write.
public func expectLayoutReadsBack(_ keys: [String]) {
  let entries = keys.map { RemoteEntry(key: $0, size: 0) }
  let datanets = RemoteLayout.datanets(in: entries)
  expect(
    zip(datanets, datanets.dropFirst()).allSatisfy { $0 < $1 },
    "the Datanets listed are not sorted or repeat one")
  for datanet in datanets {
    let prefix = RemoteLayout.headsPrefix(datanet)
    expect(
      keys.contains { $0.hasPrefix(prefix) }, "Datanet \(datanet.short) is listed without a key")
    for key in keys {
      guard let id = RemoteLayout.headID(in: key, of: datanet) else { continue }
      expect(
        RemoteLayout.headKey(datanet, id) == key, "key \(key) is read as head file \(id.short)")
    }
  }
  for key in keys {
    let parts = key.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0] == "redactions", let original = Digest(hex: String(parts[1]))
    else { continue }
    guard let redacted = RemoteLayout.redactedID(in: key, of: original) else { continue }
    expect(
      RemoteLayout.redactionKey(original, redacted) == key,
      "key \(key) is read as redaction \(redacted.short) of \(original.short)")
  }
}
