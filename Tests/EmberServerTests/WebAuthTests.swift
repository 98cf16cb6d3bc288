import AsyncHTTPClient
import Config
import EmberServer
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// `--web.config.file` end to end: basic auth, open health checks, TLS, and refusal at start.
@Suite(.serialized, .timeLimit(.minutes(2))) struct WebAuthTests {
    /// bcrypt (cost 4) of "open sesame", made with libxcrypt.
    static let aliceHash = "$2b$04$eIMAmwt8mAiG41SJZ/DUBOODxnQ4x3amXKAqmRB.hRLl/GH7g4/.K"
    /// bcrypt (cost 4, `$2y$` as htpasswd writes) of "hunter2".
    static let bobHash = "$2y$04$QGKnReW9PbDlg5ceqrwnCeDbMHFr2jW6faLabuoIAqvQLZdJsiCGK"
    static let config = "global: {scrape_interval: 1h}\nscrape_configs: []\n"

    func start(webConfig: String, in directory: TemporaryDirectory) async throws -> (EmberServer, Task<Void, any Error>, Int) {
        var options = ServerOptions()
        options.configFile = try directory.file("prometheus.yml", Self.config)
        options.webConfigFile = try directory.file("web.yml", webConfig)
        options.storagePath = directory.path + "/data"
        options.listenAddress = "127.0.0.1:0"
        var logger = Logger(label: "ember-test")
        logger.logLevel = .critical
        let server = try EmberServer(options: options, logger: logger)
        let task = Task { try await server.run() }
        guard try await eventually(seconds: 120, { server.port != nil }), let port = server.port else {
            throw TestFailure("server did not start")
        }
        return (server, task, port)
    }

    func get(_ url: String, user: String? = nil, password: String = "", client: HTTPClient = .shared)
        async throws -> (status: Int, body: String, headers: HTTPHeaders) {
        var request = HTTPClientRequest(url: url)
        if let user {
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 24)
        return (Int(response.status.code), String(buffer: body), response.headers)
    }

    @Test func basicAuthGuardsEverythingButHealthChecks() async throws {
        let directory = try TemporaryDirectory()
        let web = """
        basic_auth_users:
          alice: \(Self.aliceHash)
          bob: \(Self.bobHash)
        http_server_config:
          headers:
            X-Frame-Options: deny
        """
        let (server, task, port) = try await start(webConfig: web, in: directory)
        let base = "http://127.0.0.1:\(port)"
        let query = base + "/api/v1/query?query=1"

        let right = try await get(query, user: "alice", password: "open sesame")
        #expect(right.status == 200)
        #expect(right.headers["X-Frame-Options"] == ["deny"])
        #expect(try await get(query, user: "bob", password: "hunter2").status == 200)
        // A second time is answered from the cache; the outcome must not change.
        #expect(try await get(query, user: "alice", password: "open sesame").status == 200)

        for (user, password) in [("alice", "wrong"), ("alice", "hunter2"), ("mallory", "open sesame"), ("", "")] {
            let denied = try await get(query, user: user, password: password)
            #expect(denied.status == 401, "\(user):\(password)")
            #expect(denied.body == "Unauthorized\n")
            #expect(denied.headers["WWW-Authenticate"] == ["Basic"])
            #expect(denied.headers["X-Frame-Options"] == ["deny"])
        }
        let anonymous = try await get(query)
        #expect(anonymous.status == 401)
        #expect(anonymous.headers["WWW-Authenticate"] == ["Basic"])
        #expect(try await get(base + "/no/such/page").status == 401)
        #expect(try await get(base + "/metrics").status == 401)

        #expect(try await get(base + "/-/healthy").status == 200)
        #expect(try await eventually(seconds: 30) { try await get(base + "/-/ready").status == 200 })

        let metrics = try await get(base + "/metrics", user: "bob", password: "hunter2")
        #expect(metrics.body.contains("ember_http_unauthorized_requests_total 7"))
        await server.shutdown()
        try await task.value
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func tlsServesHTTPSWithTheConfiguredCertificate() async throws {
        let directory = try TemporaryDirectory()
        try await makeSelfSignedCertificate(in: directory)
        let web = """
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
        basic_auth_users:
          alice: \(Self.aliceHash)
        """
        let (server, task, port) = try await start(webConfig: web, in: directory)
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(directory.path + "/server.pem")
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let base = "https://localhost:\(port)"
            #expect(try await get(base + "/-/healthy", client: client).status == 200)
            #expect(try await get(base + "/api/v1/query?query=1", client: client).status == 401)
            let answer = try await get(base + "/api/v1/query?query=1", user: "alice", password: "open sesame", client: client)
            #expect(answer.status == 200)
            #expect(answer.body.contains("\"status\":\"success\""))
            // Plain HTTP to a TLS listener gets no HTTP answer.
            #expect((try? await get("http://127.0.0.1:\(port)/-/healthy")) == nil)
        } catch {
            try await client.shutdown()
            throw error
        }
        try await client.shutdown()
        await server.shutdown()
        try await task.value
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func requiredClientCertificateIsVerifiedAgainstTheClientCA() async throws {
        let directory = try TemporaryDirectory()
        try await makeSelfSignedCertificate(in: directory)
        try await openssl(in: directory, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                    "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=client CA"])
        try await openssl(in: directory, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                    "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=grafana"])
        try await openssl(in: directory, ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                                    "-CAcreateserial", "-out", "client.pem", "-days", "2"])
        let web = """
        tls_server_config:
          cert_file: server.pem
          key_file: server.key
          client_ca_file: ca.pem
          client_auth_type: RequireAndVerifyClientCert
        """
        let (server, task, port) = try await start(webConfig: web, in: directory)
        var anonymousTLS = TLSConfiguration.makeClientConfiguration()
        anonymousTLS.trustRoots = .file(directory.path + "/server.pem")
        var certifiedTLS = anonymousTLS
        certifiedTLS.certificateChain = try NIOSSLCertificate.fromPEMFile(directory.path + "/client.pem").map { .certificate($0) }
        certifiedTLS.privateKey = .privateKey(try NIOSSLPrivateKey(file: directory.path + "/client.key", format: .pem))
        let anonymous = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: anonymousTLS))
        let certified = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: certifiedTLS))
        let url = "https://localhost:\(port)/api/v1/query?query=1"
        let withCert = try? await get(url, client: certified)
        let withoutCert = try? await get(url, client: anonymous)
        try await anonymous.shutdown()
        try await certified.shutdown()
        #expect(withCert?.status == 200)
        #expect(withoutCert == nil)
        await server.shutdown()
        try await task.value
    }

    @Test func badWebConfigStopsTheServerWithFileAndLine() throws {
        let directory = try TemporaryDirectory()
        var options = ServerOptions()
        options.configFile = try directory.file("prometheus.yml", Self.config)
        let webFile = try directory.file("web.yml", "basic_auth_users:\n  alice: \(Self.aliceHash)\n  bob: plaintext\n")
        options.webConfigFile = webFile
        options.storagePath = directory.path + "/data"
        options.listenAddress = "127.0.0.1:0"
        #expect {
            _ = try EmberServer(options: options, logger: Logger(label: "test"))
        } throws: { error in
            "\(error)" == "\(webFile):3: basic_auth_users.bob: not a bcrypt hash (want $2a$, $2b$ or $2y$ and 60 characters, as htpasswd -nBC 10 makes)"
        }
    }

    @Test func unloadableCertificateStopsTheServer() throws {
        let directory = try TemporaryDirectory()
        var options = ServerOptions()
        options.configFile = try directory.file("prometheus.yml", Self.config)
        _ = try directory.file("bad.pem", "not a certificate\n")
        let webFile = try directory.file("web.yml", "tls_server_config:\n  cert_file: bad.pem\n  key_file: bad.pem\n")
        options.webConfigFile = webFile
        options.storagePath = directory.path + "/data"
        #expect {
            _ = try EmberServer(options: options, logger: Logger(label: "test"))
        } throws: { error in
            "\(error)".hasPrefix("\(webFile): tls_server_config.cert_file \"\(directory.path)/bad.pem\": ")
        }
    }

    /// A self-signed certificate for `localhost`, made with the `openssl` command.
    func makeSelfSignedCertificate(in directory: TemporaryDirectory) async throws {
        try await openssl(in: directory, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                    "-keyout", "server.key", "-out", "server.pem", "-days", "2", "-subj", "/CN=localhost",
                                    "-addext", "subjectAltName=DNS:localhost"])
    }

    /// Runs `openssl` on a Dispatch thread: waiting for it on one of the few cooperative threads
    /// would stall the servers other tests are running.
    func openssl(in directory: TemporaryDirectory, _ arguments: [String]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.runOpenSSL(in: directory, arguments) })
            }
        }
    }

    static func runOpenSSL(in directory: TemporaryDirectory, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("openssl \(arguments[0]) failed") }
    }
}
