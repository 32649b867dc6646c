//! Resource readings of this machine: `/proc/stat`, `/proc/meminfo` and
//! `statvfs`, parsed by pure functions and read by [`SystemResources`].
//! Never starts a process.

/// CPU, memory and disk use in percent (`None`: could not be read).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ResourceReadings {
    /// CPU use since the previous reading.
    pub cpu_percent: Option<f64>,
    /// Memory in use.
    pub memory_percent: Option<f64>,
    /// Disk in use at the configured path.
    pub disk_percent: Option<f64>,
}

/// Reads resource use (the production reader is [`SystemResources`]).
pub trait ResourceProbe: Send + 'static {
    /// One reading.
    fn read(&mut self, disk_path: &std::path::Path) -> ResourceReadings;
}

/// Cumulative CPU time from `/proc/stat`, in clock ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuTimes {
    /// Idle plus I/O wait.
    pub idle: u64,
    /// All states.
    pub total: u64,
}

/// The aggregate `cpu ` line of `/proc/stat`.
pub fn parse_proc_stat(text: &str) -> Option<CpuTimes> {
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    if fields.len() < 4 {
        return None;
    }
    // user nice system idle iowait irq softirq steal [guest guest_nice: already in user/nice]
    let total = fields.iter().take(8).sum();
    let idle = fields[3] + fields.get(4).copied().unwrap_or(0);
    Some(CpuTimes { idle, total })
}

/// CPU use between two readings, in percent.
pub fn cpu_percent(prev: CpuTimes, cur: CpuTimes) -> Option<f64> {
    let total = cur.total.checked_sub(prev.total)?;
    let idle = cur.idle.checked_sub(prev.idle)?;
    if total == 0 {
        return None;
    }
    Some((total.saturating_sub(idle)) as f64 * 100.0 / total as f64)
}

/// Memory in use from `/proc/meminfo`, in percent (`MemTotal - MemAvailable`).
pub fn parse_meminfo(text: &str) -> Option<f64> {
    let kb = |key: &str| -> Option<u64> {
        let line = text.lines().find(|l| l.starts_with(key))?;
        line[key.len()..].split_whitespace().next()?.parse().ok()
    };
    let total = kb("MemTotal:")?;
    let available = kb("MemAvailable:")?;
    if total == 0 {
        return None;
    }
    Some(total.saturating_sub(available) as f64 * 100.0 / total as f64)
}

/// Disk use as `df` shows it: used / (used + available to users), in percent.
pub fn disk_used_percent(blocks: u64, blocks_free: u64, blocks_available: u64) -> Option<f64> {
    let used = blocks.checked_sub(blocks_free)?;
    let denominator = used + blocks_available;
    if denominator == 0 {
        return None;
    }
    Some(used as f64 * 100.0 / denominator as f64)
}

/// Reads `/proc/stat`, `/proc/meminfo` and `statvfs`. CPU needs two readings,
/// so the first one reports none.
#[derive(Debug, Default)]
pub struct SystemResources {
    last_cpu: Option<CpuTimes>,
}

impl ResourceProbe for SystemResources {
    fn read(&mut self, disk_path: &std::path::Path) -> ResourceReadings {
        let cpu = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|t| parse_proc_stat(&t));
        let cpu_percent = match (self.last_cpu, cpu) {
            (Some(prev), Some(cur)) => cpu_percent(prev, cur),
            _ => None,
        };
        self.last_cpu = cpu;
        let memory_percent = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| parse_meminfo(&t));
        // fsblkcnt_t is u64 on 64-bit Linux but not on every target.
        #[allow(clippy::unnecessary_cast)]
        let disk_percent = nix::sys::statvfs::statvfs(disk_path).ok().and_then(|s| {
            disk_used_percent(
                s.blocks() as u64,
                s.blocks_free() as u64,
                s.blocks_available() as u64,
            )
        });
        ResourceReadings {
            cpu_percent,
            memory_percent,
            disk_percent,
        }
    }
}
