import Foundation
import Testing
@testable import WebAPI

/// bcrypt checks through libxcrypt and the `Authorization: Basic` parsing in front of them.
struct WebAccessTests {
    static let openSesame = "$2b$04$eIMAmwt8mAiG41SJZ/DUBOODxnQ4x3amXKAqmRB.hRLl/GH7g4/.K"
    static let hunter2 = "$2y$04$QGKnReW9PbDlg5ceqrwnCeDbMHFr2jW6faLabuoIAqvQLZdJsiCGK"

    @Test func cryptChecksBothBcryptPrefixes() {
        #expect(BcryptVerifier.matches(password: "open sesame", hash: Self.openSesame))
        #expect(!BcryptVerifier.matches(password: "open sesamE", hash: Self.openSesame))
        #expect(BcryptVerifier.matches(password: "hunter2", hash: Self.hunter2))
        #expect(!BcryptVerifier.matches(password: "", hash: Self.hunter2))
        #expect(!BcryptVerifier.matches(password: "hunter2\u{0}x", hash: Self.hunter2))
        #expect(!BcryptVerifier.matches(password: "hunter2", hash: "not a hash"))
    }

    @Test func verifyNeedsAKnownUserAndRemembersOutcomes() async {
        let verifier = BcryptVerifier(users: ["alice": Self.openSesame, "bob": Self.hunter2])
        #expect(await verifier.verify(user: "alice", password: "open sesame"))
        #expect(await verifier.verify(user: "alice", password: "open sesame"))
        #expect(!(await verifier.verify(user: "alice", password: "hunter2")))
        #expect(!(await verifier.verify(user: "alice", password: "hunter2")))
        // The decoy check uses a configured hash; its match must not admit an unknown user.
        #expect(!(await verifier.verify(user: "carol", password: "open sesame")))
        #expect(!(await verifier.verify(user: "carol", password: "hunter2")))
        #expect(await verifier.verify(user: "bob", password: "hunter2"))
    }

    @Test func cacheStaysBounded() async {
        let verifier = BcryptVerifier(users: ["bob": Self.hunter2])
        for attempt in 0..<(BcryptVerifier.cacheLimit + 20) {
            #expect(!(await verifier.verify(user: "bob", password: "guess \(attempt)")))
        }
        #expect(verifier.cachedCount <= BcryptVerifier.cacheLimit)
        #expect(await verifier.verify(user: "bob", password: "hunter2"))
    }

    @Test func basicCredentials() {
        func header(_ text: String) -> String { "Basic " + Data(text.utf8).base64EncodedString() }
        #expect(WebAccessMiddleware.credentials(header("alice:open sesame"))! == ("alice", "open sesame"))
        #expect(WebAccessMiddleware.credentials(header("alice:a:b"))! == ("alice", "a:b"))
        #expect(WebAccessMiddleware.credentials(header(":"))! == ("", ""))
        #expect(WebAccessMiddleware.credentials("basic " + Data("u:p".utf8).base64EncodedString())! == ("u", "p"))
        #expect(WebAccessMiddleware.credentials(header("no colon")) == nil)
        #expect(WebAccessMiddleware.credentials("Basic !!!") == nil)
        #expect(WebAccessMiddleware.credentials("Bearer abc") == nil)
        #expect(WebAccessMiddleware.credentials(nil) == nil)
    }
}
