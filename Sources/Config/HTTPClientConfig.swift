import Foundation
import MetricModel
import Yams

/// `basic_auth`: exactly one source each for username and password, if any.
public struct BasicAuth: Sendable, Equatable {
    public var username: String = ""
    public var usernameFile: String = ""
    public var usernameRef: String = ""
    public var password: String = ""
    public var passwordFile: String = ""
    public var passwordRef: String = ""
    public init() {}
}

/// `authorization`: `type` defaults to `Bearer` (trimmed); `Basic` is refused as in Prometheus.
public struct Authorization: Sendable, Equatable {
    public var type: String = "Bearer"
    public var credentials: String = ""
    public var credentialsFile: String = ""
    public var credentialsRef: String = ""
    public init(type: String = "Bearer", credentials: String = "", credentialsFile: String = "") {
        self.type = type
        self.credentials = credentials
        self.credentialsFile = credentialsFile
    }
}

/// `tls_config`. Versions are kept as written (`TLS10` ... `TLS13`), validated.
public struct TLSConfig: Sendable, Equatable {
    public var ca: String = ""
    public var caFile: String = ""
    public var caRef: String = ""
    public var cert: String = ""
    public var certFile: String = ""
    public var certRef: String = ""
    public var key: String = ""
    public var keyFile: String = ""
    public var keyRef: String = ""
    public var serverName: String = ""
    public var insecureSkipVerify: Bool = false
    public var minVersion: String = ""
    public var maxVersion: String = ""
    public init() {}

    public static let versions: Set<String> = ["TLS10", "TLS11", "TLS12", "TLS13"]
}

/// The HTTP client settings Prometheus inlines into scrape, service-discovery, alerting and
/// remote configs.
///
/// Contract: defaults `followRedirects = true`, `enableHTTP2 = true` (remote_write uses `false`
/// for HTTP/2, as Prometheus does). Loaded values satisfy Prometheus's `HTTPClientConfig.Validate`
/// mutual-exclusion rules. `bearerToken`/`bearerTokenFile` are kept as written;
/// `effectiveAuthorization` folds them into an `Authorization` the way Prometheus does.
/// `oauth2` and `httpHeaders` are accepted and kept raw (Ember does not use them yet).
public struct HTTPClientConfig: Sendable, Equatable {
    public var basicAuth: BasicAuth?
    public var authorization: Authorization?
    public var oauth2: ConfigValue?
    public var bearerToken: String = ""
    public var bearerTokenFile: String = ""
    public var tlsConfig: TLSConfig = TLSConfig()
    public var followRedirects: Bool = true
    public var enableHTTP2: Bool = true
    public var proxyURL: String = ""
    public var noProxy: String = ""
    public var proxyFromEnvironment: Bool = false
    public var proxyConnectHeader: [String: [String]] = [:]
    public var httpHeaders: ConfigValue?

    public init() {}

    /// The keys this config contributes to the mapping it is inlined into.
    static let keys = [
        "basic_auth", "authorization", "oauth2", "bearer_token", "bearer_token_file", "tls_config",
        "follow_redirects", "enable_http2", "proxy_url", "no_proxy", "proxy_from_environment",
        "proxy_connect_header", "http_headers",
    ]

    /// `authorization`, or the bearer token / token file expressed as a Bearer authorization.
    public var effectiveAuthorization: Authorization? {
        if let authorization { return authorization }
        if !bearerToken.isEmpty { return Authorization(credentials: bearerToken) }
        if !bearerTokenFile.isEmpty { return Authorization(credentialsFile: bearerTokenFile) }
        return nil
    }
}

extension Walker {
    func tlsConfig(_ node: Node) -> TLSConfig {
        var t = TLSConfig()
        guard let m = mapping(node, section: "tls_config") else { return t }
        defer { m.finish() }
        t.ca = m.string("ca") ?? ""
        t.caFile = m.string("ca_file") ?? ""
        t.caRef = m.string("ca_ref") ?? ""
        t.cert = m.string("cert") ?? ""
        t.certFile = m.string("cert_file") ?? ""
        t.certRef = m.string("cert_ref") ?? ""
        t.key = m.string("key") ?? ""
        t.keyFile = m.string("key_file") ?? ""
        t.keyRef = m.string("key_ref") ?? ""
        t.serverName = m.string("server_name") ?? ""
        t.insecureSkipVerify = m.bool("insecure_skip_verify") ?? false
        for (key, path) in [("min_version", \TLSConfig.minVersion), ("max_version", \TLSConfig.maxVersion)] {
            if let v = m.value(key), let s = scalar(v, field: key) {
                if TLSConfig.versions.contains(s) { t[keyPath: path] = s } else { error(v, "unknown TLS version: \(s)") }
            }
        }
        func count(_ values: String...) -> Int { values.filter { !$0.isEmpty }.count }
        if count(t.ca, t.caFile, t.caRef) > 1 { error(node, "at most one of ca, ca_file & ca_ref must be configured") }
        if count(t.cert, t.certFile, t.certRef) > 1 { error(node, "at most one of cert, cert_file & cert_ref must be configured") }
        if count(t.key, t.keyFile, t.keyRef) > 1 { error(node, "at most one of key and key_file must be configured") }
        let usingCert = count(t.cert, t.certFile, t.certRef) > 0
        let usingKey = count(t.key, t.keyFile, t.keyRef) > 0
        if usingCert && !usingKey {
            error(node, "exactly one of key or key_file must be configured when a client certificate is configured")
        } else if usingKey && !usingCert {
            error(node, "exactly one of cert or cert_file must be configured when a client key is configured")
        }
        return t
    }

    /// Reads the inlined HTTP client keys of `m` and validates them; `at` locates whole-config errors.
    func httpClientConfig(_ m: MapReader, defaults: HTTPClientConfig = HTTPClientConfig()) -> HTTPClientConfig {
        var c = defaults
        let at = m.node
        if let b = m.map("basic_auth", section: "basic_auth") {
            var a = BasicAuth()
            a.username = b.string("username") ?? ""
            a.usernameFile = b.string("username_file") ?? ""
            a.usernameRef = b.string("username_ref") ?? ""
            a.password = b.string("password") ?? ""
            a.passwordFile = b.string("password_file") ?? ""
            a.passwordRef = b.string("password_ref") ?? ""
            b.finish()
            if [a.username, a.usernameFile, a.usernameRef].filter({ !$0.isEmpty }).count > 1 {
                error(b.node, "at most one of basic_auth username, username_file & username_ref must be configured")
            }
            if [a.password, a.passwordFile, a.passwordRef].filter({ !$0.isEmpty }).count > 1 {
                error(b.node, "at most one of basic_auth password, password_file & password_ref must be configured")
            }
            c.basicAuth = a
        }
        var authNode: Node?
        if let a = m.map("authorization", section: "authorization") {
            authNode = a.node
            var auth = Authorization()
            auth.type = (a.string("type") ?? "").trimmingCharacters(in: .whitespaces)
            if auth.type.isEmpty { auth.type = "Bearer" }
            auth.credentials = a.string("credentials") ?? ""
            auth.credentialsFile = a.string("credentials_file") ?? ""
            auth.credentialsRef = a.string("credentials_ref") ?? ""
            a.finish()
            c.authorization = auth
        }
        var oauthNode: Node?
        if let o = m.map("oauth2", section: "oauth2") {
            oauthNode = o.node
            o.accept(["client_secret", "client_secret_file", "client_secret_ref", "client_certificate_key_id",
                      "client_certificate_key", "client_certificate_key_file", "client_certificate_key_ref",
                      "grant_type", "signature_algorithm", "iss", "audience", "claims", "scopes", "endpoint_params",
                      "proxy_url", "no_proxy", "proxy_from_environment", "proxy_connect_header"])
            if let t = o.value("tls_config") { _ = tlsConfig(t) }
            if (o.string("client_id") ?? "").isEmpty { error(o.node, "oauth2 client_id must be configured") }
            else if (o.string("token_url") ?? "").isEmpty { error(o.node, "oauth2 token_url must be configured") }
            o.finish()
            c.oauth2 = raw(o.node)
        }
        c.bearerToken = m.string("bearer_token") ?? ""
        c.bearerTokenFile = m.string("bearer_token_file") ?? ""
        if let t = m.value("tls_config") { c.tlsConfig = tlsConfig(t) }
        if let v = m.bool("follow_redirects") { c.followRedirects = v }
        if let v = m.bool("enable_http2") { c.enableHTTP2 = v }
        if let v = m.value("proxy_url"), let s = scalar(v, field: "proxy_url") {
            if !s.isEmpty && URLCheck.parse(s) == nil { error(v, "proxy_url: invalid URL \(quoteLabelValue(s))") }
            c.proxyURL = s
        }
        c.noProxy = m.string("no_proxy") ?? ""
        c.proxyFromEnvironment = m.bool("proxy_from_environment") ?? false
        if let v = m.value("proxy_connect_header"), let h = mapping(v, section: "proxy_connect_header") {
            for e in h.entries {
                h.markUsed(e.key)
                c.proxyConnectHeader[e.key] = stringList(e.value, field: "proxy_connect_header")
            }
        }
        if let v = m.value("http_headers") {
            if let h = mapping(v, section: "http_headers") {
                for e in h.entries {
                    h.markUsed(e.key)
                    if let hm = mapping(e.value, section: "http_headers entry") {
                        _ = hm.stringList("values"); _ = hm.stringList("secrets"); _ = hm.stringList("files")
                        hm.finish()
                    }
                }
            }
            c.httpHeaders = raw(v)
        }

        // Prometheus's HTTPClientConfig.Validate, first failure only.
        let bearer = !c.bearerToken.isEmpty || !c.bearerTokenFile.isEmpty
        if !c.bearerToken.isEmpty && !c.bearerTokenFile.isEmpty {
            error(at, "at most one of bearer_token & bearer_token_file must be configured")
        } else if (c.basicAuth != nil || c.oauth2 != nil) && bearer {
            error(at, "at most one of basic_auth, oauth2, bearer_token & bearer_token_file must be configured")
        } else if let auth = c.authorization, let authNode {
            if bearer {
                error(authNode, "authorization is not compatible with bearer_token & bearer_token_file")
            } else if [auth.credentials, auth.credentialsFile, auth.credentialsRef].filter({ !$0.isEmpty }).count > 1 {
                error(authNode, "at most one of authorization credentials & credentials_file must be configured")
            } else if auth.type.lowercased() == "basic" {
                error(authNode, "authorization type cannot be set to \"basic\", use \"basic_auth\" instead")
            } else if c.basicAuth != nil || c.oauth2 != nil {
                error(authNode, "at most one of basic_auth, oauth2 & authorization must be configured")
            }
        } else if c.oauth2 != nil && c.basicAuth != nil {
            error(oauthNode ?? at, "at most one of basic_auth, oauth2 & authorization must be configured")
        }
        if !c.proxyConnectHeader.isEmpty && !c.proxyFromEnvironment && c.proxyURL.isEmpty {
            error(at, "if proxy_connect_header is configured, proxy_url or proxy_from_environment must also be configured")
        } else if c.proxyFromEnvironment && !c.proxyURL.isEmpty {
            error(at, "if proxy_from_environment is configured, proxy_url must not be configured")
        } else if c.proxyFromEnvironment && !c.noProxy.isEmpty {
            error(at, "if proxy_from_environment is configured, no_proxy must not be configured")
        } else if c.proxyURL.isEmpty && !c.noProxy.isEmpty {
            error(at, "if no_proxy is configured, proxy_url must also be configured")
        }
        return c
    }
}

/// Minimal URL parsing for validation: `scheme://host[:port]/path?query`.
enum URLCheck {
    struct Parts { var scheme: String; var host: String }

    /// Scheme and host of `text`, or nil when it is not a URL Prometheus would accept.
    /// Relative URLs (no scheme) parse with empty scheme and host.
    static func parse(_ text: String) -> Parts? {
        if text.contains(where: { $0 == " " || $0 == "\n" || $0 == "\t" }) { return nil }
        guard let colon = text.firstIndex(of: ":"), text[text.index(after: colon)...].hasPrefix("//") else {
            return Parts(scheme: "", host: "")
        }
        let scheme = String(text[..<colon])
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else { return nil }
        let rest = text[text.index(colon, offsetBy: 3)...]
        var authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        return Parts(scheme: scheme.lowercased(), host: String(authority))
    }
}
