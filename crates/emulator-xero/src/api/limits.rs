//! Xero's rate limits: per tenant 5 concurrent calls, 60 a minute and 5,000 a day, and
//! 10,000 a minute per app across tenants. Every admitted response carries
//! `X-DayLimit-Remaining`, `X-MinLimit-Remaining`, `X-AppMinLimit-Remaining`; a refused call
//! gets 429 with `Retry-After` and `X-Rate-Limit-Problem`. Windows slide on the sandbox clock
//! (Xero's are fixed windows that reset at different times per tenant; a sliding window is never
//! more generous, so a connector that paces for it also paces for Xero).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::http::HeaderValue;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use ledgerbridge_emulator::{KeyedWindows, LimitMode};

use super::errors::throttled_with;

pub(crate) const MINUTE_LIMIT: u32 = 60;
pub(crate) const DAY_LIMIT: u32 = 5_000;
pub(crate) const CONCURRENT_LIMIT: u32 = 5;
pub(crate) const APP_MINUTE_LIMIT: u32 = 10_000;

pub(crate) struct RateLimits {
    minute: KeyedWindows<String>,
    day: KeyedWindows<String>,
    app_minute: KeyedWindows<String>,
    concurrent: Option<u32>,
    in_flight: Arc<Mutex<HashMap<String, u32>>>,
    /// Checking all windows and then recording in all of them is one step.
    admit_lock: Mutex<()>,
}

/// An admitted call; dropping it ends the call for the concurrency count.
pub(crate) struct Permit {
    in_flight: Arc<Mutex<HashMap<String, u32>>>,
    tenant: String,
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Ok(mut map) = self.in_flight.lock()
            && let Some(n) = map.get_mut(&self.tenant)
        {
            *n = n.saturating_sub(1);
        }
    }
}

impl RateLimits {
    pub(crate) fn new(mode: LimitMode) -> Self {
        Self {
            minute: KeyedWindows::new(mode.scale(MINUTE_LIMIT), Duration::seconds(60)),
            day: KeyedWindows::new(mode.scale(DAY_LIMIT), Duration::hours(24)),
            app_minute: KeyedWindows::new(mode.scale(APP_MINUTE_LIMIT), Duration::seconds(60)),
            concurrent: mode.scale(CONCURRENT_LIMIT),
            in_flight: Arc::default(),
            admit_lock: Mutex::new(()),
        }
    }

    pub(crate) fn clear(&self) {
        self.minute.clear();
        self.day.clear();
        self.app_minute.clear();
        self.in_flight.lock().expect("in-flight lock").clear();
    }

    /// Admits one call for `tenant` by `app`, or returns the 429 to send.
    pub(crate) fn admit(
        &self,
        tenant: &str,
        app: &str,
        now: DateTime<Utc>,
    ) -> Result<Permit, Response> {
        let _guard = self.admit_lock.lock().expect("limits lock");
        let tenant_key = tenant.to_owned();
        let app_key = app.to_owned();
        if let Some(max) = self.concurrent {
            let map = self.in_flight.lock().expect("in-flight lock");
            if map.get(&tenant_key).copied().unwrap_or(0) >= max {
                drop(map);
                return Err(self.decorate(throttled_with("concurrent", 1), tenant, app, now));
            }
        }
        // Day first: when both are exhausted the day is the one worth reporting.
        let checks: [(&KeyedWindows<String>, &String, &'static str); 3] = [
            (&self.day, &tenant_key, "day"),
            (&self.minute, &tenant_key, "minute"),
            (&self.app_minute, &app_key, "appminute"),
        ];
        for (windows, key, name) in checks {
            if windows.remaining(key, now) == Some(0) {
                let retry = windows.try_acquire(key, now).err().unwrap_or(1);
                return Err(self.decorate(throttled_with(name, retry), tenant, app, now));
            }
        }
        for (windows, key, _) in checks {
            // Cannot fail: every window had room a moment ago under the same lock.
            let _ = windows.try_acquire(key, now);
        }
        *self
            .in_flight
            .lock()
            .expect("in-flight lock")
            .entry(tenant_key.clone())
            .or_insert(0) += 1;
        Ok(Permit {
            in_flight: self.in_flight.clone(),
            tenant: tenant_key,
        })
    }

    /// Adds the three `X-...Limit-Remaining` headers (omitted when limits are off).
    pub(crate) fn decorate(
        &self,
        mut response: Response,
        tenant: &str,
        app: &str,
        now: DateTime<Utc>,
    ) -> Response {
        let tenant = tenant.to_owned();
        let app = app.to_owned();
        let values = [
            ("X-DayLimit-Remaining", self.day.remaining(&tenant, now)),
            ("X-MinLimit-Remaining", self.minute.remaining(&tenant, now)),
            (
                "X-AppMinLimit-Remaining",
                self.app_minute.remaining(&app, now),
            ),
        ];
        for (name, value) in values {
            if let Some(v) = value {
                response.headers_mut().insert(name, HeaderValue::from(v));
            }
        }
        response
    }
}
