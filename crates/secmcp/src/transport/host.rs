//! The `Host` rules shared by both HTTP routers (`/mcp` and the operations
//! endpoints) and the plain responses they answer with.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The `Host` values accepted on a loopback listener at `port`: a loopback
/// name with this listener's port (a bare name means port 80).
pub(crate) fn loopback_hosts(port: u16) -> Vec<String> {
    ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .flat_map(|h| {
            let bare = (port == 80).then(|| (*h).to_owned());
            bare.into_iter().chain([format!("{h}:{port}")])
        })
        .collect()
}

/// Exactly one `Host` header, naming one of `hosts` (port included); else
/// the refusal to send.
pub(crate) fn check_host(hosts: &[String], headers: &HeaderMap) -> Option<Response> {
    let mut all = headers.get_all(header::HOST).iter();
    let (Some(host), None) = (all.next(), all.next()) else {
        return Some(
            (
                StatusCode::BAD_REQUEST,
                "bad request: send exactly one Host header\n",
            )
                .into_response(),
        );
    };
    let ok = host
        .to_str()
        .is_ok_and(|h| hosts.iter().any(|a| a.eq_ignore_ascii_case(h)));
    (!ok).then(forbidden)
}

pub(crate) fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, "forbidden: Host not allowed\n").into_response()
}

pub(crate) fn json(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Middleware: the `Host` check alone, outermost (a rebinding page gets
/// `403` before anything else is looked at).
pub(crate) async fn only_host(
    axum::extract::State(hosts): axum::extract::State<std::sync::Arc<[String]>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(r) = check_host(&hosts, request.headers()) {
        return r;
    }
    next.run(request).await
}
