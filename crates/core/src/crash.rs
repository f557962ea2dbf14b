//! Named crash points, for the kill -9 tests: the test chooses *where* the process dies, not
//! *when*, so a crash lands in the same window on every machine whatever its speed or load.
//!
//! [`point`] is a no-op unless the crate is built with the `crash-points` feature, which only
//! the workspace's test builds turn on (the root package's dev-dependency); a release binary
//! carries no trace of it. With the feature, `LEDGERBRIDGE_CRASH_AT=name:n` aborts the process
//! (`std::process::abort`: no destructor, no rollback, no lease release — the same as SIGKILL
//! for everything the ledger and the remotes can observe) the `n`-th time (1-based) the point
//! called `name` is reached. Several `name:n` pairs may be given, comma-separated; the first
//! that fires wins.
//!
//! The points name the windows a crash is most dangerous in (docs/reliability.md lists them):
//! after a request is recorded and before it is sent, after it is sent and before its answer is
//! recorded, after a record is linked and before the next step that record needs (a customer's
//! reactivation, an invoice's export mark).

/// Every crash point the engine defines, so a test can pick among them and a typo in a test
/// is caught (an unknown name in `LEDGERBRIDGE_CRASH_AT` aborts at the first point reached).
pub const POINTS: &[&str] = &[
    "request.recorded",
    "request.answered",
    "request.settled",
    "customer.matched",
    "invoice.linked",
    "payment.linked",
    "mark.recorded",
    "mark.sent",
    "inbound.created",
];

/// Aborts the process here if `LEDGERBRIDGE_CRASH_AT` names this point and this is the chosen
/// hit. Without the `crash-points` feature this compiles to nothing.
#[inline]
pub fn point(name: &'static str) {
    #[cfg(feature = "crash-points")]
    armed::hit(name);
    #[cfg(not(feature = "crash-points"))]
    let _ = name;
}

#[cfg(feature = "crash-points")]
mod armed {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};

    struct Plan {
        /// Point name -> the hit number (1-based) that aborts.
        at: HashMap<String, u64>,
        hits: Mutex<HashMap<&'static str, u64>>,
    }

    fn plan() -> &'static Plan {
        static PLAN: OnceLock<Plan> = OnceLock::new();
        PLAN.get_or_init(|| {
            let spec = std::env::var("LEDGERBRIDGE_CRASH_AT").unwrap_or_default();
            let at = spec
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|pair| {
                    let (name, n) = pair.trim().rsplit_once(':').unwrap_or((pair.trim(), "1"));
                    let hit = n.parse::<u64>().ok().filter(|n| *n > 0);
                    if !super::POINTS.contains(&name) || hit.is_none() {
                        // A typo must not pass as "never reached".
                        eprintln!("LEDGERBRIDGE_CRASH_AT: {pair:?} is not point:n (n >= 1)");
                        std::process::abort();
                    }
                    (name.to_owned(), hit.unwrap_or(1))
                })
                .collect();
            Plan {
                at,
                hits: Mutex::new(HashMap::new()),
            }
        })
    }

    pub(super) fn hit(name: &'static str) {
        let plan = plan();
        let Some(&at) = plan.at.get(name) else {
            return;
        };
        let mut hits = plan.hits.lock().unwrap_or_else(|e| e.into_inner());
        let n = hits.entry(name).or_insert(0);
        *n += 1;
        if *n == at {
            // Said on stderr so a test can tell a planned crash from a real one.
            eprintln!("crash point {name} reached (hit {at}): aborting");
            std::process::abort();
        }
    }
}
