import AsyncHTTPClient
import Config
import Logging
import MetricModel
import Storage
import Synchronization

/// The targets of one scrape config (`job_name`): its discovery providers, target relabeling and
/// one loop per active target.
///
/// Contract: `update(config:)` adopts a new config of the same job: loops keep running when
/// their `ScrapeTarget.key` survives (same labels and URL, unchanged scrape settings); only the
/// discovery providers whose own config changed restart. Whenever a provider reports, targets
/// are rebuilt from all providers' groups, loops diffed, targets that left stopped with staleness
/// markers. Over `target_limit` every loop keeps its place but fails each scrape with
/// Prometheus's `target_limit exceeded` error.
final class ScrapePool: Sendable {
    private struct Running {
        let loop: ScrapeLoop
        let task: Task<Void, Never>
    }

    private struct State {
        var config: ScrapeConfig
        var generation: UInt64 = 0
        var builder: TargetBuilder?
        var poolError: String?
        var scraper: HTTPScraper
        var metricRelabeler: Relabeler?
        /// Discovery providers by a key naming their kind, position and config.
        var groups: [String: [TargetGroup]] = [:]
        var discovery: [String: Task<Void, Never>] = [:]
        var providerOrder: [String] = []
        var loops: [String: Running] = [:]
        var order: [String] = []
        var dropped: [DroppedTarget] = []
    }

    let job: String
    private let state: Mutex<State>
    private let storage: any Appendable
    private let clients: HTTPClients
    private let logger: Logger
    private let metrics: ScrapeMetrics
    private let metadataStore: MetadataStore?

    init(config: ScrapeConfig, storage: any Appendable, clients: HTTPClients, logger: Logger, metrics: ScrapeMetrics,
         metadataStore: MetadataStore? = nil) {
        job = config.jobName
        self.metadataStore = metadataStore
        self.storage = storage
        self.clients = clients
        self.logger = logger
        self.metrics = metrics
        state = Mutex(State(config: config, scraper: HTTPScraper(client: clients.client(followRedirects: true))))
        configure(config, generation: 0)
        startDiscovery()
    }

    /// Adopts `config` (same job name).
    func update(config: ScrapeConfig) {
        let (settingsChanged, discoveryChanged) = state.withLock { state in
            (TargetBuilder.settings(state.config) != TargetBuilder.settings(config), !Self.sameDiscovery(state.config, config))
        }
        if settingsChanged {
            let generation = state.withLock { $0.generation } + 1
            configure(config, generation: generation)
        } else {
            state.withLock { $0.config = config }
        }
        if discoveryChanged { startDiscovery() } else if settingsChanged { sync() }
    }

    private func configure(_ config: ScrapeConfig, generation: UInt64) {
        var builder: TargetBuilder?
        var relabeler: Relabeler?
        var problem: String?
        var settings = HTTPScrapeSettings()
        do throws(RelabelError) {
            builder = try TargetBuilder(config: config, generation: generation)
            relabeler = try Relabeler(config.metricRelabelConfigs, scheme: config.metricNameValidationScheme)
        } catch {
            problem = error.message
        }
        do throws(ScrapeError) {
            settings = try HTTPScrapeSettings(config.httpClientConfig, enableCompression: config.enableCompression)
        } catch {
            problem = problem ?? error.description
        }
        if let problem { logger.error("scrape pool cannot scrape", metadata: ["scrape_pool": "\(config.jobName)", "err": "\(problem)"]) }
        let scraper = HTTPScraper(client: clients.client(followRedirects: config.followRedirects), settings: settings)
        state.withLock { state in
            state.config = config
            state.generation = generation
            state.builder = builder
            state.metricRelabeler = relabeler
            state.poolError = problem
            state.scraper = scraper
        }
    }

    static func sameDiscovery(_ a: ScrapeConfig, _ b: ScrapeConfig) -> Bool {
        a.staticConfigs == b.staticConfigs && a.fileSDConfigs == b.fileSDConfigs && a.dnsSDConfigs == b.dnsSDConfigs
            && a.httpSDConfigs == b.httpSDConfigs
    }

    /// Brings the discovery providers in line with the current config: a provider whose config is
    /// unchanged keeps running with its groups (its targets do not blink); removed ones are
    /// cancelled and their groups dropped; new ones start (static ones report at once).
    private func startDiscovery() {
        let config = state.withLock { $0.config }
        var providers: [(key: String, provider: any DiscoveryProvider)] = []
        if !config.staticConfigs.isEmpty {
            providers.append(("static:\(config.staticConfigs)", StaticDiscovery(groups: config.staticConfigs.enumerated().map {
                TargetGroup.fromStatic($0.element, source: "\($0.offset)")
            })))
        }
        for (index, sd) in config.fileSDConfigs.enumerated() {
            providers.append(("file:\(index):\(sd)", FileDiscovery(config: sd, pollInterval: clients.filePollInterval)))
        }
        for (index, sd) in config.httpSDConfigs.enumerated() {
            providers.append(("http:\(index):\(sd)", HTTPDiscovery.make(config: sd, clients: clients)))
        }
        for (index, sd) in config.dnsSDConfigs.enumerated() {
            providers.append(("dns:\(index):\(sd)", DNSDiscovery(config: sd, resolver: clients.dnsResolver)))
        }
        let keys = Set(providers.map(\.key))
        let (cancelled, running) = state.withLock { state in
            let cancelled = state.discovery.filter { !keys.contains($0.key) }.map(\.value)
            state.discovery = state.discovery.filter { keys.contains($0.key) }
            state.groups = state.groups.filter { keys.contains($0.key) }
            state.providerOrder = providers.map(\.key)
            return (cancelled, Set(state.discovery.keys))
        }
        for task in cancelled { task.cancel() }
        let logger = self.logger
        let job = self.job
        for (key, provider) in providers where !running.contains(key) {
            if let provider = provider as? StaticDiscovery {
                state.withLock { $0.groups[key] = provider.groups }
                continue
            }
            let task = Task { [weak self] in
                let pool = self
                await provider.run(update: { [weak pool] groups in pool?.setGroups(provider: key, groups) },
                                   report: { message in logger.error("\(message)", metadata: ["scrape_pool": "\(job)"]) })
            }
            state.withLock { $0.discovery[key] = task }
        }
        sync()
    }

    private func setGroups(provider: String, _ groups: [TargetGroup]) {
        state.withLock { state in
            // A provider cancelled meanwhile may still report once: ignore it.
            if state.providerOrder.contains(provider) { state.groups[provider] = groups }
        }
        sync()
    }

    /// Rebuilds targets from the current groups and brings the loops in line.
    func sync() {
        let stopped: [Running] = state.withLock { state in
            guard let builder = state.builder else { return [] }
            var wanted: [String: ScrapeTarget] = [:]
            var order: [String] = []
            var dropped: [DroppedTarget] = []
            for provider in state.providerOrder {
                for group in state.groups[provider] ?? [] {
                    for outcome in builder.build(group) {
                        switch outcome {
                        case let .active(target) where wanted[target.key] == nil:
                            wanted[target.key] = target
                            order.append(target.key)
                        case .active: break
                        case let .dropped(target): dropped.append(target)
                        case let .failed(message):
                            logger.error("Creating target failed", metadata: ["scrape_pool": "\(job)", "err": "\(message)"])
                        }
                    }
                }
            }
            let keep = state.config.keepDroppedTargets
            state.dropped = keep > 0 ? Array(dropped.prefix(keep)) : dropped
            var stopped: [Running] = []
            for (key, running) in state.loops where wanted[key] == nil {
                stopped.append(running)
                state.loops[key] = nil
            }
            for key in order where state.loops[key] == nil {
                let target = wanted[key]!
                let follow = state.config.followRedirects
                let scraper = state.scraper.forServerName(target, followRedirects: follow)
                    ?? state.scraper.routed(target, clients: clients, followRedirects: follow)
                let loop = ScrapeLoop(target: target, scraper: scraper, storage: storage, logger: logger,
                                      metrics: metrics, metricRelabeler: state.metricRelabeler,
                                      trackTimestampsStaleness: state.config.trackTimestampsStaleness,
                                      metadataStore: metadataStore)
                state.loops[key] = Running(loop: loop, task: Task(executorPreference: loop.executor) { await loop.run() })
            }
            state.order = order
            let limit = state.config.targetLimit
            var forced = state.poolError
            if forced == nil && limit > 0 && order.count > limit {
                forced = "target_limit exceeded (number of targets: \(order.count), limit: \(limit))"
            }
            for running in state.loops.values { running.loop.forcedError.withLock { $0 = forced } }
            return stopped
        }
        for running in stopped {
            running.task.cancel()
            running.loop.stop()
            running.loop.release()
        }
        metrics.poolTargets(job: job, count: state.withLock { $0.order.count })
    }

    /// Active targets in discovery order.
    func statuses() -> [TargetStatus] {
        let loops: [ScrapeLoop] = state.withLock { state in state.order.compactMap { state.loops[$0]?.loop } }
        return loops.map { $0.status.withLock { $0 } }
    }

    func droppedTargets() -> [DroppedTarget] { state.withLock { $0.dropped } }

    /// Stops discovery and every loop; with `markStale`, the targets' series get staleness markers.
    func stop(markStale: Bool) {
        let (discovery, loops) = state.withLock { state in
            defer { state.discovery = [:]; state.providerOrder = []; state.groups = [:]; state.loops = [:]; state.order = [] }
            return (Array(state.discovery.values), Array(state.loops.values))
        }
        for task in discovery { task.cancel() }
        for running in loops {
            running.task.cancel()
            if markStale { running.loop.stop() }
            running.loop.release()
        }
    }
}
