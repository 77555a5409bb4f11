import Foundation

/// A UTF-8 character-type locale that libarchive calls run under, on the calling thread only.
///
/// libarchive converts entry names (UTF-8 in zip, UTF-16 in 7z) to the current locale's
/// character set; under the C locale a process starts with, any name outside ASCII fails to
/// convert and is lost. Switching the thread's locale, not the process's, leaves the rest of
/// the program alone.
final class UTF8Locale {
  private let locale: locale_t?

  init() {
    locale =
      newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) ?? newlocale(LC_CTYPE_MASK, "en_US.UTF-8", nil)
  }

  deinit {
    if let locale { freelocale(locale) }
  }

  /// Runs `body` with this locale as the thread's, then restores the previous one.
  func apply<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure)
    -> Result
  {
    guard let locale else { return try body() }
    let previous = uselocale(locale)
    defer { uselocale(previous) }
    return try body()
  }
}
