//! Buses: grouping tracks under a bus route (not supported yet; `vet` refuses them).

use super::ArdourProject;
use crate::edit::Edit;
use crate::formats::FormatError;
use crate::plan::Plan;

/// Edits that create buses and move tracks into them.
pub(super) fn edits(_project: &ArdourProject<'_>, _plan: &Plan) -> Result<Vec<Edit>, FormatError> {
    Ok(Vec::new())
}
