//! How long to wait before the next attempt: exponential backoff with an
//! optional cap and jitter. Pure; the caller supplies the randomness.

use crate::model::AttemptNo;
use crate::workflow::RetryPolicy;
use std::time::Duration;

/// The wait after attempt `failed_attempt` (1-based) failed. `random` is in
/// `[0, 1)`; with jitter the wait is between half and all of the computed one.
pub fn retry_delay(policy: &RetryPolicy, failed_attempt: AttemptNo, random: f64) -> Duration {
    let exponent = failed_attempt.saturating_sub(1).min(63) as i32;
    let mut secs = policy.delay.as_secs_f64() * policy.backoff.powi(exponent);
    if secs.is_nan() {
        secs = 0.0;
    }
    if let Some(max) = policy.max_delay {
        secs = secs.min(max.as_secs_f64());
    }
    // A day is the longest any single wait may be, whatever the settings.
    secs = secs.min(86_400.0);
    if policy.jitter {
        secs *= 0.5 + 0.5 * random.clamp(0.0, 1.0);
    }
    // Validation bounds every input; still, no value may panic here.
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(jitter: bool, max: Option<u64>) -> RetryPolicy {
        RetryPolicy {
            attempts: 10,
            delay: Duration::from_secs(1),
            backoff: 2.0,
            max_delay: max.map(Duration::from_secs),
            jitter,
            on_exit: vec![],
        }
    }

    #[test]
    fn delays_grow_by_the_factor_up_to_the_cap() {
        let p = policy(false, Some(5));
        let delays: Vec<u64> = (1..=5).map(|a| retry_delay(&p, a, 0.0).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 5, 5]);
    }

    #[test]
    fn jitter_stays_within_half_and_all() {
        let p = policy(true, None);
        assert_eq!(retry_delay(&p, 3, 0.0), Duration::from_secs(2));
        assert_eq!(retry_delay(&p, 3, 0.999_999).as_millis(), 3999);
        let flat = RetryPolicy {
            backoff: 1.0,
            ..policy(false, None)
        };
        assert_eq!(retry_delay(&flat, 9, 0.5), Duration::from_secs(1));
        assert!(retry_delay(&policy(false, None), 60, 0.0) <= Duration::from_secs(86_400));
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn no_policy_panics_or_waits_over_a_day(
            attempts in any::<u32>(),
            delay_ms in any::<u64>(),
            backoff in any::<f64>(),
            max_ms in proptest::option::of(any::<u64>()),
            jitter in any::<bool>(),
            random in any::<f64>(),
        ) {
            let p = RetryPolicy {
                attempts,
                delay: Duration::from_millis(delay_ms),
                backoff,
                max_delay: max_ms.map(Duration::from_millis),
                jitter,
                on_exit: vec![],
            };
            prop_assert!(retry_delay(&p, attempts, random) <= Duration::from_secs(86_400));
        }
    }
}
