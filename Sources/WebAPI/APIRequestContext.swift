import Hummingbird
import NIOCore

/// The request context of Ember's routes: Hummingbird's basic context plus the connection the
/// request arrived on.
///
/// Contract: `channel` is the request's connection (a live TCP channel in the server, a test
/// channel under HummingbirdTesting).
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
