/// Go's `regexp.Expand` template language, as Prometheus's relabeling uses it for `target_label`
/// and `replacement`: `$1`, `${1}`, `$name`, `${name}`, `$$` for a literal `$`.
///
/// Contract (Go's rules): a name is the longest run of letters, digits and `_` after `$` (so `$1x`
/// names the group `1x`, which does not exist and expands to nothing); a purely numeric name is a
/// group index (a leading zero makes it a name); a reference to a group that does not exist or did
/// not participate expands to the empty string; a `$` not followed by a valid reference is kept as
/// a literal `$`.
enum RegexTemplate {
    /// Expands `template`, resolving group references with `group(index)` and `named(name)`.
    static func expand(_ template: String, group: (Int) -> Substring?, named: (String) -> Substring?) -> String {
        guard template.contains("$") else { return template }
        let scalars = Array(template.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            guard scalar == "$" else {
                out.append(scalar)
                index += 1
                continue
            }
            if index + 1 < scalars.count, scalars[index + 1] == "$" {
                out.append("$")
                index += 2
                continue
            }
            guard let (name, end) = reference(scalars, after: index) else {
                out.append("$")
                index += 1
                continue
            }
            index = end
            let text: Substring?
            if let number = groupNumber(name) { text = group(number) } else { text = named(name) }
            if let text { out.append(contentsOf: text.unicodeScalars) }
        }
        return String(out)
    }

    /// The name referenced after the `$` at `dollar` and the index just past the reference.
    private static func reference(_ s: [Unicode.Scalar], after dollar: Int) -> (String, Int)? {
        var index = dollar + 1
        let braced = index < s.count && s[index] == "{"
        if braced { index += 1 }
        let start = index
        while index < s.count, isNameScalar(s[index]) { index += 1 }
        guard index > start else { return nil }
        var name = String.UnicodeScalarView()
        name.append(contentsOf: s[start..<index])
        if braced {
            guard index < s.count, s[index] == "}" else { return nil }
            index += 1
        }
        return (String(name), index)
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "_" || scalar.properties.generalCategory.isLetter
            || scalar.properties.generalCategory == .decimalNumber
    }

    /// A group index when `name` is all ASCII digits without a leading zero (Go caps it at 1e8).
    private static func groupNumber(_ name: String) -> Int? {
        let utf8 = Array(name.utf8)
        guard utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), !(utf8.count > 1 && utf8[0] == 48), utf8.count <= 8 else {
            return nil
        }
        return Int(name)
    }
}

extension Unicode.GeneralCategory {
    var isLetter: Bool {
        switch self {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }
}
