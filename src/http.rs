//! The one HTTP client recipe (rustls with the system's CAs plus an optional PEM file), shared
//! by webhooks and metric checks.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::{Error, Result};

pub type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>;

/// The client for every outgoing HTTP request (webhooks, Prometheus): HTTPS verified against the
/// system's CAs (and `extra_ca`, a PEM file, for an internal CA), or plain HTTP.
pub fn client(extra_ca: Option<&std::path::Path>) -> Result<HttpClient> {
    client_for("--webhook-ca", extra_ca)
}

/// `client`, naming the flag that gave `extra_ca` in its errors.
pub fn client_for(flag: &'static str, extra_ca: Option<&std::path::Path>) -> Result<HttpClient> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::debug!("system CA certificates: {e}");
    }
    roots.add_parsable_certificates(native.certs);
    if let Some(path) = extra_ca {
        let bad = |why: String| Error::invalid(flag, path.display(), why);
        let pem = std::fs::read(path).map_err(|e| Error::input_file(flag, path, e))?;
        let certs: Vec<_> = rustls_pemfile::certs(&mut pem.as_slice())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad(format!("not PEM certificates: {e}")))?;
        if certs.is_empty() {
            return Err(bad("holds no PEM certificate".into()));
        }
        for c in certs {
            roots
                .add(c)
                .map_err(|e| bad(format!("unusable certificate: {e}")))?;
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Failed(format!("TLS set-up: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .build();
    Ok(Client::builder(TokioExecutor::new()).build(https))
}
