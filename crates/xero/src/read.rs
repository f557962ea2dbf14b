//! Incremental reads: `If-Modified-Since`, pages of 1000, an overlap window, dedupe by id +
//! `UpdatedDateUTC`.
//!
//! Xero lists changed records in `UpdatedDateUTC ASC, id ASC` order (its documented default).
//! Walking that order by page number alone can skip a record: when a record on an earlier page
//! changes during the walk it moves to the end, everything after it shifts one place up, and
//! the first record of the next page slides onto the page already read. So the walk moves by
//! *time* instead: after a full page, the next request asks for page 1 again with
//! `If-Modified-Since` set one second before the last record's (second precision, and
//! inclusive or not, this re-reads rather than skips). Records read twice are dropped by id +
//! `UpdatedDateUTC`. Only when a whole page shares one second (a bulk import) does the walk
//! fall back to the next page number at the same time.
//!
//! The cursor the caller stores ([`ChangeWalk::cursor`]) is the newest `UpdatedDateUTC`
//! delivered; the next run starts [`crate::XeroConfig::overlap`] before it, because some
//! changes land with a slightly older timestamp than records already seen.

use std::collections::HashMap;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use http::HeaderValue;
use ledgerbridge_connector::{ConnectorError, TokenProvider};
use serde::de::DeserializeOwned;

use crate::client::{Call, Xero};
use crate::wire::contact::Contact;
use crate::wire::dates::if_modified_since;
use crate::wire::envelope;
use crate::wire::invoice::{CreditNote, Invoice};
use crate::wire::payment::Payment;

/// A resource read incrementally.
pub trait Changes: DeserializeOwned + Send {
    /// The collection path (`/Invoices`).
    const PATH: &'static str;
    /// The envelope key (`Invoices`).
    const KEY: &'static str;
    /// For logs and errors.
    const OPERATION: &'static str;
    /// Extra query parameters the read needs.
    const QUERY: &'static str = "";
    /// The record's id.
    fn id(&self) -> Option<&str>;
    /// Its version.
    fn version(&self) -> Option<DateTime<Utc>>;
}

impl Changes for Invoice {
    const PATH: &'static str = "/Invoices";
    const KEY: &'static str = "Invoices";
    const OPERATION: &'static str = "list invoices";
    const QUERY: &'static str = "&unitdp=4";
    fn id(&self) -> Option<&str> {
        self.invoice_id.as_deref()
    }
    fn version(&self) -> Option<DateTime<Utc>> {
        self.updated_date_utc
    }
}

impl Changes for CreditNote {
    const PATH: &'static str = "/CreditNotes";
    const KEY: &'static str = "CreditNotes";
    const OPERATION: &'static str = "list credit notes";
    const QUERY: &'static str = "&unitdp=4";
    fn id(&self) -> Option<&str> {
        self.credit_note_id.as_deref()
    }
    fn version(&self) -> Option<DateTime<Utc>> {
        self.updated_date_utc
    }
}

impl Changes for Contact {
    const PATH: &'static str = "/Contacts";
    const KEY: &'static str = "Contacts";
    const OPERATION: &'static str = "list contacts";
    // An archived customer still owns invoices; its archiving is a change to see.
    const QUERY: &'static str = "&includeArchived=true";
    fn id(&self) -> Option<&str> {
        self.contact_id.as_deref()
    }
    fn version(&self) -> Option<DateTime<Utc>> {
        self.updated_date_utc
    }
}

impl Changes for Payment {
    const PATH: &'static str = "/Payments";
    const KEY: &'static str = "Payments";
    const OPERATION: &'static str = "list payments";
    fn id(&self) -> Option<&str> {
        self.payment_id.as_deref()
    }
    fn version(&self) -> Option<DateTime<Utc>> {
        self.updated_date_utc
    }
}

/// A walk over the records of one resource changed since a cursor (see the module docs).
pub struct ChangeWalk<'x, P, T> {
    xero: &'x Xero<P>,
    since: Option<DateTime<Utc>>,
    page: u32,
    seen: HashMap<String, Option<DateTime<Utc>>>,
    high_water: Option<DateTime<Utc>>,
    requests: u32,
    done: bool,
    _records: std::marker::PhantomData<fn() -> T>,
}

impl<P: TokenProvider> Xero<P> {
    /// Starts a walk over the `T`s changed since `cursor` (a cursor stored from an earlier
    /// [`ChangeWalk::cursor`]; `None` reads everything), beginning the configured overlap
    /// before it.
    pub fn changes<T: Changes>(&self, cursor: Option<DateTime<Utc>>) -> ChangeWalk<'_, P, T> {
        let overlap = TimeDelta::from_std(self.config.overlap).unwrap_or(TimeDelta::zero());
        ChangeWalk {
            xero: self,
            since: cursor.map(|c| floor_second(c - overlap)),
            page: 1,
            seen: HashMap::new(),
            high_water: cursor,
            requests: 0,
            done: false,
            _records: std::marker::PhantomData,
        }
    }

    /// Reads every `T` changed since `cursor`; returns them and the cursor to store.
    pub async fn all_changes<T: Changes>(
        &self,
        cursor: Option<DateTime<Utc>>,
    ) -> Result<(Vec<T>, Option<DateTime<Utc>>), ConnectorError> {
        let mut walk = self.changes::<T>(cursor);
        let mut out = Vec::new();
        while let Some(page) = walk.next_page().await? {
            out.extend(page);
        }
        Ok((out, walk.cursor()))
    }
}

fn floor_second(at: DateTime<Utc>) -> DateTime<Utc> {
    at.duration_trunc(TimeDelta::seconds(1)).unwrap_or(at)
}

impl<P: TokenProvider, T: Changes> ChangeWalk<'_, P, T> {
    /// The next page of new versions, or `None` when the walk is over. An empty `Vec` means
    /// the page held only versions already delivered.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, ConnectorError> {
        if self.done {
            return Ok(None);
        }
        let size = self.xero.config.page_size.clamp(1, 1000);
        let path = format!("{}?page={}&pageSize={size}{}", T::PATH, self.page, T::QUERY);
        let mut call = Call::get(T::OPERATION, &path);
        if let Some(since) = self.since {
            let value = HeaderValue::from_str(&if_modified_since(since))
                .expect("a formatted date is a header value");
            call.headers.insert("if-modified-since", value);
        }
        let response = self.xero.send(call).await?;
        self.requests += 1;
        let (records, _) = envelope::<T>(&response.body, T::KEY).map_err(|e| {
            ConnectorError::fatal(format!("{}: unexpected response shape", T::OPERATION), e)
        })?;
        let full = records.len() >= size as usize;
        let ascending = records.windows(2).all(|w| w[0].version() <= w[1].version());
        let last = records.last().and_then(Changes::version);
        let mut fresh = Vec::with_capacity(records.len());
        for record in records {
            let version = record.version();
            if let Some(v) = version {
                self.high_water = self.high_water.max(Some(v));
            }
            match record.id() {
                Some(id) if self.seen.get(id) == Some(&version) => continue,
                Some(id) => {
                    self.seen.insert(id.to_owned(), version);
                }
                None => {}
            }
            fresh.push(record);
        }
        self.advance(full, ascending, last);
        Ok(Some(fresh))
    }

    fn advance(&mut self, full: bool, ascending: bool, last: Option<DateTime<Utc>>) {
        if !full {
            self.done = true;
            return;
        }
        // Move by time when the page is in order and ends later than where it started.
        let by_time = last
            .filter(|_| ascending)
            .map(|l| floor_second(l) - TimeDelta::seconds(1))
            .filter(|candidate| self.since.is_none_or(|s| *candidate > s));
        match by_time {
            Some(next) => {
                self.since = Some(next);
                self.page = 1;
            }
            None => self.page += 1,
        }
    }

    /// The newest `UpdatedDateUTC` delivered so far: store it once the records delivered are
    /// durable, and pass it to the next [`Xero::changes`].
    pub fn cursor(&self) -> Option<DateTime<Utc>> {
        self.high_water
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u32 {
        self.requests
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_second_drops_the_fraction() {
        let t = DateTime::parse_from_rfc3339("2026-11-29T10:00:07.999Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(floor_second(t).to_rfc3339(), "2026-11-29T10:00:07+00:00");
    }
}
