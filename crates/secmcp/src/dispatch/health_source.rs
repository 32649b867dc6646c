//! The core as a health source: the snapshot's tools, their binaries and
//! version probes (run in parallel; each answer is published as it comes, so
//! the server is ready as soon as one tool is identified), privilege,
//! breaker states, the last reload; and `Core::start_health`, which starts
//! the checks over it.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::Instant;

use secmcp_policy::tools::RawSockets;
use tokio::task::JoinSet;

use super::state::{Core, binary_in};
use crate::config::Availability;
use crate::health::{
    HealthInputs, HealthMonitor, HealthSource, RawSocketNeed, ResourceProbe, ToolFacts,
};
use crate::tools;

/// Gathers health facts from the core.
#[derive(Debug)]
pub struct CoreHealthSource {
    core: Weak<Core>,
}

impl CoreHealthSource {
    /// A source over `core` (weak: the monitor must not keep the core alive).
    pub fn new(core: Weak<Core>) -> Self {
        Self { core }
    }
}

/// The health facts of a tool before its probe answered.
fn facts(id: secmcp_policy::ToolId, binary_found: bool) -> ToolFacts {
    let g = secmcp_policy::grammar(id);
    ToolFacts {
        name: id.as_str(),
        binary_found,
        version_output: None,
        version_prefix: g.version_prefix,
        raw_sockets: match g.raw_sockets {
            RawSockets::Never => RawSocketNeed::Never,
            RawSockets::SomeOptions => RawSocketNeed::Optional,
            RawSockets::Always => RawSocketNeed::Required,
        },
        pending: binary_found,
        disabled_by_policy: None,
    }
}

impl HealthSource for CoreHealthSource {
    fn gather<'a>(
        &'a self,
        progress: &'a (dyn Fn(HealthInputs) + Send + Sync),
    ) -> Pin<Box<dyn Future<Output = HealthInputs> + Send + 'a>> {
        Box::pin(async move {
            let Some(core) = self.core.upgrade() else {
                return HealthInputs::default();
            };
            let settings = core.snapshot();
            let mut inputs = HealthInputs {
                config_loaded: true,
                last_reload_error: core.reload_error(),
                has_raw_sockets: settings.policy.raw_sockets,
                sandbox: crate::sandbox::facts(
                    &settings.raw.sandbox,
                    &settings.sandbox,
                    core.tracks_runs_by_cgroup(),
                    core.egress(),
                ),
                tools: Vec::new(),
                breakers: core
                    .breakers()
                    .snapshots(Instant::now())
                    .into_iter()
                    .map(|(n, s)| (n, s.state))
                    .collect(),
            };
            let mut probes = JoinSet::new();
            for t in tools::REGISTRY {
                match settings.availability(t.id()) {
                    Availability::Disabled => continue,
                    Availability::NeedsIntrusive => {
                        let mut f = facts(t.id(), false);
                        f.pending = false;
                        f.disabled_by_policy = Some("needs security.allow_intrusive");
                        inputs.tools.push(f);
                        continue;
                    }
                    Availability::Offered => {}
                }
                let binary = binary_in(&settings, *t).ok();
                inputs.tools.push(facts(t.id(), binary.is_some()));
                if let Some(path) = binary {
                    let (core, limits, index) = (
                        core.clone(),
                        core.run_limits(&settings, t.id()),
                        inputs.tools.len() - 1,
                    );
                    probes.spawn(async move {
                        let out = core
                            .probes
                            .probe(t.id(), &path, &limits, core.kill_token())
                            .await;
                        (index, out)
                    });
                }
            }
            progress(inputs.clone());
            while let Some(done) = probes.join_next().await {
                let Ok((index, out)) = done else { continue };
                if let Some(f) = inputs.tools.get_mut(index) {
                    f.version_output = Some(out);
                    f.pending = false;
                }
                if !probes.is_empty() {
                    progress(inputs.clone());
                }
            }
            drop(core);
            inputs
        })
    }
}

impl Core {
    /// Starts the background health checks (once).
    pub fn start_health(self: &Arc<Self>, probe: Box<dyn ResourceProbe>) {
        let source = Arc::new(CoreHealthSource::new(Arc::downgrade(self)));
        let monitor = HealthMonitor::spawn(
            self.snapshot().health.clone(),
            source,
            probe,
            self.kill.clone(),
        );
        let _ = self.health.set(monitor);
    }
}
