import Config
import CoreMetrics
import NIOSSL
import WebAPI

/// What `--web.config.file` asks of the HTTP server: TLS for the listener, basic auth and headers
/// for the router.
///
/// Contract: `init` loads and validates the file and, when TLS is configured, the certificate,
/// key and client CA it names; any problem throws (`ConfigErrors` naming file and line, or
/// `WebTLSError` naming the certificate file), so a bad web config stops the server at start.
struct WebServerSecurity: Sendable {
    let config: WebConfig
    let tls: TLSConfiguration?

    /// No access control, plain HTTP.
    init() {
        config = WebConfig()
        tls = nil
    }

    init(file: String) throws {
        config = try WebConfig.load(file: file)
        tls = try config.tls.map { try Self.tlsConfiguration($0, webConfigFile: file) }
    }

    func access(metricsFactory: any MetricsFactory) -> WebAccess {
        var access = WebAccess()
        access.basicAuthUsers = config.basicAuthUsers
        access.headers = config.headers.map { ($0.name, $0.value) }
        access.metricsFactory = metricsFactory
        return access
    }

    static func tlsConfiguration(_ tls: WebTLSServerConfig, webConfigFile: String) throws -> TLSConfiguration {
        func load<T>(_ key: String, _ path: String, _ body: () throws -> T) throws -> T {
            do { return try body() } catch {
                throw WebTLSError(webConfigFile: webConfigFile, key: key, path: path, reason: "\(error)")
            }
        }
        let chain = try load("cert_file", tls.certFile) { try NIOSSLCertificate.fromPEMFile(tls.certFile) }
        let key = try load("key_file", tls.keyFile) { try NIOSSLPrivateKey(file: tls.keyFile, format: .pem) }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = version(tls.minVersion)
        configuration.maximumTLSVersion = version(tls.maxVersion)
        switch tls.clientAuthType {
        case .noClientCert: configuration.certificateVerification = .none
        case .verifyClientCertIfGiven: configuration.certificateVerification = .optionalVerification
        case .requireAndVerifyClientCert: configuration.certificateVerification = .noHostnameVerification
        }
        if !tls.clientCAFile.isEmpty {
            let roots = try load("client_ca_file", tls.clientCAFile) { try NIOSSLCertificate.fromPEMFile(tls.clientCAFile) }
            configuration.trustRoots = .certificates(roots)
        }
        return configuration
    }

    static func version(_ name: String) -> TLSVersion {
        switch name {
        case "TLS10": return .tlsv1
        case "TLS11": return .tlsv11
        case "TLS12": return .tlsv12
        default: return .tlsv13
        }
    }
}

/// A certificate, key or CA file named by the web config that NIOSSL cannot load.
public struct WebTLSError: Error, CustomStringConvertible {
    public let webConfigFile: String
    public let key: String
    public let path: String
    public let reason: String
    public var description: String {
        "\(webConfigFile): tls_server_config.\(key) \"\(path)\": \(reason)"
    }
}
