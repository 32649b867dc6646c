//! The core as a health source: the snapshot's enabled tools, their binaries
//! and version probes, privilege, breaker states, the last reload.

use std::future::Future;
use std::pin::Pin;
use std::sync::Weak;
use std::time::Instant;

use super::{Core, binary_in};
use crate::health::probe::{raw_socket_need, version_prefix};
use crate::health::{HealthInputs, HealthSource, ToolFacts};

/// Gathers health facts from the core: the snapshot's enabled tools, their
/// binaries and version probes, privilege, breaker states, the last reload.
#[derive(Debug)]
pub struct CoreHealthSource {
    core: Weak<Core>,
}

impl CoreHealthSource {
    /// A source over a core that may go away.
    pub fn new(core: Weak<Core>) -> Self {
        Self { core }
    }
}

impl HealthSource for CoreHealthSource {
    fn gather(&self) -> Pin<Box<dyn Future<Output = HealthInputs> + Send + '_>> {
        Box::pin(async move {
            let Some(core) = self.core.upgrade() else {
                return HealthInputs::default();
            };
            let settings = core.snapshot();
            let limits = core.run_limits(&settings);
            let mut tools = Vec::new();
            for t in Core::enabled_tools_in(&settings) {
                let (binary_found, version_output) = match binary_in(&settings, t) {
                    Ok(path) => {
                        let cancel = core.kill_token();
                        let out = core.probes.probe(t.id(), &path, &limits, cancel).await;
                        (true, Some(out))
                    }
                    Err(_) => (false, None),
                };
                tools.push(ToolFacts {
                    name: t.name(),
                    binary_found,
                    version_output,
                    version_prefix: version_prefix(t.id()),
                    raw_sockets: raw_socket_need(t.id()),
                });
            }
            let breakers = core
                .breakers()
                .snapshots(Instant::now())
                .into_iter()
                .map(|(n, s)| (n, s.state))
                .collect();
            HealthInputs {
                config_loaded: true,
                last_reload_error: core.reload_error(),
                has_raw_sockets: settings.policy.raw_sockets,
                tools,
                breakers,
            }
        })
    }
}
