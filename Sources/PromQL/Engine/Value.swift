import MetricModel

/// One element of an instant vector: a series' labels and one sample.
public struct VectorElement: Sendable, Equatable {
    public var labels: Labels
    public var timestamp: Timestamp
    public var value: Double

    public init(labels: Labels, timestamp: Timestamp, value: Double) {
        self.labels = labels
        self.timestamp = timestamp
        self.value = value
    }
}

/// One series of a range vector or range-query result: labels and samples in time order.
public struct MatrixSeries: Sendable, Equatable {
    public var labels: Labels
    public var timestamps: [Timestamp]
    public var values: [Double]

    public init(labels: Labels, timestamps: [Timestamp] = [], values: [Double] = []) {
        self.labels = labels
        self.timestamps = timestamps
        self.values = values
    }
}

/// The result of evaluating a query, in the four PromQL value types.
///
/// Contract: vectors have unique label sets; matrices are sorted by labels, each series' samples
/// in increasing time.
public enum QueryValue: Sendable, Equatable {
    case scalar(Timestamp, Double)
    case string(Timestamp, String)
    case vector([VectorElement])
    case matrix([MatrixSeries])

    /// The `resultType` name Prometheus's API uses.
    public var typeName: String {
        switch self {
        case .scalar: return "scalar"
        case .string: return "string"
        case .vector: return "vector"
        case .matrix: return "matrix"
        }
    }
}

/// Why a query failed, with the API error type and HTTP status Prometheus uses for it.
public enum QueryError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The query text is invalid (HTTP 400, `bad_data`).
    case badData(String)
    /// The query is valid but evaluating it failed (HTTP 422, `execution`).
    case execution(String)
    /// The query ran past its deadline (HTTP 503, `timeout`).
    case timeout(String)
    /// The client went away (HTTP 503 in Prometheus's `canceled`, rarely seen by anyone).
    case canceled(String)

    public var description: String {
        switch self {
        case let .badData(message), let .execution(message), let .timeout(message), let .canceled(message): return message
        }
    }

    public var errorType: String {
        switch self {
        case .badData: return "bad_data"
        case .execution: return "execution"
        case .timeout: return "timeout"
        case .canceled: return "canceled"
        }
    }

    public var httpStatus: Int {
        switch self {
        case .badData: return 400
        case .execution: return 422
        case .timeout, .canceled: return 503
        }
    }
}
