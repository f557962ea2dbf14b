//! Whether a decision's values fit both systems of the conflict (see [`crate::limits`]).

use crate::ids::System;
use crate::limits;
use crate::merge::FieldConflict;

use super::{Decision, ResolutionError};

/// Refuses a decision any of whose resolved values (typed, or a side's own) is longer than
/// ServiceTitan or `target` takes for that field: applying it would write one side and leave
/// the other refusing it. Checked before a decision is recorded (CLI, web UI) and again by the
/// sync before it writes either side.
pub fn check_limits(
    target: System,
    fields: &[FieldConflict],
    decision: &Decision,
) -> Result<(), ResolutionError> {
    for (path, value) in decision.values(fields)? {
        for system in [System::ServiceTitan, target] {
            limits::check_value(system, &path, &value).map_err(ResolutionError::TooLong)?;
        }
    }
    Ok(())
}
