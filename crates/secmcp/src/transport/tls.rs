//! HTTPS served by secmcp itself (`server.tls`): a listener that accepts TCP
//! connections and completes each TLS handshake on its own task (a slow
//! client holds up nobody), with a certificate that is read again when its
//! files change — a renewed certificate is served on the next connection,
//! no restart; a broken renewal keeps the last good one and says so.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;

use crate::config::TlsFiles;

/// How often the certificate files are looked at.
pub(crate) const RELOAD_CHECK: Duration = Duration::from_secs(2);

/// How long a client may take over its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Handshakes finished but not yet taken by the server.
const READY_QUEUE: usize = 64;

/// When the certificate and key files were last modified.
type Stamp = Option<(SystemTime, SystemTime)>;

/// The certificate in force, swapped when its files change.
#[derive(Debug)]
pub(crate) struct Certificate {
    files: TlsFiles,
    current: RwLock<(Arc<CertifiedKey>, Stamp)>,
}

impl Certificate {
    /// Reads the files now.
    pub(crate) fn load(files: TlsFiles) -> anyhow::Result<Arc<Self>> {
        let key = certified(&files)?;
        let stamp = stamps(&files);
        Ok(Arc::new(Self {
            files,
            current: RwLock::new((Arc::new(key), stamp)),
        }))
    }

    /// Reads the files again if either changed since the last read; true
    /// when a new certificate is in force.
    pub(crate) fn refresh(&self) -> bool {
        let stamp = stamps(&self.files);
        if stamp.is_none() || self.read_stamp() == stamp {
            return false;
        }
        match certified(&self.files) {
            Ok(key) => {
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = (Arc::new(key), stamp);
                tracing::info!(cert = %self.files.cert_file.display(), "TLS certificate reloaded");
                true
            }
            Err(error) => {
                // Remember the stamp: one warning per change, not one per check.
                self.current.write().unwrap_or_else(|e| e.into_inner()).1 = stamp;
                tracing::warn!(%error, "the changed TLS files cannot be used; still serving the previous certificate");
                false
            }
        }
    }

    fn read_stamp(&self) -> Stamp {
        self.current.read().unwrap_or_else(|e| e.into_inner()).1
    }
}

impl ResolvesServerCert for Certificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .0
                .clone(),
        )
    }
}

fn stamps(files: &TlsFiles) -> Stamp {
    let m = |p: &std::path::Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some((m(&files.cert_file)?, m(&files.key_file)?))
}

/// Whether the listener could serve these files now: the chain and key read
/// and the key belongs to the certificate (for `doctor`).
pub fn probe_tls(files: &TlsFiles) -> Result<(), String> {
    certified(files).map(|_| ()).map_err(|e| e.to_string())
}

fn certified(files: &TlsFiles) -> anyhow::Result<CertifiedKey> {
    let (chain, key) = files
        .read()
        .map_err(|(field, message)| anyhow::anyhow!("server.tls.{field}: {message}"))?;
    let signer = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| anyhow::anyhow!("server.tls.key_file: {e}"))?;
    let key = CertifiedKey::new(chain, signer);
    key.keys_match().map_err(|e| {
        anyhow::anyhow!("server.tls: the key does not belong to the certificate: {e}")
    })?;
    Ok(key)
}

/// A listener handing out connections whose TLS handshake has completed.
pub(crate) struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    /// Accepts on `tcp` with `cert` until `stop` fires; the certificate files
    /// are checked every [`RELOAD_CHECK`].
    pub(crate) fn new(
        tcp: TcpListener,
        cert: Arc<Certificate>,
        stop: CancellationToken,
    ) -> io::Result<Self> {
        let local = tcp.local_addr()?;
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_no_client_auth()
        .with_cert_resolver(cert.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let (tx, ready) = mpsc::channel(READY_QUEUE);
        let watch_stop = stop.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(RELOAD_CHECK);
            loop {
                tokio::select! {
                    () = watch_stop.cancelled() => return,
                    _ = tick.tick() => { cert.refresh(); }
                }
            }
        });
        tokio::spawn(async move {
            loop {
                let (tcp, peer) = tokio::select! {
                    () = stop.cancelled() => return,
                    accepted = tcp.accept() => match accepted {
                        Ok(a) => a,
                        Err(e) => {
                            tracing::debug!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    },
                };
                if let Err(e) = tcp.set_nodelay(true) {
                    tracing::debug!(error = %e, "cannot set TCP_NODELAY on an accepted socket");
                }
                let acceptor = acceptor.clone();
                let tx = tx.clone();
                tokio::spawn(async move {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                        Ok(Ok(tls)) => {
                            let _ = tx.send((tls, peer)).await;
                        }
                        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                    }
                });
            }
        });
        Ok(Self { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The acceptor stopped (shutdown): wait for the server to end.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        Ok(self.local)
    }
}
