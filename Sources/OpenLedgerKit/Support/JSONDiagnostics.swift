import Foundation

/// Turns Foundation's decoding errors into one sentence naming the field at fault.
public enum JSONDiagnostics {
  public static func describe(_ error: Error) -> String {
    guard let error = error as? DecodingError else { return parserMessage(error) }
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
      return "field '\(path(context.codingPath))': \(valueMessage(context.debugDescription))"
    @unknown default:
      return "\(error)"
    }
  }

  private static func detail(_ context: DecodingError.Context) -> String {
    context.underlyingError.map { " (\(parserMessage($0)))" } ?? ""
  }

  /// The JSON parser's own account of where the text went wrong, without Foundation's error
  /// domain and code around it.
  static func parserMessage(_ error: Error) -> String {
    let error = error as NSError
    if let debug = error.userInfo[NSDebugDescriptionErrorKey] as? String, !debug.isEmpty {
      return debug.hasSuffix(".") ? String(debug.dropLast()) : debug
    }
    return error.domain == NSCocoaErrorDomain ? "the text is not valid JSON" : "\(error)"
  }

  /// "Cannot initialize T from invalid String value x", as a sentence for people.
  private static func valueMessage(_ debug: String) -> String {
    let marker = " from invalid String value "
    guard debug.hasPrefix("Cannot initialize "), let range = debug.range(of: marker) else {
      return debug
    }
    return "'\(debug[range.upperBound...])' is not one of the values it may take"
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
