import Foundation

/// Turns Foundation's decoding errors into one sentence naming the field at fault.
public enum JSONDiagnostics {
  public static func describe(_ error: Error) -> String {
    guard let error = error as? DecodingError else { return "\(error)" }
    switch error {
    case .keyNotFound(let key, let context):
      return "missing field '\(path(context.codingPath + [key]))'"
    case .typeMismatch(let type, let context):
      return "field '\(path(context.codingPath))' should be \(typeName(type))"
        + detail(context)
    case .valueNotFound(let type, let context):
      return "field '\(path(context.codingPath))' should be \(typeName(type)), not null"
    case .dataCorrupted(let context):
      if context.codingPath.isEmpty {
        return "not valid JSON" + detail(context)
      }
      return "field '\(path(context.codingPath))': \(context.debugDescription)"
    @unknown default:
      return "\(error)"
    }
  }

  private static func detail(_ context: DecodingError.Context) -> String {
    let underlying = context.underlyingError.map { " (\($0.localizedDescription))" } ?? ""
    return underlying
  }

  static func path(_ keys: [CodingKey]) -> String {
    var out = ""
    for key in keys {
      if let index = key.intValue {
        out += "[\(index)]"
      } else {
        out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
      }
    }
    return out.isEmpty ? "(top level)" : out
  }

  private static func typeName(_ type: Any.Type) -> String {
    switch type {
    case is String.Type: "a string"
    case is Int.Type, is Int64.Type, is UInt64.Type, is UInt32.Type: "an integer"
    case is Double.Type: "a number"
    case is Bool.Type: "true or false"
    case is [Any].Type: "an array"
    default: "\(type)"
    }
  }
}
