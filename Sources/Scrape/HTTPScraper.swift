import AsyncHTTPClient
import Exposition
import MetricModel
import NIOCore
import NIOHTTP1

/// Why a scrape produced no body to parse. The description is what the target's `lastError` shows.
public enum ScrapeError: Error, Equatable, Sendable, CustomStringConvertible {
    case timeout(milliseconds: Int64)
    case badStatus(Int, String)
    case bodyTooLarge(limit: Int)
    case transport(String)
    case parse(String)

    public var description: String {
        switch self {
        case let .timeout(ms): return "context deadline exceeded (scrape timeout \(PrometheusDuration.format(ms)))"
        case let .badStatus(code, reason): return "server returned HTTP status \(code) \(reason)"
        case let .bodyTooLarge(limit): return "body size limit exceeded: the response is larger than \(limit) bytes"
        case let .transport(message): return message
        case let .parse(message): return message
        }
    }
}

/// Fetches one target's exposition over HTTP with AsyncHTTPClient.
///
/// Contract: sends Prometheus's scrape headers (`Accept`, `Accept-Encoding: gzip`,
/// `X-Prometheus-Scrape-Timeout-Seconds`, a `User-Agent`); the whole exchange, body included, is
/// bounded by the target's timeout and cancelled when it passes; a non-2xx status, an oversized
/// body or a transport failure is a `ScrapeError`.
public struct HTTPScraper: Sendable {
    public static let userAgent = "Ember/\(EmberVersion.string)"
    let client: HTTPClient

    public init(client: HTTPClient) { self.client = client }

    /// Returns the body bytes and the response's Content-Type.
    public func fetch(_ target: ScrapeTarget) async throws(ScrapeError) -> (body: [UInt8], contentType: String?) {
        let limit = target.bodySizeLimit > 0 ? target.bodySizeLimit : 1 << 30
        let timeout = target.timeout
        let client = self.client
        do {
            return try await withThrowingTaskGroup(of: (body: [UInt8], contentType: String?)?.self) { group in
                group.addTask {
                    let response = try await client.execute(Self.request(for: target), timeout: .milliseconds(timeout))
                    guard (200..<300).contains(response.status.code) else {
                        throw ScrapeError.badStatus(Int(response.status.code), response.status.reasonPhrase)
                    }
                    let contentType = response.headers.first(name: "Content-Type")
                    do {
                        let buffer = try await response.body.collect(upTo: limit)
                        return (Array(buffer.readableBytesView), contentType)
                    } catch is NIOTooManyBytesError {
                        throw ScrapeError.bodyTooLarge(limit: limit)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(timeout))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let result = first else {
                    throw ScrapeError.timeout(milliseconds: timeout)
                }
                return result
            }
        } catch let error as ScrapeError {
            throw error
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout {
            throw ScrapeError.timeout(milliseconds: timeout)
        } catch {
            throw ScrapeError.transport("Get \"\(target.url)\": \(Self.describe(error))")
        }
    }

    static func request(for target: ScrapeTarget) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: target.url)
        request.headers.add(name: "Accept", value: ExpositionFormat.acceptHeader)
        request.headers.add(name: "Accept-Encoding", value: "gzip")
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "X-Prometheus-Scrape-Timeout-Seconds",
                            value: PrometheusNumber.format(Double(target.timeout) / 1000))
        return request
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }
}

