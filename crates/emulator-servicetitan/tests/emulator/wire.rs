//! Exact money on the wire: decimals with up to 4 places round-trip through the JSON-number
//! format unchanged (no f64 anywhere).

use ledgerbridge_emulator_servicetitan::wire::WireNumber;
use proptest::prelude::*;
use rust_decimal::Decimal;

fn roundtrip(d: Decimal) {
    let text = serde_json::to_string(&WireNumber(d)).unwrap();
    assert_eq!(text, d.to_string());
    let back: WireNumber = serde_json::from_str(&text).unwrap();
    assert_eq!(back.0, d);
    assert_eq!(back.0.scale(), d.scale());
    let quoted: WireNumber = serde_json::from_str(&format!("\"{d}\"")).unwrap();
    assert_eq!(quoted.0, d);
}

#[test]
fn known_awkward_values_survive() {
    for s in [
        "0.1",
        "0.005",
        "1234567.89",
        "-0.01",
        "99999999999.9999",
        "0.2",
        "0.3",
    ] {
        roundtrip(s.parse().unwrap());
    }
}

proptest! {
    #[test]
    fn decimals_with_up_to_four_places_round_trip(mantissa in -10_000_000_000_000i64..10_000_000_000_000i64, scale in 0u32..=4) {
        roundtrip(Decimal::new(mantissa, scale));
    }
}
