import Config
import MetricModel

/// One answer of a DNS lookup, as DNS discovery uses it.
public enum DNSRecord: Equatable, Sendable {
    case a(String)
    case aaaa(String)
    case srv(target: String, port: Int)
    case mx(String)
    case ns(String)
}

/// Answers DNS questions for `dns_sd_configs`.
///
/// Contract: `lookup` returns the answers of `type` (`A`, `AAAA`, `SRV`, `MX`, `NS`) for `name`;
/// a name that does not exist is an empty answer, any other failure throws a message.
public protocol DNSResolver: Sendable {
    func lookup(_ name: String, type: String) async throws(DNSLookupError) -> [DNSRecord]
}

/// A DNS lookup failed (not "no such name", which is an empty answer).
public struct DNSLookupError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `dns_sd_configs`: one group per name, looked up at start and every `refresh_interval`.
///
/// Contract: targets are `<ip>:<port>` for A/AAAA (IPv6 in brackets), `<target>:<record port>` for
/// SRV, `<host>:<port>` for MX and NS (trailing dots removed); labels `__meta_dns_name` and, as
/// Prometheus sets them, `__meta_dns_srv_record_target` (with its trailing dot),
/// `__meta_dns_srv_record_port`, `__meta_dns_mx_record_target`, `__meta_dns_ns_record_target`. A
/// name whose lookup fails keeps its previous group and the error is reported.
struct DNSDiscovery: DiscoveryProvider {
    let config: DNSSDConfig
    let resolver: any DNSResolver

    func run(update: @escaping @Sendable ([TargetGroup]) -> Void, report: @escaping @Sendable (String) -> Void) async {
        var last: [String: TargetGroup] = [:]
        while !Task.isCancelled {
            for name in config.names {
                do throws(DNSLookupError) {
                    let records = try await resolver.lookup(name, type: config.type)
                    last[name] = group(name: name, records: records)
                } catch {
                    report("Error refreshing DNS targets for \(name): \(error)")
                }
            }
            if Task.isCancelled { return }
            update(config.names.compactMap { last[$0] })
            do { try await Task.sleep(for: .milliseconds(config.refreshInterval)) } catch { return }
        }
    }

    func group(name: String, records: [DNSRecord]) -> TargetGroup {
        var targets: [Labels] = []
        for record in records {
            var labels = [Label("__meta_dns_name", name)]
            let address: String
            switch record {
            case let .a(ip): address = Self.hostPort(ip, config.port)
            case let .aaaa(ip): address = Self.hostPort(ip, config.port)
            case let .srv(target, port):
                labels.append(Label("__meta_dns_srv_record_target", target))
                labels.append(Label("__meta_dns_srv_record_port", String(port)))
                address = Self.hostPort(Self.trimDot(target), port)
            case let .mx(host):
                labels.append(Label("__meta_dns_mx_record_target", host))
                address = Self.hostPort(Self.trimDot(host), config.port)
            case let .ns(host):
                labels.append(Label("__meta_dns_ns_record_target", host))
                address = Self.hostPort(Self.trimDot(host), config.port)
            }
            labels.append(Label("__address__", address))
            targets.append(Labels(labels))
        }
        return TargetGroup(source: name, targets: targets)
    }

    static func trimDot(_ name: String) -> String {
        var name = Substring(name)
        while name.hasSuffix(".") { name = name.dropLast() }
        return String(name)
    }

    /// Go's `net.JoinHostPort`: brackets around hosts containing `:`.
    static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
