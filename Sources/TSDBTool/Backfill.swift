import Exposition
import MetricModel
import Storage
import TSDB

/// Turns an OpenMetrics file with timestamped samples into blocks, like
/// `promtool tsdb create-blocks-from openmetrics`.
///
/// Contract: every sample must carry a timestamp; the input is read once to find its time range,
/// then once per `blockDuration`-aligned window, whose samples go into an in-memory head and out
/// as one level-1 block (`[first sample, last sample + 1)`) under `outputDirectory`. Memory holds
/// one window. A malformed line, a sample without timestamp, or samples of one series out of
/// order fail with the input line; blocks already written stay (each is complete).
public struct Backfill {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public let description: String
    }

    public let input: [UInt8]
    public let outputDirectory: String
    public var blockDuration: Int64 = 2 * 3_600_000
    /// Called with a line of progress per block.
    public var progress: (String) -> Void = { _ in }

    public init(input: [UInt8], outputDirectory: String) {
        self.input = input
        self.outputDirectory = outputDirectory
    }

    /// Writes the blocks; returns their metas, oldest first.
    public func run() throws -> [BlockMeta] {
        guard blockDuration > 0 else { throw Failure(description: "block duration must be positive") }
        guard let (mint, maxt) = try timeRange() else { throw Failure(description: "no samples found in the input") }
        var metas: [BlockMeta] = []
        var window = Self.floor(mint, blockDuration)
        while window <= maxt {
            let end = window + blockDuration
            if let meta = try writeBlock(from: window, to: end) {
                metas.append(meta)
                progress("block \(meta.ulid) [\(meta.minTime), \(meta.maxTime)) series=\(meta.stats.numSeries) samples=\(meta.stats.numSamples)")
            }
            window = end
        }
        return metas
    }

    static func floor(_ t: Int64, _ range: Int64) -> Int64 {
        let q = t / range
        return (t % range < 0 ? q - 1 : q) * range
    }

    /// Walks every sample, calling `body(labelsKey, parser)`; rethrows parse errors with the line.
    private func forEachSample(_ body: (inout ExpositionParser) throws -> Void) throws {
        var parser = ExpositionParser(bytes: input, format: .openMetrics)
        while true {
            let entry: ExpositionEntry
            do { entry = try parser.next() } catch { throw Failure(description: "\(error)") }
            if entry == .eof { return }
            if entry == .sample { try body(&parser) }
        }
    }

    private func timeRange() throws -> (Int64, Int64)? {
        var low = Int64.max, high = Int64.min
        try forEachSample { parser in
            guard let t = parser.timestamp else {
                throw Failure(description: "sample \(String(decoding: parser.seriesBytes, as: UTF8.self)) has no timestamp; backfilling needs one on every sample")
            }
            low = min(low, t)
            high = max(high, t)
        }
        return low <= high ? (low, high) : nil
    }

    private func writeBlock(from mint: Int64, to maxt: Int64) throws -> BlockMeta? {
        var options = Head.Options()
        options.chunkRange = blockDuration
        let head = Head(options: options)
        var appender = head.appender()
        var pending = 0
        var known: [ArraySlice<UInt8>: (SeriesRef, Labels)] = [:]
        try forEachSample { parser in
            guard let t = parser.timestamp, t >= mint, t < maxt else { return }
            let key = parser.seriesBytes
            var entry = known[key]
            if entry == nil {
                do { entry = (0, try parser.labels()) } catch { throw Failure(description: "\(error)") }
            }
            do {
                let ref = try appender.append(entry!.0, entry!.1, t, parser.value)
                known[key] = (ref, entry!.1)
            } catch {
                throw Failure(description: "series \(entry!.1) at \(t): \(error)")
            }
            pending += 1
            if pending >= 5000 {
                do { try appender.commit() } catch { throw Failure(description: "\(error)") }
                appender = head.appender()
                pending = 0
            }
        }
        do { try appender.commit() } catch { throw Failure(description: "\(error)") }
        let stats = head.stats
        guard stats.maxTime != .min else { return nil }
        do {
            return try BlockWriter.write(parent: outputDirectory, minTime: stats.minTime, maxTime: stats.maxTime + 1,
                                         level: 1, sources: nil, series: head.blockSeries(mint: mint, maxt: maxt))
        } catch {
            throw Failure(description: "writing block for [\(mint), \(maxt)): \(error)")
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Backfill {
    /// The whole file at `path`, read straight into one array: through `Data` and a copy into
    /// `[UInt8]` the peak was twice the file (2.6 GiB for a 1.35 GB input). Reads to the end of
    /// the file whatever size it reports (pipes and `/proc` report 0). Fails with
    /// "open PATH: no such file or directory" (`open`, `stat` or `read` and the system's reason).
    public static func readInput(path: String) throws(Failure) -> [UInt8] {
        func failure(_ call: String, _ code: Int32) -> Failure {
            Failure(description: "\(call) \(path): \(String(cString: strerror(code)).lowercased())")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open", errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("stat", errno) }
        // One read asks for at most 1 GiB (Darwin refuses more than INT_MAX at once).
        let readLimit = 1 << 30
        /// Reads into `buffer` until it is full or the file ends; the bytes read, or the errno.
        func fill(_ buffer: UnsafeMutableRawBufferPointer) -> Result<Int, Failure> {
            var filled = 0
            while filled < buffer.count {
                let got = read(fd, buffer.baseAddress! + filled, min(buffer.count - filled, readLimit))
                if got < 0 {
                    let code = errno
                    if code == EINTR { continue }
                    return .failure(failure("read", code))
                }
                if got == 0 { break }
                filled += got
            }
            return .success(filled)
        }
        let size = max(Int(info.st_size), 0)
        var first: Result<Int, Failure> = .success(0)
        var bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            first = fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = (try? first.get()) ?? 0
        }
        _ = try first.get()
        // Filled to the size reported: the file may hold more (a pipe, /proc), so read on to its end.
        if bytes.count == size {
            var chunk = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let got = try chunk.withUnsafeMutableBytes { fill($0) }.get()
                if got == 0 { break }
                bytes.append(contentsOf: chunk[..<got])
            }
        }
        return bytes
    }
}
