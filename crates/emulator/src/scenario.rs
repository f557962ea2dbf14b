//! Seeds and scenarios: the same seed and start date always give the same data.

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Which data an emulator starts with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// A realistic month of two contractors (see each emulator's `demo` module).
    #[default]
    Demo,
    /// Reference data only where the real product always has some (e.g. a chart of accounts);
    /// no customers, invoices or payments.
    Empty,
}

impl std::str::FromStr for Scenario {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "demo" => Ok(Self::Demo),
            "empty" => Ok(Self::Empty),
            other => Err(format!(
                "unknown scenario {other:?} (expected demo or empty)"
            )),
        }
    }
}

/// Everything that determines an emulator's seeded data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedOptions {
    pub seed: u64,
    pub scenario: Scenario,
    /// The first day of the seeded month; records are dated from here on.
    pub start: NaiveDate,
}

impl SeedOptions {
    /// Seed 42, the demo scenario, starting 30 days before `today`.
    pub fn demo(today: NaiveDate) -> Self {
        Self {
            seed: 42,
            scenario: Scenario::Demo,
            start: today - chrono::Days::new(30),
        }
    }
}

/// A deterministic random stream for `(seed, stream)`: independent streams for independent
/// generators, so adding a record to one generator does not shift the data of another.
pub fn seeded_rng(seed: u64, stream: &str) -> ChaCha8Rng {
    // FNV-1a over the stream name: stable across Rust versions, unlike `DefaultHasher`.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in stream.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    ChaCha8Rng::seed_from_u64(seed ^ hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn same_seed_and_stream_same_numbers_other_stream_other_numbers() {
        let a: Vec<u32> = (0..4)
            .map(|_| 0)
            .scan(seeded_rng(7, "customers"), |r, _: i32| Some(r.random()))
            .collect();
        let b: Vec<u32> = (0..4)
            .map(|_| 0)
            .scan(seeded_rng(7, "customers"), |r, _: i32| Some(r.random()))
            .collect();
        let c: Vec<u32> = (0..4)
            .map(|_| 0)
            .scan(seeded_rng(7, "invoices"), |r, _: i32| Some(r.random()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn scenario_parses_its_two_names_only() {
        assert_eq!("demo".parse::<Scenario>(), Ok(Scenario::Demo));
        assert_eq!("empty".parse::<Scenario>(), Ok(Scenario::Empty));
        assert!("full".parse::<Scenario>().is_err());
    }
}
