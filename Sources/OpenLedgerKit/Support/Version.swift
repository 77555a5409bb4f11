/// This build's version: `openledger --version`, and the User-Agent of its HTTP requests.
public let openledgerVersion = "0.1.0"
