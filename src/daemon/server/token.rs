//! The TCP listener's bearer token: constant-time comparison, and a
//! lockout of peers that keep guessing.

use super::*;
/// Failed token attempts a TCP peer may make before it is refused for a
/// while, and for how long.
pub(super) const MAX_FAILURES: u32 = 5;
pub(super) const FAILURE_WINDOW: Duration = Duration::from_secs(60);
pub(super) const LOCKOUT: Duration = Duration::from_secs(60);

/// TCP clients must send `Authorization: Bearer <daemon.token>` (the
/// scheme in any case). A peer that fails too often is refused for a
/// while without its token being looked at.
pub(super) struct TokenGuard {
    token: String,
    failures: Mutex<HashMap<IpAddr, Failures>>,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Failures {
    count: u32,
    since: Instant,
    locked_until: Option<Instant>,
}

impl TokenGuard {
    pub(super) fn new(token: &str) -> TokenGuard {
        TokenGuard {
            token: token.to_string(),
            failures: Mutex::new(HashMap::new()),
        }
    }

    pub(super) async fn check(&self, request: Request, next: Next) -> Response {
        let peer = request.extensions().get::<Peer>().map(|p| p.0);
        let now = Instant::now();
        if let Some(ip) = peer
            && self.locked(ip, now)
        {
            return ApiError::new(
                ErrorCode::RateLimited,
                "too many failed token attempts from this address",
            )
            .hint(format!(
                "wait {} seconds, then send the right `daemon.token`",
                LOCKOUT.as_secs()
            ))
            .into_response();
        }
        let given = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !bearer_matches(given, &self.token) {
            if let Some(ip) = peer {
                self.failed(ip, now);
            }
            return ApiError::new(
                ErrorCode::Unauthorized,
                "this daemon's TCP listener needs its token",
            )
            .hint("send `Authorization: Bearer <token>` with the `daemon.token` from its config")
            .into_response();
        }
        if let Some(ip) = peer
            && let Ok(mut map) = self.failures.lock()
        {
            map.remove(&ip);
        }
        next.run(request).await
    }

    fn locked(&self, ip: IpAddr, now: Instant) -> bool {
        let Ok(map) = self.failures.lock() else {
            return false;
        };
        map.get(&ip)
            .and_then(|f| f.locked_until)
            .is_some_and(|until| now < until)
    }

    fn failed(&self, ip: IpAddr, now: Instant) {
        let Ok(mut map) = self.failures.lock() else {
            return;
        };
        // Forget peers whose lockout or window is over: the map stays small.
        map.retain(|_, f| match f.locked_until {
            Some(until) => now < until,
            None => now.duration_since(f.since) < FAILURE_WINDOW,
        });
        let f = map.entry(ip).or_insert(Failures {
            count: 0,
            since: now,
            locked_until: None,
        });
        f.count += 1;
        if f.count >= MAX_FAILURES {
            f.locked_until = Some(now + LOCKOUT);
            tracing::warn!(peer = %ip, failures = f.count, "too many failed token attempts; refusing this peer for a while");
        }
    }
}

/// `Bearer <token>`, the scheme in any case; the token compared in
/// constant time (it is a secret).
pub(super) fn bearer_matches(given: &str, token: &str) -> bool {
    let Some((scheme, rest)) = given.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return false;
    }
    let rest = rest.trim_start_matches(' ');
    rest.len() == token.len()
        && rest
            .bytes()
            .zip(token.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let token = "0123456789abcdef0123456789abcdef";
        for scheme in ["Bearer", "bearer", "BEARER"] {
            assert!(bearer_matches(&format!("{scheme} {token}"), token));
        }
        assert!(!bearer_matches(&format!("Basic {token}"), token));
        assert!(!bearer_matches("Bearer wrong", token));
        assert!(!bearer_matches(token, token));
    }

    #[test]
    fn failed_token_attempts_lock_a_peer_out() {
        let guard = TokenGuard::new("t");
        let ip: IpAddr = [10, 0, 0, 1].into();
        let now = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(!guard.locked(ip, now));
            guard.failed(ip, now);
        }
        assert!(guard.locked(ip, now));
        assert!(!guard.locked(ip, now + LOCKOUT + Duration::from_secs(1)));
        assert!(!guard.locked([10, 0, 0, 2].into(), now));
    }
}
