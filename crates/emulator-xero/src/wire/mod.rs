//! Wire formats: exact amounts, the lossless JSON tree and Xero's date forms.

pub mod amount;
pub mod dates;
pub mod json;

pub use amount::{WireAmount, fixed, round2};
pub use json::{Json, Obj, parse_decimal};
