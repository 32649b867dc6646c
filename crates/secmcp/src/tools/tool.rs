//! What a tool is: its static spec, the `Tool` trait every tool implements,
//! and the `ToolSection` trait of its config section.

use secmcp_output::progress::ProgressKind;
use secmcp_policy::{Policy, ToolFields, ToolId};
use secmcp_runner::RunOutcome;

use super::input::{ParsedInput, parse_common};
use super::render::{RenderContext, Rendered};
use super::schema::JsonObject;
use crate::error::ToolError;
use crate::validate::Problems;

/// Truthful hints about what a tool does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hints {
    /// Does not modify its environment.
    pub read_only: bool,
    /// May perform destructive updates.
    pub destructive: bool,
    /// Calling again with the same input has no additional effect.
    pub idempotent: bool,
    /// Interacts with entities outside the server (networks).
    pub open_world: bool,
}

/// The declarative part of a tool: who it is and how it behaves.
#[derive(Debug)]
pub struct ToolSpec {
    /// The policy core's id; the wire name is `id.as_str()`.
    pub id: ToolId,
    /// Human title.
    pub title: &'static str,
    /// What the tool does and what its result holds, for the model. The
    /// description appends the options, generated from the grammar's tables.
    pub summary: &'static str,
    /// Truthful behaviour hints.
    pub hints: Hints,
}

impl ToolSpec {
    /// A spec.
    pub const fn new(id: ToolId, title: &'static str, summary: &'static str, hints: Hints) -> Self {
        Self {
            id,
            title,
            summary,
            hints,
        }
    }
}

/// One tool: a static spec, two schemas, input parsing and rendering.
pub trait Tool: Send + Sync + 'static {
    /// The tool's declarative spec.
    fn spec(&self) -> &'static ToolSpec;
    /// JSON Schema of the input.
    fn input_schema(&self) -> JsonObject;
    /// JSON Schema of `structuredContent` (object-rooted).
    fn output_schema(&self) -> JsonObject;
    /// The policy core's id for this tool.
    fn id(&self) -> ToolId {
        self.spec().id
    }
    /// Wire name, e.g. `nmap`.
    fn name(&self) -> &'static str {
        self.spec().id.as_str()
    }
    /// Human title.
    fn title(&self) -> &'static str {
        self.spec().title
    }
    /// Behaviour hints.
    fn hints(&self) -> Hints {
        self.spec().hints
    }
    /// Whether a call may take minutes, so a client that supports tasks gets
    /// one (every network tool but dig, whose queries end in seconds).
    fn runs_long(&self) -> bool {
        self.id() != ToolId::Dig
    }
    /// Parses raw call arguments. Tools with typed fields beyond the common
    /// ones override this (and `input_schema`).
    fn parse_input(&self, args: Option<JsonObject>) -> Result<ParsedInput, ToolError> {
        Ok(ParsedInput {
            common: parse_common(args)?,
            fields: ToolFields::None,
        })
    }
    /// Adds to the input schema what depends on the operator's policy (e.g.
    /// the allowed values of a field).
    fn specialize_schema(&self, _schema: &mut JsonObject, _policy: &Policy) {}
    /// Turns a finished run into the result (or an error such as `timeout`).
    fn render(&self, ctx: &RenderContext<'_>, outcome: &RunOutcome) -> Result<Rendered, ToolError>;
    /// How to read the tool's progress from its output while it runs;
    /// `None` for tools that print none (or finish in moments).
    fn progress(&self) -> Option<ProgressKind> {
        None
    }
}

/// A tool's config section (`tools.<name>`): the switches every tool has,
/// and its own limits, validated into the policy core.
pub trait ToolSection {
    /// Offer the tool to clients.
    fn enabled(&self) -> bool;
    /// Path of the binary; empty means look it up on `PATH`.
    fn binary(&self) -> &str;
    /// Runs of this tool at once; 0 uses `limits.max_concurrent_per_tool`.
    fn concurrency(&self) -> u32;
    /// Validates the section (problems name `prefix.<key>`) and writes the
    /// tool's limits into `policy`.
    fn apply(&self, prefix: &str, policy: &mut Policy, p: &mut Problems);
}
