//! `server.tls`: the certificate chain and key secmcp serves HTTPS with,
//! checked at load (both files or neither, readable, PEM of the right kind)
//! and read again by the HTTP layer when they change.

use std::path::PathBuf;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use super::model::TlsConfig;
use crate::validate::Problems;

/// The validated `server.tls` files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// PEM certificate chain, the server's certificate first.
    pub cert_file: PathBuf,
    /// PEM private key.
    pub key_file: PathBuf,
}

impl TlsFiles {
    /// `None` when TLS is not configured (or on an error, recorded in `p`).
    pub fn validate(c: &TlsConfig, p: &mut Problems) -> Option<TlsFiles> {
        match (c.cert_file.is_empty(), c.key_file.is_empty()) {
            (true, true) => None,
            (false, false) => {
                let files = TlsFiles {
                    cert_file: c.cert_file.clone().into(),
                    key_file: c.key_file.clone().into(),
                };
                match files.read() {
                    Ok(_) => Some(files),
                    Err((field, message)) => {
                        p.error(format!("server.tls.{field}"), message);
                        None
                    }
                }
            }
            _ => {
                p.error(
                    "server.tls",
                    "set both cert_file (the PEM certificate chain) and key_file (its PEM private key), or neither",
                );
                None
            }
        }
    }

    /// The chain and the key, or which file is wrong and why.
    pub fn read(
        &self,
    ) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), (&'static str, String)>
    {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&self.cert_file)
            .and_then(|it| it.collect::<Result<_, _>>())
            .map_err(|e| {
                (
                    "cert_file",
                    format!(
                        "{}: cannot read a PEM certificate chain: {e}",
                        self.cert_file.display()
                    ),
                )
            })?;
        if certs.is_empty() {
            return Err((
                "cert_file",
                format!("{}: holds no PEM certificate", self.cert_file.display()),
            ));
        }
        let key = PrivateKeyDer::from_pem_file(&self.key_file).map_err(|e| {
            (
                "key_file",
                format!(
                    "{}: cannot read a PEM private key: {e}",
                    self.key_file.display()
                ),
            )
        })?;
        Ok((certs, key))
    }
}
