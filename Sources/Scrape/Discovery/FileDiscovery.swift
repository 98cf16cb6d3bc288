import Config
import Foundation
import MetricModel
import Yams

/// `file_sd_configs`: targets from YAML or JSON files, globs allowed in the last path element.
///
/// Contract: every matched file is read at start, again whenever the set of matched files or a
/// file's modification time or size changes (checked every `pollInterval`), and at least every
/// `refresh_interval`. Each group gets `__meta_filepath`; its source is `<path>:<index>`. A file
/// that fails to read or parse keeps its previous groups and the error is reported; a file that
/// disappears takes its groups with it.
struct FileDiscovery: DiscoveryProvider {
    let config: FileSDConfig
    var pollInterval: Duration = .seconds(1)

    func run(update: @escaping @Sendable ([TargetGroup]) -> Void, report: @escaping @Sendable (String) -> Void) async {
        var lastGood: [String: [TargetGroup]] = [:]
        var lastSignature: [String: String]?
        var lastRead = ContinuousClock.now
        while !Task.isCancelled {
            let files = Self.expand(config.files)
            var signature: [String: String] = [:]
            for file in files { signature[file] = Self.signature(of: file) }
            let due = ContinuousClock.now - lastRead >= .milliseconds(config.refreshInterval)
            if signature != lastSignature || due {
                var current: [String: [TargetGroup]] = [:]
                for file in files {
                    do throws(DiscoveryError) {
                        current[file] = try Self.read(file)
                    } catch {
                        report("Error reading file \(file): \(error)")
                        if let previous = lastGood[file] { current[file] = previous }
                    }
                }
                lastGood = current
                lastSignature = signature
                lastRead = ContinuousClock.now
                update(files.flatMap { current[$0] ?? [] })
            }
            do { try await Task.sleep(for: pollInterval) } catch { return }
        }
    }

    /// The groups of one file, by its extension: `.json` as JSON, else YAML.
    static func read(_ path: String) throws(DiscoveryError) -> [TargetGroup] {
        guard let data = FileManager.default.contents(atPath: path) else { throw DiscoveryError("cannot read file") }
        let document: Any?
        if path.lowercased().hasSuffix(".json") {
            do { document = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
                throw DiscoveryError("invalid JSON: \(error.localizedDescription)")
            }
        } else {
            do { document = try Yams.load(yaml: String(decoding: data, as: UTF8.self)) } catch {
                throw DiscoveryError("invalid YAML: \(error)")
            }
        }
        return try TargetGroupDocument.groups(document, source: path, extra: Labels([Label("__meta_filepath", path)]))
    }

    /// The files matching `patterns`, sorted, each once.
    static func expand(_ patterns: [String]) -> [String] {
        var out: [String] = []
        for pattern in patterns {
            if !pattern.contains("*") && !pattern.contains("?") && !pattern.contains("[") {
                if FileManager.default.fileExists(atPath: pattern) { out.append(pattern) }
                continue
            }
            var matches = glob_t()
            defer { globfree(&matches) }
            guard glob(pattern, 0, nil, &matches) == 0 else { continue }
            for index in 0..<Int(matches.gl_pathc) {
                if let path = matches.gl_pathv[index] { out.append(String(cString: path)) }
            }
        }
        var seen = Set<String>()
        return out.sorted().filter { seen.insert($0).inserted }
    }

    static func signature(of path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 else { return "missing" }
        return "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)/\(info.st_size)/\(info.st_ino)"
    }
}
