import MetricModel

// Decoding the current series into `Labels`, only when asked.
extension ExpositionParser {
    /// Re-walks the already validated series span and builds the label set.
    func decodeLabels(_ b: Bytes) throws(ParseFailure) -> Labels {
        let name = nameQuoted ? unescape(b, nameStart, nameEnd, quotes: true)
            : String(decoding: UnsafeBufferPointer(rebasing: b[nameStart..<nameEnd]), as: UTF8.self)
        var pairs = [Label(Labels.metricName, name)]
        var i = seriesStart
        while i < seriesEnd, b[i] != asciiBraceOpen { i += 1 }
        i += 1
        while i < seriesEnd {
            i = skipBlanks(b, i)
            if b[i] == asciiBraceClose || b[i] == asciiComma { i += 1; continue }
            let labelStart = i
            var labelName: String
            if b[i] == asciiQuote {
                let end = scanQuoted(b, i, allowNewline: false)!.index
                i = skipBlanks(b, end)
                if b[i] == asciiComma || b[i] == asciiBraceClose { continue } // the quoted metric name
                labelName = unescape(b, labelStart + 1, end - 1, quotes: true)
            } else {
                while isLabelNameStart(b[i]) || isDigit(b[i]) { i += 1 }
                labelName = String(decoding: UnsafeBufferPointer(rebasing: b[labelStart..<i]), as: UTF8.self)
                i = skipBlanks(b, i)
            }
            i = skipBlanks(b, i + 1) // past "="
            let end = scanQuoted(b, i, allowNewline: format == .prometheusText)!.index
            pairs.append(Label(labelName, unescape(b, i + 1, end - 1, quotes: true)))
            i = end
        }
        pairs.sort { $0.name < $1.name }
        for index in pairs.indices.dropFirst() where pairs[index].name == pairs[index - 1].name {
            throw ParseFailure(seriesStart, "label name \(quoteLabelValue(pairs[index].name)) is not unique")
        }
        return Labels(sortedUnique: pairs.filter { !$0.value.isEmpty })
    }
}
