import Config
import Foundation
import Testing

/// `--web.config.file`: the exporter-toolkit subset Ember serves, and every refusal with its line.
struct WebConfigTests {
    static let hash = "$2b$04$eIMAmwt8mAiG41SJZ/DUBOODxnQ4x3amXKAqmRB.hRLl/GH7g4/.K"

    func webErrors(_ yaml: String, directory: String = "/") -> [String] {
        do {
            _ = try WebConfig.parse(yaml, fileName: "web.yml", directory: directory)
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    @Test func readsUsersTLSAndHeaders() throws {
        let dir = NSTemporaryDirectory() + "ember-webconfig-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for name in ["cert.pem", "key.pem", "ca.pem"] {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("x".utf8))
        }
        let yaml = """
        basic_auth_users:
          alice: \(Self.hash)
        tls_server_config:
          cert_file: cert.pem
          key_file: \(dir)/key.pem
          client_ca_file: ca.pem
          client_auth_type: RequireAndVerifyClientCert
          min_version: TLS13
        http_server_config:
          http2: false
          headers:
            X-Frame-Options: deny
            Strict-Transport-Security: max-age=31536000
        """
        let file = dir + "/web.yml"
        try yaml.write(toFile: file, atomically: true, encoding: .utf8)
        let config = try WebConfig.load(file: file)
        #expect(config.basicAuthUsers == ["alice": Self.hash])
        #expect(config.tls?.certFile == dir + "/cert.pem")
        #expect(config.tls?.keyFile == dir + "/key.pem")
        #expect(config.tls?.clientCAFile == dir + "/ca.pem")
        #expect(config.tls?.clientAuthType == .requireAndVerifyClientCert)
        #expect(config.tls?.minVersion == "TLS13")
        #expect(config.tls?.maxVersion == "TLS13")
        #expect(config.http2 == false)
        #expect(config.headers == [WebHeader(name: "X-Frame-Options", value: "deny"),
                                   WebHeader(name: "Strict-Transport-Security", value: "max-age=31536000")])
    }

    @Test func emptyFileMeansNothingConfigured() throws {
        #expect(try WebConfig.parse("", fileName: "web.yml", directory: "/") == WebConfig())
        #expect(try WebConfig.parse("basic_auth_users:\n", fileName: "web.yml", directory: "/") == WebConfig())
    }

    @Test func unknownKeysNameTheirLine() {
        #expect(webErrors("basic_auth_users: {}\nbasic_auth_user:\n  a: b\n")
            == ["web.yml:2: field basic_auth_user not found in web config"])
        #expect(webErrors("http_server_config:\n  headerz: {}\n")
            == ["web.yml:2: field headerz not found in http_server_config"])
    }

    @Test func badHashesAreRefused() {
        #expect(webErrors("basic_auth_users:\n  bob: hunter2\n")
            == ["web.yml:2: basic_auth_users.bob: not a bcrypt hash (want $2a$, $2b$ or $2y$ and 60 characters, as htpasswd -nBC 10 makes)"])
        let cost99 = Self.hash.replacingOccurrences(of: "$04$", with: "$99$")
        #expect(webErrors("basic_auth_users:\n  bob: \(cost99)\n")
            == ["web.yml:2: basic_auth_users.bob: bcrypt cost must be between 4 and 31"])
    }

    @Test func tlsProblems() {
        #expect(webErrors("tls_server_config:\n  key_file: /etc/hostname\n")
            == ["web.yml:1: tls_server_config: missing one of cert or cert_file"])
        #expect(webErrors("tls_server_config:\n  cert_file: /etc/hostname\n")
            == ["web.yml:1: tls_server_config: missing one of key or key_file"])
        #expect(webErrors("tls_server_config:\n  cert_file: missing.pem\n  key_file: /etc/hostname\n", directory: "/nowhere")
            == ["web.yml:2: cert_file: cannot read \"/nowhere/missing.pem\""])
        #expect(webErrors("tls_server_config:\n  cert_file: /etc/hostname\n  key_file: /etc/hostname\n  client_auth_type: Sometimes\n")
            == ["web.yml:4: invalid client_auth_type \"Sometimes\""])
        #expect(webErrors("tls_server_config:\n  cert_file: /etc/hostname\n  key_file: /etc/hostname\n  client_auth_type: RequireAnyClientCert\n")
            == ["web.yml:4: client_auth_type RequireAnyClientCert is not supported by Ember (use NoClientCert, VerifyClientCertIfGiven or RequireAndVerifyClientCert)"])
        #expect(webErrors("tls_server_config:\n  cert_file: /etc/hostname\n  key_file: /etc/hostname\n  client_ca_file: /etc/hostname\n")
            == ["web.yml:4: client CA's have been configured without a Client Auth Policy"])
        #expect(webErrors("tls_server_config:\n  cert_file: /etc/hostname\n  key_file: /etc/hostname\n  max_version: TLS14\n")
            == ["web.yml:4: unknown TLS version: TLS14"])
        #expect(webErrors("tls_server_config:\n  cert_file: /etc/hostname\n  key_file: /etc/hostname\n  cipher_suites: []\n")
            == ["web.yml:4: tls_server_config.cipher_suites is not supported by Ember"])
        #expect(webErrors("rate_limit:\n  burst: 1\n") == ["web.yml:1: rate_limit is not supported by Ember"])
    }

    @Test func headersOutsideTheAllowedSetAreRefused() {
        #expect(webErrors("http_server_config:\n  headers:\n    Server: ember\n")
            == ["web.yml:3: HTTP header \"Server\" can not be configured"])
        #expect(webErrors("http_server_config:\n  headers:\n    X-Frame-Options: allow\n")
            == ["web.yml:3: invalid value for X-Frame-Options: want one of \"deny\", \"sameorigin\", got \"allow\""])
    }

    @Test func unreadableFileAndBadYAML() {
        #expect(throws: ConfigErrors.self) { try WebConfig.load(file: "/nonexistent/web.yml") }
        #expect(webErrors("basic_auth_users: [\n").first?.hasPrefix("web.yml:2: yaml: ") == true)
    }
}
