import Config
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Synchronization
import Testing
@testable import Scrape

/// A throwaway CA, a server certificate for `localhost` and `target.test` (no IP address: NIOSSL
/// would accept a matching IP whatever name was asked for), and a client certificate,
/// made with the `openssl` command in a temporary directory.
final class TestPKI: Sendable {
    /// One set per test process, made on a Dispatch thread: running `openssl` blocks, and blocking
    /// one of the few cooperative threads would stall every other test.
    static func shared() async throws -> TestPKI {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: cache.withLock { cached in
                    if let cached { return cached }
                    let made = Result { try TestPKI() }
                    cached = made
                    return made
                })
            }
        }
    }

    private static let cache = Mutex<Result<TestPKI, any Error>?>(nil)

    let dir: TemporaryDirectory
    var caFile: String { dir.path + "/ca.pem" }
    var serverCert: String { dir.path + "/server.pem" }
    var serverKey: String { dir.path + "/server.key" }
    var clientCert: String { dir.path + "/client.pem" }
    var clientKey: String { dir.path + "/client.key" }

    init() throws {
        dir = try TemporaryDirectory()
        try dir.write("san.cnf", "subjectAltName=DNS:localhost,DNS:target.test\n")
        let steps = [
            ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ember test CA"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=target.test"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
             "-days", "2", "-extfile", "san.cnf"],
            ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=ember"],
            ["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2"],
        ]
        for arguments in steps {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: dir.path)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw TestFailure("openssl \(arguments[0]) failed") }
        }
    }
}

/// An HTTPS listener on 127.0.0.1 serving `m 1` at /metrics; with `requireClientCert` it demands a
/// client certificate signed by the test CA.
final class TLSServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>

    init(pki: TestPKI, requireClientCert: Bool) async throws {
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(pki.serverCert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: pki.serverKey, format: .pem)))
        if requireClientCert {
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .file(pki.caFile)
        }
        let router = Router()
        router.get("/metrics") { _, _ in "m 1\n" }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, server: try .tls(.http1(), tlsConfiguration: tls),
                              configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress!.port!) },
                              logger: Logger(label: "tls-server", factory: { _ in SwiftLogNoOpLogHandler() }))
        task = Task { try await app.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("TLS server did not start") }
        self.port = port
    }

    func stop() { task.cancel() }
}

@Suite(.serialized, .timeLimit(.minutes(1)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct TLSTests {
    /// Scrapes until `until` holds or 15 s pass (a loaded machine may time a scrape out first).
    func scrape(_ port: Int, until: @escaping (TargetStatus) -> Bool = { $0.health == .up },
                _ edit: (inout TLSConfig) -> Void) async throws -> TargetStatus? {
        var config = ScrapeConfig(jobName: "tls", scrapeInterval: 500, scrapeTimeout: 500)
        config.scheme = "https"
        config.staticConfigs = [StaticConfig(targets: ["localhost:\(port)"])]
        edit(&config.httpClientConfig.tlsConfig)
        let harness = ManagerHarness()
        harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
        _ = try await eventually(seconds: 15) { harness.manager.targetStatuses().first.map(until) ?? false }
        let status = harness.manager.targetStatuses().first
        await harness.close()
        return status
    }

    @Test func caFileVerifiesTheServer() async throws {
        let pki = try await TestPKI.shared()
        let server = try await TLSServer(pki: pki, requireClientCert: false)
        defer { server.stop() }
        let trusted = try await scrape(server.port) { $0.caFile = pki.caFile }
        #expect(trusted?.health == .up, "\(trusted?.lastError ?? "")")
        let untrusted = try await scrape(server.port, until: { $0.lastError.contains("tls") }) { _ in }
        #expect(untrusted?.health == .down)
        #expect(untrusted?.lastError
            == "Get \"https://localhost:\(server.port)/metrics\": tls: failed to verify certificate (CERTIFICATE_VERIFY_FAILED)")
        let skipped = try await scrape(server.port) { $0.insecureSkipVerify = true }
        #expect(skipped?.health == .up, "\(skipped?.lastError ?? "")")
    }

    @Test func clientCertificateIsPresented() async throws {
        let pki = try await TestPKI.shared()
        let server = try await TLSServer(pki: pki, requireClientCert: true)
        defer { server.stop() }
        let withCert = try await scrape(server.port) { tls in
            tls.caFile = pki.caFile
            tls.certFile = pki.clientCert
            tls.keyFile = pki.clientKey
        }
        #expect(withCert?.health == .up, "\(withCert?.lastError ?? "")")
        let withoutCert = try await scrape(server.port, until: { $0.lastScrape != nil && $0.health == .down }) {
            $0.caFile = pki.caFile
        }
        #expect(withoutCert?.health == .down)
    }

    @Test func missingKeyFileIsTheTargetsError() async throws {
        let pki = try await TestPKI.shared()
        let status = try await scrape(1, until: { $0.lastScrape != nil }) { tls in
            tls.certFile = pki.clientCert
            tls.keyFile = "/nonexistent/client.key"
        }
        #expect(status?.health == .down)
        #expect(status?.lastError.hasPrefix("unable to load TLS settings: ") == true, "\(status?.lastError ?? "")")
    }
}

@Suite(.serialized, .timeLimit(.minutes(1)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
struct TLSServerNameTests {
    @Test func serverNameIsVerifiedInsteadOfTheAddress() async throws {
        let pki = try await TestPKI.shared()
        let server = try await TLSServer(pki: pki, requireClientCert: false)
        defer { server.stop() }
        // The certificate names localhost and target.test; scrape it as 127.0.0.1 so only
        // server_name can make verification pass.
        func scrape(serverName: String, until: @escaping (TargetStatus) -> Bool) async throws -> TargetStatus? {
            var config = ScrapeConfig(jobName: "tls", scrapeInterval: 500, scrapeTimeout: 500)
            config.scheme = "https"
            config.staticConfigs = [StaticConfig(targets: ["127.0.0.1:\(server.port)"])]
            config.httpClientConfig.tlsConfig.caFile = pki.caFile
            config.httpClientConfig.tlsConfig.serverName = serverName
            let harness = ManagerHarness()
            harness.manager.apply(PrometheusConfig(scrapeConfigs: [config]))
            _ = try await eventually(seconds: 15) { harness.manager.targetStatuses().first.map(until) ?? false }
            let status = harness.manager.targetStatuses().first
            await harness.close()
            return status
        }
        let named = try await scrape(serverName: "target.test", until: { $0.health == .up })
        #expect(named?.health == .up, "\(named?.lastError ?? "")")
        #expect(named?.target.url == "https://127.0.0.1:\(server.port)/metrics")
        let plain = try await scrape(serverName: "", until: { $0.lastError.contains("tls") })
        #expect(plain?.health == .down)
        #expect(plain?.lastError == "Get \"https://127.0.0.1:\(server.port)/metrics\": tls: failed to verify certificate: not valid for 127.0.0.1")
    }
}
