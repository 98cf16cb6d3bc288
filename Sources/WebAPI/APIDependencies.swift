import MetricModel
import PromQL
import RemoteWrite
import Scrape

/// What the HTTP layer needs from the rest of the server.
///
/// Contract: only `engine`, `readiness`, `selfMetrics` and `targets` are required; everything
/// else has a default that answers correctly for a server that has nothing of that kind yet
/// (no metadata, no config text, lifecycle API disabled, no external labels).
public struct APIDependencies: Sendable {
    public var engine: Engine
    public var readiness: Readiness
    /// Renders Ember's own metrics in the text exposition format.
    public var selfMetrics: @Sendable () -> [UInt8]
    /// The current targets' states.
    public var targets: @Sendable () -> [TargetStatus]
    /// Largest accepted request body (form-encoded POSTs); larger ones get a 400.
    public var maxRequestBody = 10 << 20
    /// Metric metadata per target, filled by the scraper.
    public var metadata = MetadataStore()
    public var buildInfo = BuildInfo()
    /// The configuration file's text as loaded (`/api/v1/status/config`).
    public var configYAML: @Sendable () -> String = { "" }
    /// Every command-line flag by its Prometheus name, values as strings (`/api/v1/status/flags`).
    public var flags: [String: String] = [:]
    /// `/api/v1/status/runtimeinfo`.
    public var runtimeInfo: @Sendable () -> RuntimeInfo = {
        RuntimeInfo(startTime: 0, cwd: "", hostname: "", reloadConfigSuccess: true, lastConfigTime: 0,
                    goroutineCount: 0, gomaxprocs: 0, storageRetention: "")
    }
    /// `global.external_labels`, added by `/federate`.
    public var externalLabels: @Sendable () -> Labels = { .empty }
    public var lifecycle = LifecycleHooks()
    /// `/api/v1/admin/tsdb/*`; disabled by default.
    public var admin = AdminHooks()
    /// `/api/v1/status/tsdb` for a given top-N limit; the default is an empty head.
    public var tsdbStatus: @Sendable (_ limit: Int) -> TSDBStatus = { _ in TSDBStatus() }
    /// `/api/v1/status/walreplay`: first, last and current segment of the WAL replay.
    public var walReplayStatus: @Sendable () -> (min: Int, max: Int, current: Int) = { (0, 0, 0) }
    /// `POST /api/v1/write`; nil (no `--web.enable-remote-write-receiver`) answers 404.
    public var remoteWriteReceiver: RemoteWriteReceiver?
    public var web = WebOptions()

    public init(engine: Engine, readiness: Readiness, selfMetrics: @escaping @Sendable () -> [UInt8],
                targets: @escaping @Sendable () -> [TargetStatus]) {
        self.engine = engine
        self.readiness = readiness
        self.selfMetrics = selfMetrics
        self.targets = targets
    }
}

/// `/-/reload` and `/-/quit`. Contract: when `enabled` is false both answer 403 as Prometheus
/// does without `--web.enable-lifecycle`; `reload` returns nil on success or the error text;
/// `quit` starts a graceful shutdown and returns at once.
public struct LifecycleHooks: Sendable {
    public var enabled = false
    public var reload: @Sendable () async -> String? = { nil }
    public var quit: @Sendable () async -> Void = {}
    public init() {}
    public init(enabled: Bool, reload: @escaping @Sendable () async -> String?, quit: @escaping @Sendable () async -> Void) {
        self.enabled = enabled
        self.reload = reload
        self.quit = quit
    }
}

/// Transport options: `--web.route-prefix`, `--web.cors.origin`, response compression and access control.
public struct WebOptions: Sendable {
    /// Path every route is served under; "/" or e.g. "/prometheus" (no trailing slash needed).
    public var routePrefix = "/"
    /// Regex (fully anchored) of origins allowed by CORS; `.*` allows any with `*`.
    public var corsOrigin = ".*"
    /// Gzip responses when the client sends `Accept-Encoding: gzip`.
    public var compression = true
    /// Basic auth and extra headers from `--web.config.file`.
    public var access = WebAccess()
    public init() {}
}
