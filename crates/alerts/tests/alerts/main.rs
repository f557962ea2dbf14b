//! The alerts crate against real receivers on 127.0.0.1 (the sandbox's Slack receiver and SMTP
//! sink, a webhook receiver that checks the signature itself) and a ledger in memory with an
//! injected clock.

mod channels;
mod helpers;
mod invoices;
mod more_rules;
mod rules;
