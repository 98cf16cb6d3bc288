/// Ember's version, shown in build info, the User-Agent and `--version`.
public enum EmberVersion {
    public static let string = "0.1.0"
}
