import Foundation
import Testing

extension Sandbox {
  /// `name` contributes `texts` to `datanet` as JSONL records `{"text": …}`, and `curator`
  /// accepts the contribution.
  func contributeAccepted(_ texts: [String], to datanet: String, by name: String, curator: String)
    throws
  {
    try write("\(name).jsonl", texts.map { "{\"text\": \"\($0)\"}\n" }.joined())
    let result = try #require(
      try decodeJSON(
        try ok(["contribute", datanet, "\(name).jsonl", "--as", name, "--format", "json"]))
        as? [String: Any])
    try ok(["review", "accept", try #require(result["contribution"] as? String), "--as", curator])
  }
}
