//! What a tool result says about its run record: the run's `resource_link`,
//! or that the record could not be kept. Shared by direct calls (`mod`) and
//! task results rebuilt from the store (`tasks`).

use rmcp::model::{CallToolResult, ContentBlock, Resource};

/// Adds the run's `resource_link`, or says the record could not be kept.
pub(super) fn append_record_status(
    result: &mut CallToolResult,
    status: &crate::store::RecordStatus,
    tool: &str,
) {
    match status {
        crate::store::RecordStatus::Off => {}
        crate::store::RecordStatus::Kept(id) => {
            let link = Resource::new(crate::store::run_uri(id), format!("run-{id}"))
                .with_title(format!("{tool} run {id}"))
                .with_description("This call as stored: full structured result; append /raw for the tool's raw output")
                .with_mime_type("application/json");
            result.content.push(ContentBlock::resource_link(link));
        }
        crate::store::RecordStatus::Failed(code) => result.content.push(ContentBlock::text(format!(
            "note: this call's record could not be kept ({code}); the result above is complete but will not appear in resources/list. The operator's server log and health show the store problem."
        ))),
    }
}
