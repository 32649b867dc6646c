//! stdio: one client on stdin/stdout. Every line passes the message guard
//! before rmcp reads it; stdout carries only protocol.

use std::sync::Arc;

use rmcp::ServiceExt;
use tokio_util::sync::CancellationToken;

use super::era;
use crate::dispatch::Core;
use crate::guard;
use crate::service::Service;

/// Serves one client over stdin/stdout until stdin closes or `stop` fires.
///
/// Every line from stdin passes [`guard::check`] before rmcp reads it; a
/// refused line is answered with a JSON-RPC error on stdout, written whole
/// between rmcp's own lines.
pub async fn serve_stdio(core: Arc<Core>, stop: CancellationToken) -> anyhow::Result<()> {
    let _session = core.metrics().session();
    let (stdin, stdout) = rmcp::transport::io::stdio_pipes();
    let (to_rmcp, rmcp_in) = tokio::io::duplex(STDIO_PIPE_BYTES);
    let (rmcp_out, from_rmcp) = tokio::io::duplex(STDIO_PIPE_BYTES);
    let stdout = Arc::new(tokio::sync::Mutex::new(stdout));
    let awaited = Awaited::default();
    let input = tokio::spawn(guard_stdin(stdin, to_rmcp, stdout.clone(), awaited.clone()));
    let output = tokio::spawn(copy_lines(from_rmcp, stdout, awaited));
    let running = match Service::stdio(core).serve((rmcp_in, rmcp_out)).await {
        Ok(r) => r,
        Err(e) => {
            // The client closed stdin (or broke the handshake) before a session
            // existed: nothing to serve, nothing running.
            tracing::warn!(error = %e, "stdio client went away before the handshake");
            input.abort();
            return Ok(());
        }
    };
    let cancel = running.cancellation_token();
    tokio::select! {
        quit = running.waiting() => {
            tracing::info!(reason = ?quit.ok(), "stdio client disconnected");
        }
        () = stop.cancelled() => {
            cancel.cancel();
        }
    }
    input.abort();
    // rmcp's side of the output pipe is gone: the copy ends at its last line.
    let _ = output.await;
    Ok(())
}

/// What the answer in `line` needs, if it answers an awaited request (which
/// is then no longer awaited, whether the answer is a result or an error).
/// Lines are only parsed while one is awaited.
fn answer_for(awaited: &Awaited, line: &[u8]) -> Option<era::Answer> {
    let mut list = awaited
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if list.is_empty() {
        return None;
    }
    let id = era::response_id(line)?;
    let at = list.iter().position(|(i, _)| *i == id)?;
    Some(list.swap_remove(at).1)
}

/// Size of the in-process pipes between the stdio guard and rmcp.
const STDIO_PIPE_BYTES: usize = 256 * 1024;

type SharedStdout = Arc<tokio::sync::Mutex<rmcp::transport::io::StdioWriter>>;

/// The most answers awaited at once (older ones are forgotten).
const MAX_AWAITED: usize = 64;

/// Requests whose answers [`era::outgoing`] rewrites, by id.
type Awaited = Arc<std::sync::Mutex<Vec<(serde_json::Value, era::Answer)>>>;

/// Reads stdin line by line (never buffering more than one message's worth),
/// passes the lines [`guard::check`] accepts to rmcp and answers the others.
async fn guard_stdin(
    stdin: rmcp::transport::io::StdioReader,
    mut to_rmcp: tokio::io::DuplexStream,
    stdout: SharedStdout,
    awaited: Awaited,
) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, stdin);
    let mut line: Vec<u8> = Vec::new();
    let mut oversized = false;
    loop {
        let buf = match reader.fill_buf().await {
            Ok([]) | Err(_) => return,
            Ok(b) => b,
        };
        let (chunk, complete) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let n = chunk.len();
        if !oversized && line.len() + n > guard::MAX_MESSAGE_BYTES + 2 {
            oversized = true;
            line = Vec::new();
        }
        if !oversized {
            line.extend_from_slice(chunk);
        }
        reader.consume(n);
        if !complete {
            continue;
        }
        let verdict = if oversized {
            Err(guard::Rejection::TooLarge)
        } else {
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            guard::check(body.strip_suffix(b"\r").unwrap_or(body))
        };
        match verdict {
            Ok(()) => {
                let body = line.strip_suffix(b"\n").unwrap_or(&line);
                let seen = era::incoming(body);
                if let Some(a) = seen.answer {
                    let mut list = awaited
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    // A client that never reads its answers cannot grow this.
                    if list.len() >= MAX_AWAITED {
                        list.remove(0);
                    }
                    list.push(a);
                }
                let sent = match seen.rewritten {
                    Some(mut m) => {
                        m.push(b'\n');
                        to_rmcp.write_all(&m).await
                    }
                    None => to_rmcp.write_all(&line).await,
                };
                if sent.is_err() {
                    return;
                }
            }
            Err(r) => {
                tracing::warn!(reason = %r, "refused a message before the protocol layer");
                let mut answer = guard::error_response(&line, &r).into_bytes();
                answer.push(b'\n');
                let mut out = stdout.lock().await;
                if out.write_all(&answer).await.is_err() || out.flush().await.is_err() {
                    return;
                }
            }
        }
        line.clear();
        oversized = false;
    }
}

/// Copies rmcp's output to stdout a whole line at a time, so that the guard's
/// answers never land inside one of rmcp's messages.
async fn copy_lines(from_rmcp: tokio::io::DuplexStream, stdout: SharedStdout, awaited: Awaited) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};
    let mut reader = tokio::io::BufReader::with_capacity(64 * 1024, from_rmcp);
    let mut line = Vec::new();
    let long_running = super::long_running_tools();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if let Some(answer) = answer_for(&awaited, &line) {
            let body = line.strip_suffix(b"\n").unwrap_or(&line);
            if let Some(mut m) = era::outgoing(body, answer, &long_running) {
                m.push(b'\n');
                line = m;
            }
        }
        let mut out = stdout.lock().await;
        if out.write_all(&line).await.is_err() {
            return;
        }
        if out.flush().await.is_err() {
            return;
        }
    }
}
