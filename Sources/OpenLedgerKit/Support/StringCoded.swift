/// A value that JSON holds as one string in one form (a digest, an account id, an address):
/// it encodes `hex`, and decodes only what `init?(stored:)` accepts, naming the form otherwise.
public protocol StringCoded: Codable {
  /// The stored form.
  var hex: String { get }
  /// The value whose stored form is `text`, or nil.
  init?(stored text: String)
  /// What a stored string must be, for the decoding error ("a SHA-256 digest (64 hex digits)").
  static var storedForm: String { get }
}

extension StringCoded {
  public init(from decoder: Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = Self(stored: text) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "'\(text)' is not \(Self.storedForm)")
    }
    self = value
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(hex)
  }
}
