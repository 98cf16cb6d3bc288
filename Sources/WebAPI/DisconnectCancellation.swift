import Hummingbird
import NIOCore
import Synchronization

/// Cancels a request's work when its client goes away, as Go's HTTP server cancels a request's
/// context (and so Prometheus its query) on disconnect. Hummingbird does not: its handler keeps
/// running on a connection whose peer has closed.
///
/// Contract: `run` performs `work` in a task of its own and returns its response. While it runs, a
/// handler first in the connection's pipeline watches for the peer closing its side (end of
/// input, which Hummingbird's half-closure setting turns into an event rather than a close) or
/// the connection going inactive, and cancels the task; cancelling the caller cancels it too.
/// The watcher is removed when the work is done, so a kept-alive connection is left as it was.
/// Work that ignores cancellation runs to its end regardless, and so does work whose client left
/// before the watcher was in place (an end of input already delivered is not seen again).
enum DisconnectCancellation {
    static let watcherCount = Atomic<UInt64>(0)

    static func run(on channel: any Channel, _ work: @escaping @Sendable () async -> Response) async -> Response {
        let task = Task { await work() }
        let name = "ember-disconnect-watcher-\(watcherCount.add(1, ordering: .relaxed).newValue)"
        let installed: Bool
        do {
            try await channel.eventLoop.submit {
                try channel.pipeline.syncOperations.addHandler(DisconnectWatcher { task.cancel() }, name: name, position: .first)
            }.get()
            installed = true
        } catch {
            installed = false
        }
        let response = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        if installed { channel.pipeline.removeHandler(name: name, promise: nil) }
        return response
    }
}

/// Calls `onDisconnect` on end of input or when the channel goes inactive; passes everything on.
final class DisconnectWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    let onDisconnect: @Sendable () -> Void

    init(_ onDisconnect: @escaping @Sendable () -> Void) { self.onDisconnect = onDisconnect }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed { onDisconnect() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        onDisconnect()
        context.fireChannelInactive()
    }
}
