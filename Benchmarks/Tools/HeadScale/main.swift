// A one-off measuring tool (not a benchmark suite): the memory and restart time of a head with
// many series, written through the public API.
//
//   swift run -c release HeadScale <mode> <dir> [series] [scrapes] [interval-ms]
//
// Modes (run each in its own process, so RSS is the head's alone):
//   memory   an in-memory Head() (every closed chunk in RAM): append everything, report memory
//   write    Head.open(<dir>) on an empty directory: append everything, report memory, close
//   restart  Head.open(<dir>) on what `write` left: report replay time and memory
#if canImport(Glibc)
import Glibc
#endif
import MetricModel
import Storage
import TSDB

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    print("usage: HeadScale memory|write|restart <dir> [series] [scrapes] [interval-ms]")
    exit(2)
}
let mode = arguments[1]
let directory = arguments[2]
let seriesCount = arguments.count > 3 ? Int(arguments[3])! : 100_000
let scrapes = arguments.count > 4 ? Int(arguments[4])! : 480
let interval = arguments.count > 5 ? Int64(arguments[5])! : 15_000
let start: Timestamp = 1_700_000_000_000

/// A line of /proc/self/status in kB (VmRSS, RssAnon, RssFile).
func status(_ key: String) -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, file) != nil {
        let text = String(cString: line)
        if text.hasPrefix(key + ":") {
            return Int(text.dropFirst(key.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") ?? -1
        }
    }
    return -1
}

/// Memory as the kernel sees it (malloc's own counters are not reachable from Swift here):
/// `RssAnon` is the heap, `RssFile` the mapped chunk pages touched (reclaimable page cache).
func report(_ what: String, baseline: Int) {
    let grown = (status("RssAnon") - baseline) * 1024
    print("\(what): anonymous RSS grew \(grown / 1_048_576) MiB (\(grown / seriesCount) B/series), "
        + "VmRSS \(status("VmRSS") / 1024) MiB, RssAnon \(status("RssAnon") / 1024) MiB, RssFile \(status("RssFile") / 1024) MiB")
}

func labels(_ i: Int) -> Labels {
    Labels(["__name__": "scale_metric_\(i % 100)", "job": "node", "instance": "10.0.\(i / 250).\(i % 250):9100", "series": "\(i)"])
}

func fill(_ head: Head) throws {
    let all = (0..<seriesCount).map(labels)
    var refs = [SeriesRef](repeating: 0, count: seriesCount)
    let clock = ContinuousClock()
    let began = clock.now
    for scrape in 0..<scrapes {
        let app = head.appender()
        let t = start + Timestamp(scrape) * interval
        for i in 0..<seriesCount {
            refs[i] = try app.append(refs[i], all[i], t, Double(i) * 1000 + Double(scrape * (i % 7)))
        }
        try app.commit()
    }
    print("appended \(seriesCount * scrapes) samples in \(clock.now - began)")
}

let baseline = status("RssAnon")
switch mode {
case "memory":
    let head = Head()
    try fill(head)
    report("in-memory head", baseline: baseline)
    print("chunks \(head.stats.chunks)")
    withExtendedLifetime(head) {}
case "write":
    let head = try Head.open(directory: directory)
    try fill(head)
    report("directory head after appending", baseline: baseline)
    try head.close()
    print("disk usage \(head.diskUsage() / 1_048_576) MiB, chunks \(head.stats.chunks)")
case "restart":
    let clock = ContinuousClock()
    let began = clock.now
    let head = try Head.open(directory: directory)
    let took = clock.now - began
    print("restart took \(took)")
    report("directory head after restart", baseline: baseline)
    print("series \(head.stats.series), chunks \(head.stats.chunks), maxTime \(head.stats.maxTime)")
    withExtendedLifetime(head) {}
default:
    print("unknown mode \(mode)")
    exit(2)
}
