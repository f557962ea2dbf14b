//! The closing date is read from Preferences, so a closed period blocks before any write.

use chrono::Days;
use ledgerbridge_emulator::LimitMode;

use crate::helpers::World;

#[tokio::test]
async fn the_closing_date_is_read_from_preferences() {
    let world = World::start(LimitMode::Off).await;
    let qbo = world.connector().await;
    let closed = qbo.closing_date().await.unwrap();
    // The sandbox closes the books the day before its start.
    let expected = world.start - Days::new(1);
    assert_eq!(closed, Some(expected));
}
