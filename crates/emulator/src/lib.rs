//! The framework shared by the three API emulators (ServiceTitan, QuickBooks Online, Xero).
//!
//! Design decisions:
//!
//! * **Libraries first.** Each emulator crate exposes `router(state) -> Router` (socket-free
//!   tests with `oneshot`) and `spawn(state) -> EmulatorHandle`, which binds `127.0.0.1:0` and
//!   hands that very listener to the server ([`server::serve_on`]), so there is no rebind race.
//! * **One clock per world.** [`Clock`] is wall time plus an offset. Token expiry, rate windows,
//!   idempotency windows and ServiceTitan's export lag all read it; the `sandbox` crate hands the
//!   same clock to all three emulators so `POST /_sandbox/clock` on any of them moves the world.
//! * **Faults are data.** [`faults::FaultConfig`] is set over `POST /_sandbox/faults`; decisions
//!   come from a seeded ChaCha stream, so a fault schedule replays exactly for the same seed and
//!   the same request order. "Lost after commit" runs the handler to completion and then drops
//!   the connection without a response (see [`faults`]).
//! * **Limits are the documented ones.** [`limits::LimitMode`] scales them (`real`, `relaxed` =
//!   x100, `off`); the emulators keep their vendor's headers and 429 bodies in every mode.
//! * **No code shared with the connectors.** Nothing here knows a connector; each emulator is
//!   written from the API facts in `shared/api` so a shared misunderstanding cannot hide.

pub mod clock;
pub mod control;
pub mod demo_world;
pub mod faults;
pub mod limits;
pub mod scenario;
pub mod server;
#[cfg(feature = "spec-check")]
pub mod spec_check;
pub mod webhooks;

pub use clock::Clock;
pub use control::{EmulatorControl, ResetRequest, control_router};
pub use faults::{FaultConfig, FaultResponses, Faults, with_faults};
pub use limits::{KeyedWindows, LimitMode, SlidingWindow};
pub use scenario::{Scenario, SeedOptions, seeded_rng};
pub use server::{EmulatorHandle, serve_on};

/// What every emulator is given when it is built: the world's clock, its own fault plan and
/// the limit mode. Cheap to clone (all shared state is behind `Arc`s).
#[derive(Clone, Debug)]
pub struct EmulatorContext {
    pub clock: Clock,
    pub faults: Faults,
    pub limits: LimitMode,
}

impl EmulatorContext {
    /// A context with its own clock, no faults and the given limits.
    pub fn new(limits: LimitMode) -> Self {
        Self {
            clock: Clock::new(),
            faults: Faults::default(),
            limits,
        }
    }

    /// A context sharing `clock` with other emulators of the same world.
    pub fn with_clock(clock: Clock, limits: LimitMode) -> Self {
        Self {
            clock,
            faults: Faults::default(),
            limits,
        }
    }
}
