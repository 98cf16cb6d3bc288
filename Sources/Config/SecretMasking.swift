import Foundation

extension PrometheusConfig {
    /// Keys whose values Prometheus treats as secrets (its `Secret` type): they are shown as
    /// `<secret>` wherever the configuration is displayed.
    public static let secretKeys: Set<String> = [
        "password", "credentials", "bearer_token", "client_secret", "secret_key", "key", "token", "auth_token",
    ]

    /// The file text with every secret value replaced by `<secret>`, for `/api/v1/status/config`.
    ///
    /// Contract: block (`password: x`), flow (`{password: x}`) and block-scalar (`key: |` and the
    /// lines under it) forms are masked; `*_file` keys and everything else are left as written;
    /// `${VAR}` references stay unexpanded (this is the text before expansion).
    public var maskedSourceText: String { Self.maskSecrets(in: sourceText) }

    static let secretPattern: NSRegularExpression = {
        let keys = secretKeys.sorted().joined(separator: "|")
        // A secret key at a line start, after "- ", "{" or ",", then its value up to the end of the
        // line, a flow separator or a comment.
        let pattern = #"(^|[{,]|^\s*-)(\s*)("# + "(?:" + keys + ")" + #")(\s*:\s+|\s*:$)("(?:[^"\\]|\\.)*"|'[^']*'|(?:\$\{[^}]*\}|[^,}#\s])(?:\$\{[^}]*\}|[^,}#])*?)?(\s*(?:[,}#]|$))"#
        return try! NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines])
    }()

    static func maskSecrets(in text: String) -> String {
        var out: [Substring] = []
        var blockIndent: Int?
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            let indent = line.prefix { $0 == " " }.count
            if let block = blockIndent {
                if line.trimmingCharacters(in: .whitespaces).isEmpty || indent > block { continue }
                blockIndent = nil
            }
            let text = String(line)
            let range = NSRange(text.startIndex..., in: text)
            var masked = text
            var opensBlock = false
            for match in secretPattern.matches(in: text, range: range).reversed() {
                guard let valueRange = Range(match.range(at: 5), in: text) else { continue }
                let value = text[valueRange]
                if value.hasPrefix("|") || value.hasPrefix(">") { opensBlock = true }
                masked.replaceSubrange(valueRange, with: "<secret>")
            }
            if opensBlock { blockIndent = indent + (line.drop { $0 == " " }.hasPrefix("-") ? 1 : 0) }
            out.append(Substring(masked))
        }
        return out.joined(separator: "\n")
    }
}
