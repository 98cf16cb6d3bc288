/// A PromQL function's signature.
///
/// Contract: `argTypes` lists the parameter types; `variadic` is 0 for exactly
/// `argTypes.count` arguments, n > 0 when the last parameter is optional and may repeat up to n
/// times (so `argTypes.count - 1 ... argTypes.count - 1 + n` arguments), -1 when it may repeat
/// without limit; extra arguments take the last parameter type. `experimental` functions need
/// `PromQLParseOptions.enableExperimentalFunctions`.
public struct Function: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let argTypes: [ValueType]
    public let variadic: Int
    public let returnType: ValueType
    public let experimental: Bool

    public init(name: String, argTypes: [ValueType], variadic: Int, returnType: ValueType, experimental: Bool) {
        self.name = name
        self.argTypes = argTypes
        self.variadic = variadic
        self.returnType = returnType
        self.experimental = experimental
    }

    public var description: String { name }

    /// Looks a function up by its exact (case-sensitive) name.
    public static func named(_ name: String) -> Function? { table[name] }

    /// Every function of Prometheus 3.x PromQL, by name.
    public static let all: [String: Function] = table

    private static let table: [String: Function] = {
        var map: [String: Function] = [:]
        for f in list { map[f.name] = f }
        return map
    }()

    private static let list: [Function] = [
        Function(name: "abs", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "absent", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "absent_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "acos", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "acosh", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "asin", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "asinh", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "atan", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "atanh", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "avg_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "ceil", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "changes", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "clamp", argTypes: [.vector, .scalar, .scalar], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "clamp_max", argTypes: [.vector, .scalar], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "clamp_min", argTypes: [.vector, .scalar], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "cos", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "cosh", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "count_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "days_in_month", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "day_of_month", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "day_of_week", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "day_of_year", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "deg", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "end", argTypes: [], variadic: 0, returnType: .scalar, experimental: true),
        Function(name: "delta", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "deriv", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "exp", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "first_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "floor", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_avg", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_count", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_sum", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_stddev", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_stdvar", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_fraction", argTypes: [.scalar, .scalar, .vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_quantile", argTypes: [.scalar, .vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "histogram_quantiles", argTypes: [.vector, .string, .scalar, .scalar], variadic: 9, returnType: .vector, experimental: true),
        Function(name: "double_exponential_smoothing", argTypes: [.matrix, .scalar, .scalar], variadic: 0, returnType: .vector, experimental: true),
        Function(name: "hour", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "idelta", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "increase", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "info", argTypes: [.vector, .vector], variadic: 1, returnType: .vector, experimental: true),
        Function(name: "irate", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "label_replace", argTypes: [.vector, .string, .string, .string, .string], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "label_join", argTypes: [.vector, .string, .string, .string], variadic: -1, returnType: .vector, experimental: false),
        Function(name: "max_of", argTypes: [.scalar, .scalar], variadic: 0, returnType: .scalar, experimental: true),
        Function(name: "last_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "min_of", argTypes: [.scalar, .scalar], variadic: 0, returnType: .scalar, experimental: true),
        Function(name: "ln", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "log10", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "log2", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "mad_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: true),
        Function(name: "max_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "min_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "ts_of_first_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: true),
        Function(name: "ts_of_max_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: true),
        Function(name: "ts_of_min_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: true),
        Function(name: "ts_of_last_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: true),
        Function(name: "minute", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "month", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "pi", argTypes: [], variadic: 0, returnType: .scalar, experimental: false),
        Function(name: "predict_linear", argTypes: [.matrix, .scalar], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "present_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "quantile_over_time", argTypes: [.scalar, .matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "rad", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "range", argTypes: [], variadic: 0, returnType: .scalar, experimental: true),
        Function(name: "rate", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "resets", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "round", argTypes: [.vector, .scalar], variadic: 1, returnType: .vector, experimental: false),
        Function(name: "scalar", argTypes: [.vector], variadic: 0, returnType: .scalar, experimental: false),
        Function(name: "sgn", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "sin", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "sinh", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "sort", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "sort_desc", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "sort_by_label", argTypes: [.vector, .string], variadic: -1, returnType: .vector, experimental: true),
        Function(name: "sort_by_label_desc", argTypes: [.vector, .string], variadic: -1, returnType: .vector, experimental: true),
        Function(name: "sqrt", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "start", argTypes: [], variadic: 0, returnType: .scalar, experimental: true),
        Function(name: "start_timestamp", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: true),
        Function(name: "step", argTypes: [], variadic: 0, returnType: .scalar, experimental: true),
        Function(name: "stddev_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "stdvar_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "sum_over_time", argTypes: [.matrix], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "tan", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "tanh", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "time", argTypes: [], variadic: 0, returnType: .scalar, experimental: false),
        Function(name: "timestamp", argTypes: [.vector], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "vector", argTypes: [.scalar], variadic: 0, returnType: .vector, experimental: false),
        Function(name: "year", argTypes: [.vector], variadic: 1, returnType: .vector, experimental: false),
    ]
}
