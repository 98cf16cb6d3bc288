import Foundation

/// Headless Debian `chromium`, run once per page: `dumpDOM` returns the document after its
/// scripts ran (fetches included, bounded by a virtual-time budget), `screenshot` saves a PNG.
///
/// Contract: `path` is nil when chromium is not installed (the suites using it are then skipped);
/// every run is killed after `timeout` seconds and then throws.
enum Chromium {
    /// `$EMBER_CHROMIUM` when set (a path that is not executable disables the suites), else the
    /// Debian package's binary.
    static let path: String? = {
        let candidates = ProcessInfo.processInfo.environment["EMBER_CHROMIUM"].map { [$0] }
            ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Where screenshots go: inside the git-ignored build directory.
    static var screenshotDirectory: String {
        FileManager.default.currentDirectoryPath + "/.build/ui-screenshots"
    }

    static func dumpDOM(_ url: String, timeout: Double = 90) async throws -> String {
        try await run(["--virtual-time-budget=5000", "--dump-dom", url], timeout: timeout)
    }

    /// Saves `<screenshotDirectory>/<name>.png` and returns its path.
    @discardableResult
    static func screenshot(_ url: String, name: String, width: Int = 1280, height: Int = 900,
                           timeout: Double = 90) async throws -> String {
        try FileManager.default.createDirectory(atPath: screenshotDirectory, withIntermediateDirectories: true)
        let file = screenshotDirectory + "/" + name + ".png"
        try? FileManager.default.removeItem(atPath: file)
        _ = try await run(["--virtual-time-budget=5000", "--hide-scrollbars", "--window-size=\(width),\(height)",
                     "--screenshot=\(file)", url], timeout: timeout)
        guard FileManager.default.fileExists(atPath: file) else { throw TestFailure("chromium wrote no screenshot \(file)") }
        return file
    }

    /// Waits without blocking a thread: the cooperative pool is small (2 threads on 2 cores), and
    /// the servers chromium talks to may run in this very process.
    private static func run(_ arguments: [String], timeout: Double) async throws -> String {
        guard let path else { throw TestFailure("chromium is not installed") }
        let scratch = try TemporaryDirectory()
        let outputFile = scratch.path + "/stdout"
        _ = FileManager.default.createFile(atPath: outputFile, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outputFile))
        defer { try? output.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                             "--no-first-run", "--user-data-dir=\(scratch.path)/profile"] + arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            throw TestFailure("chromium \(arguments.last ?? "") did not finish within \(timeout) s")
        }
        return try String(contentsOfFile: outputFile, encoding: .utf8)
    }
}
