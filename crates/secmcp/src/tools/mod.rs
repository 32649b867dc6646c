//! The tool registry: one folder per tool (`mod.rs`: spec, input, render;
//! `config.rs`: its config section), each a unit struct implementing `Tool`.
//!
//! A tool describes itself (name, schemas, annotations, a description for
//! the model whose option list is generated from the policy core's tables),
//! turns a raw call into a `ParsedInput` for the policy core, and renders a
//! finished run into text + structured content. Tools never start processes
//! and never see rmcp types.
//!
//! Layout, bottom up: `schema` (portable schemas), `input` (the shared input
//! fields), `render` (the shared render path), `dry_run` (the plan a dry run
//! returns and its output-schema part), `tool` (`ToolSpec`, `Tool`,
//! `ToolSection`), `describe` (descriptions), the six tool folders, then this
//! file: the registry, the `tools` config section, per-tool values.

mod describe;
pub(crate) mod dry_run;
pub(crate) mod input;
pub(crate) mod render;
pub(crate) mod schema;
pub(crate) mod tool;

pub mod dig;
pub mod gobuster;
pub mod hydra;
pub mod masscan;
pub mod nmap;
pub mod sqlmap;

use serde::{Deserialize, Serialize};

use secmcp_policy::ToolId;

pub use describe::{description, input_schema_for};
pub use dry_run::{DryRunOutput, DryRunPlan, PlanLimits};
pub use input::{CommonInput, ParsedInput, parse_common, parse_typed};
pub use render::{
    RenderContext, Rendered, RunReport, TargetReport, check_stopped, finish, tool_failed,
};
pub use schema::{JsonObject, property, schema_object, set_enum};
pub use tool::{Hints, Tool, ToolSection, ToolSpec};

/// `tools`: one section per tool.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ToolsConfig {
    /// nmap.
    pub nmap: nmap::NmapConfig,
    /// masscan.
    pub masscan: masscan::MasscanConfig,
    /// gobuster.
    pub gobuster: gobuster::GobusterConfig,
    /// hydra.
    pub hydra: hydra::HydraConfig,
    /// sqlmap.
    pub sqlmap: sqlmap::SqlmapConfig,
    /// dig.
    pub dig: dig::DigConfig,
}

impl ToolsConfig {
    /// The section of `id` (every tool has one: no tool can be forgotten).
    pub fn section(&self, id: ToolId) -> &dyn ToolSection {
        match id {
            ToolId::Nmap => &self.nmap,
            ToolId::Masscan => &self.masscan,
            ToolId::Gobuster => &self.gobuster,
            ToolId::Hydra => &self.hydra,
            ToolId::Sqlmap => &self.sqlmap,
            ToolId::Dig => &self.dig,
        }
    }
}

/// One value per tool, looked up by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerTool<T>(Vec<(ToolId, T)>);

impl<T> PerTool<T> {
    /// A value for every tool of the policy core.
    pub fn from_fn(mut f: impl FnMut(ToolId) -> T) -> Self {
        Self(ToolId::ALL.iter().map(|&id| (id, f(id))).collect())
    }

    /// The value of `id`.
    pub fn get(&self, id: ToolId) -> &T {
        // Built from ToolId::ALL, so every id is present.
        let i = self.0.iter().position(|(t, _)| *t == id).unwrap_or(0);
        &self.0[i].1
    }

    /// The value of `id`, to change.
    pub fn get_mut(&mut self, id: ToolId) -> &mut T {
        let i = self.0.iter().position(|(t, _)| *t == id).unwrap_or(0);
        &mut self.0[i].1
    }

    /// Every tool's value.
    pub fn iter(&self) -> impl Iterator<Item = (ToolId, &T)> {
        self.0.iter().map(|(id, v)| (*id, v))
    }
}

/// All compiled-in tools.
pub static REGISTRY: &[&dyn Tool] = &[
    &nmap::Nmap,
    &gobuster::Gobuster,
    &hydra::Hydra,
    &sqlmap::Sqlmap,
    &masscan::Masscan,
    &dig::Dig,
];

/// Looks a tool up by wire name.
pub fn find(name: &str) -> Option<&'static dyn Tool> {
    REGISTRY.iter().copied().find(|t| t.name() == name)
}

#[cfg(test)]
mod tests;
