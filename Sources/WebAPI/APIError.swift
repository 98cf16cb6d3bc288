import Hummingbird
import PromQL

/// A failed API call: Prometheus's error type and message.
///
/// Contract: `status` is the HTTP status Prometheus's `getDefaultErrorCode` gives the type — the
/// one place that mapping lives (bad_data 400, execution 422, canceled 499, timeout 503,
/// not_found 404, not_acceptable 406, everything else 500).
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case badData = "bad_data"
        case execution
        case timeout
        case canceled
        case `internal`
        case unavailable
        case notFound = "not_found"
        case notAcceptable = "not_acceptable"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }

    public var status: HTTPResponse.Status {
        switch kind {
        case .badData: return .badRequest
        case .execution: return .unprocessableContent
        case .canceled: return HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request")
        case .timeout: return .serviceUnavailable
        case .notFound: return .notFound
        case .notAcceptable: return .notAcceptable
        case .internal, .unavailable: return .internalServerError
        }
    }

    /// `bad_data` with the message as given.
    public static func badData(_ message: String) -> APIError { APIError(.badData, message) }

    /// Prometheus's `invalidParamError`: `invalid parameter "<name>": <reason>`.
    public static func invalidParameter(_ name: String, _ reason: String) -> APIError {
        APIError(.badData, "invalid parameter \(goQuoted(name)): \(reason)")
    }

    /// A query engine failure, with the type the engine gave it.
    public init(_ error: QueryError) {
        switch error {
        case .badData: self.init(.badData, error.description)
        case .execution: self.init(.execution, error.description)
        case .timeout: self.init(.timeout, error.description)
        case .canceled: self.init(.canceled, error.description)
        }
    }
}

/// A string in double quotes as Go's `%q` prints it (the escapes API messages need).
func goQuoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                let hex = String(scalar.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// Bytes in double quotes as Go's `%q` prints a string that may hold invalid UTF-8: valid
/// sequences as they are (escaped like `goQuoted`), each invalid byte as `\xNN`.
func goQuoted(bytes: [UInt8]) -> String {
    var out = ""
    var index = 0
    while index < bytes.count {
        var end = index + 1
        let lead = bytes[index]
        let length = lead < 0x80 ? 1 : lead >> 5 == 0b110 ? 2 : lead >> 4 == 0b1110 ? 3 : lead >> 3 == 0b11110 ? 4 : 0
        if length > 0, index + length <= bytes.count,
           let piece = String(validating: bytes[index..<(index + length)], as: UTF8.self) {
            end = index + length
            out += String(goQuoted(piece).dropFirst().dropLast())
        } else {
            let hex = String(lead, radix: 16)
            out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
        }
        index = end
    }
    return "\"" + out + "\""
}
