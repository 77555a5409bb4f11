import Foundation

/// Where the time of new events comes from; tests pass a fixed one.
public protocol Clock: Sendable {
  func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: Clock {
  public init() {}
  public func now() -> Date { Date() }
}

/// A clock that always reads the same instant.
public struct FixedClock: Clock {
  public let instant: Date
  public init(_ instant: Date) { self.instant = instant }
  public func now() -> Date { instant }
}

/// RFC 3339 timestamps in UTC with millisecond precision, as events carry them.
public enum Timestamp {
  public static func format(_ date: Date) -> String {
    let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    var seconds = millis / 1000
    var fraction = millis % 1000
    if fraction < 0 {
      fraction += 1000
      seconds -= 1
    }
    let (year, month, day, hour, minute, second) = civil(fromUnixSeconds: seconds)
    return String(
      format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", year, month, day, hour, minute, second,
      Int(fraction))
  }

  /// Parses what `format` writes, and other RFC 3339 forms in UTC or with an offset.
  public static func parse(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.date(from: text)
  }

  /// Days-from-civil inverse (Howard Hinnant's algorithm), so formatting needs no locale or calendar.
  private static func civil(fromUnixSeconds seconds: Int64) -> (Int, Int, Int, Int, Int, Int) {
    let days = Int(floorDiv(seconds, 86_400))
    let secondOfDay = Int(seconds - Int64(days) * 86_400)
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return (year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60)
  }

  private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
    let q = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
  }
}
