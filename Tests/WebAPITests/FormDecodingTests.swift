import Foundation
import Testing
@testable import WebAPI

/// Query-string and form decoding of API parameters.
@Suite struct FormDecodingTests {
    @Test func decodesPlusAndPercentEscapes() {
        let parameters = APIParameters(query: "query=sum+by+(job)+(rate(x%5B5m%5D))&match%5B%5D=up&match[]=a%3D%22b%22",
                                       body: "step=15&empty=&flag")
        #expect(parameters["query"] == "sum by (job) (rate(x[5m]))")
        #expect(parameters.all("match[]") == ["up", "a=\"b\""])
        #expect(parameters["step"] == "15")
        #expect(parameters["empty"] == "")
        #expect(parameters["flag"] == "")
        #expect(APIParameters.decode("caf%C3%A9%20%E2%9C%93") == "café ✓")
        #expect(APIParameters.decode("%2b1") == "+1")
    }

    @Test func keepsMalformedTextAsWritten() {
        #expect(APIParameters.decode("100%+sure") == "100% sure")
        #expect(APIParameters.decode("a%2") == "a%2")
        #expect(APIParameters.decode("%zz%20") == "%zz%20")
        #expect(APIParameters.decode("%FF%FE") == "\u{FFFD}\u{FFFD}")
    }

    @Test func pathSegmentsKeepPlusAndReportMalformedEscapes() {
        let path = PercentDecoding.decode("a+b%2Fc%zz%e2%9c%93".utf8, plusIsSpace: false)
        #expect(String(decoding: path.bytes, as: UTF8.self) == "a+b/c%zz✓")
        #expect(path.malformed)
        let clean = PercentDecoding.decode("%41%2b".utf8, plusIsSpace: false)
        #expect(clean.bytes == Array("A+".utf8))
        #expect(!clean.malformed)
        #expect(PercentDecoding.decode("%+f".utf8, plusIsSpace: false).bytes == Array("%+f".utf8))
    }

    /// The byte-level decoder agrees on random text with a plain reading of the rule, and with
    /// Foundation's percent decoding wherever that gives an answer (it refuses some invalid UTF-8).
    @Test func agreesWithFoundationOnRandomText() {
        let alphabet: [String] = ["a", "Z", "0", "9", "f", "F", "g", "+", "%", "%2", "%20", "%41", "%c3%a9", "%C3",
                                  "%e2%9c%93", "%FF", "=", "&", " ", "é", "✓", "[", "]", "\"", "%%", "%0a"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5000 {
            let text = (0..<Int.random(in: 0...12, using: &generator))
                .map { _ in alphabet.randomElement(using: &generator)! }.joined()
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            let decoded = APIParameters.decode(Substring(text))
            #expect(decoded == reference(spaced), "\(text)")
            if let foundation = spaced.removingPercentEncoding { #expect(decoded == foundation, "\(text)") }
        }
    }

    private func reference(_ spaced: String) -> String {
        let bytes = Array(spaced.utf8)
        var out: [UInt8] = [], index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let value = UInt8(String(decoding: bytes[index + 1...index + 2], as: UTF8.self), radix: 16),
                      bytes[index + 1] != UInt8(ascii: "+"), bytes[index + 1] != UInt8(ascii: "-") else { return spaced }
                out.append(value)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
