import Config
import Testing

/// `/api/v1/status/config` must not hand out credentials: secret values become `<secret>`.
@Suite struct SecretMaskingTests {
    @Test func secretsAreMaskedInEveryYAMLForm() {
        let text = """
            global:
              external_labels: {region: eu}
            scrape_configs:
              - job_name: a
                basic_auth:
                  username: admin
                  password: "hunter2"   # the real one
                  password_file: /etc/pw
                authorization: {type: Bearer, credentials: abc123}
                tls_config:
                  key: |
                    -----BEGIN PRIVATE KEY-----
                    MIIB
                    -----END PRIVATE KEY-----
                  cert_file: /etc/cert
              - job_name: b
                bearer_token: ${TOKEN}
            """
        #expect(PrometheusConfig(sourceText: text).maskedSourceText == """
            global:
              external_labels: {region: eu}
            scrape_configs:
              - job_name: a
                basic_auth:
                  username: admin
                  password: <secret>   # the real one
                  password_file: /etc/pw
                authorization: {type: Bearer, credentials: <secret>}
                tls_config:
                  key: <secret>
                  cert_file: /etc/cert
              - job_name: b
                bearer_token: <secret>
            """)
    }
}
