//! Login throttling: a budget of failed passwords per client address, and one for everybody.
//!
//! A client gets [`FREE_FAILURES`] wrong passwords; from then on each further failure locks it
//! out for twice as long as the one before (1 s, 2 s, 4 s, ... up to [`MAX_LOCK`]). A client
//! forgets its failures after [`FORGET_AFTER`] without one. Since an attacker can use many
//! addresses in parallel, failures from all addresses together also draw on a shared bucket of
//! [`GLOBAL_BURST`] failures that refills one every [`GLOBAL_REFILL`]; when it is empty nobody
//! may try. A throttled attempt is answered 429 *without* the password being compared.
//!
//! Each attempt is counted as a failure before the password is compared and forgiven when it
//! was right, so a hundred parallel requests cannot all slip in before the first is counted.
//!
//! Time comes from the ledger's [`WallClock`], which tests move by hand.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use ledgerbridge_core::WallClock;

/// Wrong passwords a client may send before it is locked out.
pub(crate) const FREE_FAILURES: u32 = 5;
/// The longest lock-out of one client.
pub(crate) const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// A client's failures are forgotten this long after its last one.
pub(crate) const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Failed passwords all clients together may send at once.
pub(crate) const GLOBAL_BURST: u32 = 30;
/// The shared budget regains one failure this often (360 a hour at most, whatever the number
/// of addresses).
pub(crate) const GLOBAL_REFILL: Duration = Duration::from_secs(10);
/// More tracked clients than this evicts the one whose last failure is oldest.
const MAX_CLIENTS: usize = 10_000;

/// Who is trying: an IPv4 address, or an IPv6 /64 (one host usually owns a whole /64), or
/// `None` when the transport gave no address (all such attempts share one budget).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ClientKey {
    V4([u8; 4]),
    V6Prefix([u8; 8]),
    Unknown,
}

impl ClientKey {
    pub(crate) fn of(ip: Option<IpAddr>) -> Self {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => Self::V4(v4.octets()),
            Some(IpAddr::V6(v6)) => {
                let mut prefix = [0u8; 8];
                prefix.copy_from_slice(&v6.octets()[..8]);
                Self::V6Prefix(prefix)
            }
            None => Self::Unknown,
        }
    }
}

struct ClientState {
    failures: u32,
    last_failure: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

struct Bucket {
    tokens: u32,
    refilled_at: DateTime<Utc>,
}

struct State {
    clients: HashMap<ClientKey, ClientState>,
    global: Bucket,
}

/// Whether an attempt may go ahead.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Compare the password, then report the outcome with [`LoginThrottle::succeeded`] when it
    /// was right.
    Allowed,
    /// Refused without comparing; try again after this long.
    Throttled(Duration),
}

/// The throttle shared by every login request.
pub(crate) struct LoginThrottle {
    clock: WallClock,
    state: Mutex<State>,
}

fn chrono(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

/// The lock-out after the `failures`-th failure: none within the free budget, then doubling.
fn lock_after(failures: u32) -> Option<Duration> {
    let over = failures.checked_sub(FREE_FAILURES)?;
    let secs = 1u64.checked_shl(over.min(20)).unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(MAX_LOCK))
}

/// Whole seconds to wait, at least one (the value of a `Retry-After` header).
fn wait(until: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    let ms = (until - now).num_milliseconds().max(0);
    Duration::from_secs(u64::try_from(ms).unwrap_or(0).div_ceil(1000).max(1))
}

impl LoginThrottle {
    pub(crate) fn new(clock: WallClock) -> Self {
        let now = clock.now();
        Self {
            clock,
            state: Mutex::new(State {
                clients: HashMap::new(),
                global: Bucket {
                    tokens: GLOBAL_BURST,
                    refilled_at: now,
                },
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain counters behind, still usable.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Decides on an attempt by `client` and, when it may go ahead, counts it as a failure
    /// until [`Self::succeeded`] forgives it.
    pub(crate) fn attempt(&self, client: ClientKey) -> Verdict {
        let now = self.clock.now();
        let mut state = self.lock();
        refill(&mut state.global, now);
        state
            .clients
            .retain(|_, c| now - c.last_failure < chrono(FORGET_AFTER));
        if let Some(until) = state.clients.get(&client).and_then(|c| c.locked_until)
            && until > now
        {
            return Verdict::Throttled(wait(until, now));
        }
        if state.global.tokens == 0 {
            let next = state.global.refilled_at + chrono(GLOBAL_REFILL);
            return Verdict::Throttled(wait(next, now));
        }
        state.global.tokens -= 1;
        evict_if_full(&mut state.clients, client);
        let entry = state.clients.entry(client).or_insert(ClientState {
            failures: 0,
            last_failure: now,
            locked_until: None,
        });
        entry.failures = entry.failures.saturating_add(1);
        entry.last_failure = now;
        entry.locked_until = lock_after(entry.failures).map(|d| now + chrono(d));
        Verdict::Allowed
    }

    /// The password was right: the client's failures and the attempt's share of the global
    /// budget are forgiven.
    pub(crate) fn succeeded(&self, client: ClientKey) {
        let mut state = self.lock();
        state.clients.remove(&client);
        state.global.tokens = (state.global.tokens + 1).min(GLOBAL_BURST);
    }
}

fn refill(bucket: &mut Bucket, now: DateTime<Utc>) {
    let every = chrono(GLOBAL_REFILL);
    let elapsed = now - bucket.refilled_at;
    if elapsed < every {
        return;
    }
    let steps = elapsed.num_milliseconds() / every.num_milliseconds().max(1);
    let added = u32::try_from(steps).unwrap_or(u32::MAX);
    bucket.tokens = bucket.tokens.saturating_add(added).min(GLOBAL_BURST);
    bucket.refilled_at = if bucket.tokens == GLOBAL_BURST {
        now
    } else {
        bucket.refilled_at + every * i32::try_from(steps).unwrap_or(i32::MAX)
    };
}

fn evict_if_full(clients: &mut HashMap<ClientKey, ClientState>, incoming: ClientKey) {
    if clients.len() < MAX_CLIENTS || clients.contains_key(&incoming) {
        return;
    }
    let oldest = clients
        .iter()
        .min_by_key(|(_, c)| c.last_failure)
        .map(|(k, _)| *k);
    if let Some(oldest) = oldest {
        clients.remove(&oldest);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    use super::*;

    fn manual_clock() -> (WallClock, Arc<AtomicI64>) {
        let ms = Arc::new(AtomicI64::new(0));
        let start: DateTime<Utc> = "2026-11-20T10:00:00Z".parse().unwrap();
        let read = ms.clone();
        let clock = WallClock::new(move || {
            start + chrono::TimeDelta::milliseconds(read.load(Ordering::SeqCst))
        });
        (clock, ms)
    }

    fn client(n: u8) -> ClientKey {
        ClientKey::of(Some(IpAddr::from([192, 0, 2, n])))
    }

    #[test]
    fn a_client_is_locked_out_with_doubling_waits_and_forgiven_on_success() {
        let (clock, ms) = manual_clock();
        let throttle = LoginThrottle::new(clock);
        for _ in 0..FREE_FAILURES - 1 {
            assert_eq!(throttle.attempt(client(1)), Verdict::Allowed);
        }
        assert_eq!(throttle.attempt(client(1)), Verdict::Allowed);
        assert_eq!(
            throttle.attempt(client(1)),
            Verdict::Throttled(Duration::from_secs(1))
        );
        assert_eq!(throttle.attempt(client(2)), Verdict::Allowed, "others may");
        ms.fetch_add(1_000, Ordering::SeqCst);
        assert_eq!(throttle.attempt(client(1)), Verdict::Allowed);
        assert_eq!(
            throttle.attempt(client(1)),
            Verdict::Throttled(Duration::from_secs(2))
        );
        ms.fetch_add(2_000, Ordering::SeqCst);
        assert_eq!(throttle.attempt(client(1)), Verdict::Allowed);
        throttle.succeeded(client(1));
        assert_eq!(throttle.attempt(client(1)), Verdict::Allowed, "forgiven");
    }

    #[test]
    fn the_lock_out_is_capped_and_failures_are_forgotten() {
        assert_eq!(lock_after(FREE_FAILURES - 1), None);
        assert_eq!(lock_after(FREE_FAILURES), Some(Duration::from_secs(1)));
        assert_eq!(lock_after(FREE_FAILURES + 3), Some(Duration::from_secs(8)));
        assert_eq!(lock_after(u32::MAX), Some(MAX_LOCK));
        let (clock, ms) = manual_clock();
        let throttle = LoginThrottle::new(clock);
        for _ in 0..FREE_FAILURES {
            throttle.attempt(client(1));
        }
        ms.fetch_add(FORGET_AFTER.as_millis() as i64, Ordering::SeqCst);
        for _ in 0..FREE_FAILURES {
            assert_eq!(throttle.attempt(client(1)), Verdict::Allowed);
        }
    }

    #[test]
    fn many_addresses_share_one_global_budget_that_refills_slowly() {
        let (clock, ms) = manual_clock();
        let throttle = LoginThrottle::new(clock);
        for n in 0..GLOBAL_BURST {
            assert_eq!(throttle.attempt(client(n as u8)), Verdict::Allowed);
        }
        assert_eq!(
            throttle.attempt(client(200)),
            Verdict::Throttled(GLOBAL_REFILL)
        );
        ms.fetch_add(GLOBAL_REFILL.as_millis() as i64, Ordering::SeqCst);
        assert_eq!(throttle.attempt(client(200)), Verdict::Allowed);
        assert!(matches!(
            throttle.attempt(client(201)),
            Verdict::Throttled(_)
        ));
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_bit_prefix() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2::ffff".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(ClientKey::of(Some(a)), ClientKey::of(Some(b)));
        assert_ne!(ClientKey::of(Some(a)), ClientKey::of(Some(c)));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(ClientKey::of(Some(mapped)), client(1));
    }
}
