import Foundation
import MetricModel
import Yams

/// The `--web.config.file` of Prometheus's exporter-toolkit, in the subset Ember serves:
/// `basic_auth_users`, `tls_server_config` (`cert_file`, `key_file`, `client_ca_file`,
/// `client_auth_type`, `min_version`, `max_version`) and `http_server_config` (`http2`, `headers`).
///
/// Contract: a loaded value is valid: every user's hash is a bcrypt hash (`$2a$`, `$2b$` or
/// `$2y$`, cost 4–31, 60 characters); TLS, when configured, names both a certificate and a key,
/// and every file it names is readable (relative paths are resolved against the web config
/// file's directory, as exporter-toolkit does); headers are the ones exporter-toolkit allows,
/// with its allowed values. Unknown keys, and exporter-toolkit keys Ember does not implement
/// (inline `cert`/`key`, `cipher_suites`, `rate_limit`, ...), are errors naming file and line.
public struct WebConfig: Sendable, Equatable {
    /// User name → bcrypt hash. Empty means no authentication.
    public var basicAuthUsers: [String: String] = [:]
    public var tls: WebTLSServerConfig?
    /// Added to every response, in file order.
    public var headers: [WebHeader] = []
    /// Kept for fidelity; Ember serves HTTP/1.1 only.
    public var http2 = true

    public init() {}

    /// Reads and validates the file at `path`; diagnostics name the file as `path` is written.
    public static func load(file path: String) throws(ConfigErrors) -> WebConfig {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigErrors(errors: [ConfigDiagnostic(file: path, line: 0, column: 0,
                                                         message: "cannot read file: \(error.localizedDescription)")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigDiagnostic(file: path, line: 0, column: 0, message: "file is not valid UTF-8")])
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try parse(text, fileName: path, directory: directory.isEmpty ? "." : directory)
    }

    /// Parses web config text; `fileName` names diagnostics, `directory` anchors relative paths.
    public static func parse(_ text: String, fileName: String, directory: String) throws(ConfigErrors) -> WebConfig {
        let walker = Walker(fileName: fileName, lineMap: [])
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigErrors(errors: [PrometheusConfig.yamlDiagnostic(error, fileName: fileName, walker: walker)])
        }
        var config = WebConfig()
        if let root, !Walker.isNull(root) {
            walker.webConfig(root, directory: directory, into: &config)
        }
        if !walker.errors.isEmpty { throw ConfigErrors(errors: PrometheusConfig.sorted(walker.errors)) }
        return config
    }

    /// The headers exporter-toolkit lets a web config set, with their allowed values (nil: any).
    public static let allowedHeaders: [String: [String]?] = [
        "Strict-Transport-Security": nil,
        "X-Content-Type-Options": ["nosniff"],
        "X-Frame-Options": ["deny", "sameorigin"],
        "X-XSS-Protection": nil,
        "Content-Security-Policy": nil,
    ]
}

/// One `http_server_config.headers` entry.
public struct WebHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// `tls_server_config`: paths are absolute or relative to the working directory once loaded.
public struct WebTLSServerConfig: Sendable, Equatable {
    public var certFile = ""
    public var keyFile = ""
    public var clientCAFile = ""
    public var clientAuthType: ClientAuthType = .noClientCert
    /// `TLS10` ... `TLS13`; defaults as exporter-toolkit's.
    public var minVersion = "TLS12"
    public var maxVersion = "TLS13"
    public init() {}

    /// The `client_auth_type` values Ember serves. exporter-toolkit's `RequestClientCert` and
    /// `RequireAnyClientCert` (accept a certificate without verifying it) have no NIOSSL
    /// equivalent and are refused at load.
    public enum ClientAuthType: String, Sendable, Equatable {
        case noClientCert = "NoClientCert"
        case verifyClientCertIfGiven = "VerifyClientCertIfGiven"
        case requireAndVerifyClientCert = "RequireAndVerifyClientCert"
    }
}

extension Walker {
    func webConfig(_ root: Node, directory: String, into config: inout WebConfig) {
        guard let m = mapping(root, section: "web config") else { return }
        defer { m.finish() }
        if let users = m.stringMap("basic_auth_users") {
            for (user, hash, keyNode) in users {
                if let problem = Self.bcryptProblem(hash) {
                    error(keyNode, "basic_auth_users.\(user): \(problem)")
                }
                config.basicAuthUsers[user] = hash
            }
        }
        if let tls = m.map("tls_server_config", section: "tls_server_config") {
            config.tls = webTLS(tls, at: m.keyNode("tls_server_config"), directory: directory)
        }
        if let http = m.map("http_server_config", section: "http_server_config") {
            defer { http.finish() }
            if let http2 = http.bool("http2") { config.http2 = http2 }
            for (name, value, keyNode) in http.stringMap("headers") ?? [] {
                guard let allowed = WebConfig.allowedHeaders[name] else {
                    error(keyNode, "HTTP header \(quoteLabelValue(name)) can not be configured")
                    continue
                }
                if let allowed, !allowed.contains(value) {
                    error(keyNode, "invalid value for \(name): want one of \(allowed.map(quoteLabelValue).joined(separator: ", ")), got \(quoteLabelValue(value))")
                    continue
                }
                config.headers.append(WebHeader(name: name, value: value))
            }
        }
        for key in ["rate_limit"] where m.has(key) {
            error(m.keyNode(key), "\(key) is not supported by Ember")
        }
    }

    /// `keyNode` is where whole-section problems (a missing certificate or key) are reported.
    private func webTLS(_ m: MapReader, at keyNode: Node?, directory: String) -> WebTLSServerConfig? {
        defer { m.finish() }
        var tls = WebTLSServerConfig()
        for key in ["cert", "key", "client_ca", "cipher_suites", "curve_preferences", "prefer_server_cipher_suites",
                    "client_allowed_sans"] where m.has(key) {
            error(m.keyNode(key), "tls_server_config.\(key) is not supported by Ember")
        }
        func path(_ key: String) -> String {
            guard let value = m.string(key), !value.isEmpty else { return "" }
            let resolved = value.hasPrefix("/") ? value : directory + "/" + value
            if !FileManager.default.isReadableFile(atPath: resolved) {
                error(m.keyNode(key), "\(key): cannot read \(quoteLabelValue(resolved))")
            }
            return resolved
        }
        tls.certFile = path("cert_file")
        tls.keyFile = path("key_file")
        tls.clientCAFile = path("client_ca_file")
        if let type = m.string("client_auth_type"), !type.isEmpty {
            if let parsed = WebTLSServerConfig.ClientAuthType(rawValue: type) {
                tls.clientAuthType = parsed
            } else if ["RequestClientCert", "RequireAnyClientCert", "RequireClientCert"].contains(type) {
                error(m.value("client_auth_type"), "client_auth_type \(type) is not supported by Ember "
                      + "(use NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)")
            } else {
                error(m.value("client_auth_type"), "invalid client_auth_type \(quoteLabelValue(type))")
            }
        }
        let versions: [(String, WritableKeyPath<WebTLSServerConfig, String>)] = [("min_version", \.minVersion),
                                                                                ("max_version", \.maxVersion)]
        for (key, keyPath) in versions {
            guard let version = m.string(key), !version.isEmpty else { continue }
            if TLSConfig.versions.contains(version) { tls[keyPath: keyPath] = version }
            else { error(m.value(key), "unknown TLS version: \(version)") }
        }
        if tls.certFile.isEmpty {
            error(keyNode, "tls_server_config: missing one of cert or cert_file")
        } else if tls.keyFile.isEmpty {
            error(keyNode, "tls_server_config: missing one of key or key_file")
        }
        if !tls.clientCAFile.isEmpty && tls.clientAuthType == .noClientCert {
            error(m.keyNode("client_ca_file"), "client CA's have been configured without a Client Auth Policy")
        }
        return tls
    }

    /// Why `hash` is not a bcrypt hash Ember can check, or nil when it is.
    static func bcryptProblem(_ hash: String) -> String? {
        let bytes = Array(hash.utf8)
        guard bytes.count == 60, bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
              [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2]), bytes[3] == UInt8(ascii: "$"),
              bytes[6] == UInt8(ascii: "$") else {
            return "not a bcrypt hash (want $2a$, $2b$ or $2y$ and 60 characters, as htpasswd -nBC 10 makes)"
        }
        guard let cost = Int(String(decoding: bytes[4...5], as: UTF8.self)), (4...31).contains(cost) else {
            return "bcrypt cost must be between 4 and 31"
        }
        return nil
    }
}
