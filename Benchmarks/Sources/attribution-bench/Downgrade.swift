import ArgumentParser
import Foundation
import OpenLedgerKit

/// Writes a segment again in format version 1 (plain u32 token and suffix arrays), as releases
/// before the packed format wrote it, so that both formats can be timed side by side.
struct Downgrade: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a segment again in format version 1 (u32 arrays), for side-by-side timing.")

  @Argument(help: "A segment directory.")
  var segment: String

  @Option(help: "The directory to write the version 1 segment into.")
  var out: String

  func run() throws {
    let index = try IndexSegment(directory: segment)
    let staging = "\(out)/staging"
    try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
    var files = [[String: Any]]()
    func add(_ name: String, _ data: Data) throws {
      try data.write(to: URL(fileURLWithPath: "\(staging)/\(name)"))
      files.append(["name": name, "bytes": data.count, "sha256": Digest.of(data).hex])
    }
    let arrays = ["tokens.packed", "suffixes.packed"]
    for file in index.manifest.files where !arrays.contains(file.name) {
      try add(file.name, try Data(contentsOf: URL(fileURLWithPath: "\(segment)/\(file.name)")))
    }
    let tokens = (0..<index.positionCount).map { index.token(at: $0) }
    try add("tokens.u32", tokens.withUnsafeBytes { Data($0) })
    let suffixes = (0..<index.tokenCount).map { UInt32(index.suffix(atRank: $0)) }
    try add("suffixes.u32", suffixes.withUnsafeBytes { Data($0) })
    files.sort { ($0["name"] as! String) < ($1["name"] as! String) }
    let manifest = index.manifest
    let object: [String: Any] = [
      "contributions": manifest.contributions, "contributors": manifest.contributors,
      "files": files, "format": manifest.format, "records": manifest.records,
      "tokens": manifest.tokens, "version": 1, "vocabulary": manifest.vocabulary,
    ]
    let bytes = try JSONSerialization.data(
      withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    try bytes.write(to: URL(fileURLWithPath: "\(staging)/manifest.json"))
    let id = Digest.of(bytes).hex
    try FileManager.default.moveItem(atPath: staging, toPath: "\(out)/\(id)")
    let opened = try IndexSegment(directory: "\(out)/\(id)", rehash: .all)
    print(
      try jsonLine([
        "segment": "\(out)/\(id)", "version": opened.manifest.version,
        "index_bytes": opened.manifest.fileBytes,
        "bytes_per_token": Double(opened.manifest.fileBytes) / Double(opened.tokenCount),
      ]))
  }
}
