import CCrypt
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import Synchronization

/// The request-side part of `--web.config.file`: basic-auth users and extra response headers.
///
/// Contract: with no users every request passes; otherwise a request needs an `Authorization:
/// Basic` header naming a user whose bcrypt hash matches the password, except the paths in
/// `openPaths` (health checks). `headers` are set on every response, 401s included.
public struct WebAccess: Sendable {
    /// User name → bcrypt hash (`$2a$`, `$2b$` or `$2y$`).
    public var basicAuthUsers: [String: String] = [:]
    public var headers: [(name: String, value: String)] = []
    /// Where `ember_http_unauthorized_requests_total` is registered; nil: the global factory.
    public var metricsFactory: (any MetricsFactory)?
    public init() {}

    var isEmpty: Bool { basicAuthUsers.isEmpty && headers.isEmpty }
}

/// Answers 401 `Unauthorized` with `WWW-Authenticate: Basic` to requests without valid basic-auth
/// credentials, as exporter-toolkit does, and counts them in `ember_http_unauthorized_requests_total`.
struct WebAccessMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let headers: [(name: HTTPField.Name, value: String)]
    let openPaths: Set<String>
    let verifier: BcryptVerifier?
    let unauthorized: Counter

    init(_ access: WebAccess, openPaths: Set<String>) {
        headers = access.headers.compactMap { header in HTTPField.Name(header.name).map { ($0, header.value) } }
        self.openPaths = openPaths
        verifier = access.basicAuthUsers.isEmpty ? nil : BcryptVerifier(users: access.basicAuthUsers)
        let factory = access.metricsFactory ?? MetricsSystem.factory
        unauthorized = Counter(label: "ember_http_unauthorized_requests_total", factory: factory)
    }

    func handle(_ request: Request, context: Context,
                next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if let verifier, !openPaths.contains(request.uri.path), !(await Self.authorized(request, verifier)) {
            unauthorized.increment()
            response = APIRouter.plain(.unauthorized, "Unauthorized\n")
            response.headers[.wwwAuthenticate] = "Basic"
            response.headers[.xContentTypeOptions] = "nosniff"
        } else {
            response = try await next(request, context)
        }
        for (name, value) in headers { response.headers[name] = value }
        return response
    }

    static func authorized(_ request: Request, _ verifier: BcryptVerifier) async -> Bool {
        guard let (user, password) = credentials(request.headers[.authorization]) else { return false }
        return await verifier.verify(user: user, password: password)
    }

    /// User and password from `Basic <base64(user:password)>` (scheme case-insensitive), else nil.
    static func credentials(_ header: String?) -> (user: String, password: String)? {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic " else { return nil }
        guard let decoded = Data(base64Encoded: String(header.dropFirst(6))),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }
}

/// Checks passwords against bcrypt hashes with libxcrypt's `crypt_rn`, one at a time on a
/// dedicated queue (bcrypt is slow by design; it must not hold up the cooperative pool), and
/// remembers up to `cacheLimit` outcomes keyed by a salted 128-bit hash of user, hash and password.
///
/// Contract: `verify` is true only for a configured user whose hash matches; an unknown user costs
/// one bcrypt check too (against a configured hash), so timing does not reveal which users exist.
final class BcryptVerifier: Sendable {
    static let cacheLimit = 100
    private let users: [String: String]
    private let decoyHash: String
    private let queue = DispatchQueue(label: "ember.web.bcrypt")
    private let cache = Mutex<[CacheKey: Bool]>([:])
    private let salts = (UInt64.random(in: .min ... .max), UInt64.random(in: .min ... .max))

    struct CacheKey: Hashable { let a: Int, b: Int }

    init(users: [String: String]) {
        self.users = users
        decoyHash = users.values.min() ?? ""
    }

    func verify(user: String, password: String) async -> Bool {
        let hash = users[user]
        let known = hash != nil
        let checked = hash ?? decoyHash
        let key = cacheKey(user: user, hash: checked, password: password)
        if let cached = cache.withLock({ $0[key] }) { return cached && known }
        let matches = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Self.matches(password: password, hash: checked)) }
        }
        let ok = matches && known
        cache.withLock { cache in
            if cache.count >= Self.cacheLimit, let victim = cache.keys.randomElement() { cache[victim] = nil }
            cache[key] = ok
        }
        return ok
    }

    /// Outcomes remembered now (for tests).
    var cachedCount: Int { cache.withLock { $0.count } }

    private func cacheKey(user: String, hash: String, password: String) -> CacheKey {
        func digest(_ salt: UInt64) -> Int {
            var hasher = Hasher()
            hasher.combine(salt)
            hasher.combine(user)
            hasher.combine(hash)
            hasher.combine(password)
            return hasher.finalize()
        }
        return CacheKey(a: digest(salts.0), b: digest(salts.1))
    }

    /// True when `crypt_rn(password, hash)` reproduces `hash` (compared in constant time).
    static func matches(password: String, hash: String) -> Bool {
        guard !password.utf8.contains(0), !hash.utf8.contains(0) else { return false }
        let size = ember_crypt_data_size()
        let work = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        work.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        defer {
            work.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            work.deallocate()
        }
        guard let output = crypt_rn(password, hash, work, Int32(size)) else { return false }
        let produced = UnsafeRawBufferPointer(start: output, count: strlen(output))
        let expected = Array(hash.utf8)
        guard produced.count == expected.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<expected.count { difference |= produced[index] ^ expected[index] }
        return difference == 0
    }
}
