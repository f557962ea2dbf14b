//! Where "now" comes from: the system clock in production, a clock a test moves (or shares
//! with an emulator's sandbox clock) in tests. One type for the bridge's wall-clock time, used
//! by the token providers and the ledger alike, so one test clock can drive both.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};

/// A source of wall-clock time. Cheap to clone (the source is shared).
#[derive(Clone)]
pub struct WallClock(Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>);

impl WallClock {
    /// The system clock.
    pub fn system() -> Self {
        Self(Arc::new(Utc::now))
    }

    /// A clock that asks `now` for the time.
    pub fn new(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self(Arc::new(now))
    }

    /// The current time, at full precision.
    pub fn now(&self) -> DateTime<Utc> {
        (self.0)()
    }
}

impl Default for WallClock {
    fn default() -> Self {
        Self::system()
    }
}

impl fmt::Debug for WallClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WallClock({})", self.now().to_rfc3339())
    }
}
