//! HTTPS GETs as this project makes them: the trainer's MovieLens download and xtask's axe-core
//! download share one client set-up, so both behave alike behind a proxy and on a slow link.

use std::time::Duration;

/// A `GET` of `url`, its headers received: a connection within 30 s, and each read of the body
/// within 120 s. The caller checks what it reads (both callers verify a pinned digest).
pub fn get(url: &str) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_secs(120)))
        // The system's certificate store, not a built-in list: behind a proxy that re-signs
        // TLS (companies, CI sandboxes) only the system knows its authority.
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into();
    agent.get(url).call()
}
