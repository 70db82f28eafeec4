//! The static file server for the page: tower-http's `ServeDir` in an axum router, over hyper's
//! HTTP/1 connections, on 127.0.0.1 by default.
//!
//! It is meant to stay up when a client misbehaves: request heads are capped in size and must
//! arrive within a timeout (idle and slow connections are closed), request bodies are capped,
//! connections are capped in number and in lifetime (a client that never reads its answer lets
//! go of its slot), and no path leaves the served folder, through `..` or through a symbolic link.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// The limits that keep one client from exhausting the server.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Time a connection has to send a complete request head, idle time included.
    pub header_timeout: Duration,
    /// The largest request line plus headers, in bytes; larger gets 431.
    pub max_head_bytes: usize,
    /// The largest request body, in bytes; the page only ever sends GET and HEAD.
    pub max_body_bytes: usize,
    /// Connections served at once; further ones wait until one closes.
    pub max_connections: usize,
    /// The longest a connection stays open, answers included; a browser simply reconnects.
    pub max_connection_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_head_bytes: 16 * 1024,
            max_body_bytes: 1024,
            max_connections: 1024,
            max_connection_time: Duration::from_secs(120),
        }
    }
}

/// A bound server; [`StaticServer::spawn`] or [`StaticServer::run`] starts answering.
pub struct StaticServer {
    listener: std::net::TcpListener,
    root: PathBuf,
    limits: Limits,
}

impl StaticServer {
    /// Binds 127.0.0.1:`port` (0 picks a free port) to serve `root` with the default limits.
    pub fn bind(root: impl Into<PathBuf>, port: u16) -> io::Result<Self> {
        Self::bind_with(
            root,
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
            Limits::default(),
        )
    }

    /// Binds `addr` to serve `root` with `limits`. The root must exist: it is resolved once,
    /// so every answered path can be checked against it.
    pub fn bind_with(
        root: impl Into<PathBuf>,
        addr: SocketAddr,
        limits: Limits,
    ) -> io::Result<Self> {
        let root = root.into();
        let root = root.canonicalize().map_err(|error| {
            io::Error::new(
                error.kind(),
                format!("cannot serve {}: {error}", root.display()),
            )
        })?;
        let listener = std::net::TcpListener::bind(addr)?;
        listener.set_nonblocking(true)?;
        Ok(Self {
            listener,
            root,
            limits,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// "http://127.0.0.1:PORT/".
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr())
    }

    /// Serves until the process ends.
    pub fn run(self) -> io::Result<()> {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(self.serve())
    }

    /// Serves in a background thread and returns the page's URL.
    pub fn spawn(self) -> String {
        let url = self.url();
        std::thread::spawn(move || {
            if let Err(error) = self.run() {
                eprintln!("the static server stopped: {error}");
            }
        });
        url
    }

    async fn serve(self) -> io::Result<()> {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let app = router(self.root);
        let slots = Arc::new(Semaphore::new(self.limits.max_connections));
        let mut connection = hyper::server::conn::http1::Builder::new();
        connection
            .timer(TokioTimer::new())
            .header_read_timeout(self.limits.header_timeout)
            .max_header_size(self.limits.max_head_bytes);
        let app = app.layer(RequestBodyLimitLayer::new(self.limits.max_body_bytes));
        loop {
            let slot = Arc::clone(&slots)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors or a connection reset before it was accepted:
                    // the server stays up and tries again.
                    eprintln!("accept failed: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let service = TowerToHyperService::new(app.clone());
            let serving = connection.serve_connection(TokioIo::new(stream), service);
            let lifetime = self.limits.max_connection_time;
            tokio::spawn(async move {
                // A client that hangs up or times out ends its connection, nothing more.
                let _ = tokio::time::timeout(lifetime, serving).await;
                drop(slot);
            });
        }
    }
}

/// `ServeDir` for the files, behind a check that the path does not leave `root`.
fn router(root: PathBuf) -> Router {
    let root = Arc::new(root);
    Router::new()
        .fallback_service(ServeDir::new(root.as_ref()))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&root),
            refuse_escapes,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}

/// Forbids a request whose path resolves outside the served folder. `ServeDir` refuses `..`
/// itself but follows symbolic links; this resolves them and compares.
async fn refuse_escapes(
    State(root): State<Arc<PathBuf>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(path) = resolve(&root, request.uri().path()) else {
        return (StatusCode::BAD_REQUEST, "bad request path\n").into_response();
    };
    // A folder is answered with its index.html, which may be a link of its own.
    let index = path.join("index.html");
    for candidate in [path, index] {
        if let Ok(real) = tokio::fs::canonicalize(&candidate).await
            && !real.starts_with(root.as_ref())
        {
            return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
        }
    }
    // Inside the folder, or missing (ServeDir answers 404).
    next.run(request).await
}

/// The file a request path names under `root`, lexically; `None` for a path that is not valid
/// percent-encoded UTF-8 or that climbs with `..`.
fn resolve(root: &Path, path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let mut resolved = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return None,
            s if s.contains(['\\', '\0']) => return None,
            s => resolved.push(s),
        }
    }
    Some(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Instant;

    /// `site/` with a page and a wasm file, a secret beside it, and links out of it.
    fn served_folder() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("pkg")).unwrap();
        std::fs::write(site.join("index.html"), "<h1>hi</h1>").unwrap();
        std::fs::write(site.join("pkg/web_bg.wasm"), b"\0asm").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "TOP SECRET").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), site.join("leak.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), site.join("up")).unwrap();
        std::os::unix::fs::symlink(site.join("index.html"), site.join("alias.html")).unwrap();
        std::fs::create_dir(site.join("docs")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), site.join("docs/index.html"))
            .unwrap();
        (dir, site)
    }

    fn start(limits: Limits) -> (tempfile::TempDir, SocketAddr) {
        let (dir, site) = served_folder();
        let server =
            StaticServer::bind_with(site, SocketAddr::from(([127, 0, 0, 1], 0)), limits).unwrap();
        let addr = server.addr();
        server.spawn();
        (dir, addr)
    }

    /// Sends `request` raw (no client library normalises the path) and reads the answer.
    fn send(addr: SocketAddr, request: &[u8]) -> String {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // The server may close before reading everything; what it said is what counts.
        let _ = stream.write_all(request);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        String::from_utf8_lossy(&response).into_owned()
    }

    fn get(addr: SocketAddr, path: &str) -> String {
        send(
            addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
    }

    #[test]
    fn answers_get_head_404_and_405() {
        let (_dir, addr) = start(Limits::default());
        let page = get(addr, "/");
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(
            page.contains("text/html") && page.ends_with("<h1>hi</h1>"),
            "{page}"
        );
        assert!(
            page.to_lowercase().contains("cache-control: no-cache"),
            "{page}"
        );
        let wasm = send(
            addr,
            b"HEAD /pkg/web_bg.wasm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(wasm.contains("application/wasm"), "{wasm}");
        assert!(wasm.ends_with("\r\n\r\n"), "HEAD has no body: {wasm}");
        assert!(get(addr, "/nope").starts_with("HTTP/1.1 404"));
        assert!(
            get(addr, "/alias.html").ends_with("<h1>hi</h1>"),
            "a link inside is fine"
        );
        let post = send(
            addr,
            b"POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        assert!(post.starts_with("HTTP/1.1 405"), "{post}");
    }

    #[test]
    fn nothing_outside_the_folder_is_served() {
        let (_dir, addr) = start(Limits::default());
        for escape in [
            "/../secret.txt",
            "/pkg/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/%2E%2E%2fsecret.txt",
            "/..%5csecret.txt",
            "/..%2f..%2fsecret.txt",
            "//secret.txt",
            "/leak.txt",
            "/up/secret.txt",
            "/up/site/../secret.txt",
            "/%00/../secret.txt",
            "/docs/",
            "/docs",
        ] {
            let answer = get(addr, escape);
            assert!(!answer.contains("TOP SECRET"), "{escape}: {answer}");
            assert!(!answer.starts_with("HTTP/1.1 200"), "{escape}: {answer}");
        }
    }

    #[test]
    fn idle_connections_do_not_block_a_visitor() {
        let (_dir, addr) = start(Limits::default());
        let idle: Vec<TcpStream> = (0..500)
            .map(|_| TcpStream::connect(addr).unwrap())
            .collect();
        let started = Instant::now();
        let page = get(addr, "/");
        let waited = started.elapsed();
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(waited < Duration::from_secs(1), "answered after {waited:?}");
        drop(idle);
    }

    #[test]
    fn a_slow_request_is_closed_after_its_timeout() {
        let limits = Limits {
            header_timeout: Duration::from_millis(500),
            ..Limits::default()
        };
        let (_dir, addr) = start(limits);
        let mut stream = TcpStream::connect(addr).unwrap();
        stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
        let started = Instant::now();
        // One header byte every 100 ms: the head never completes within the timeout.
        let mut closed = false;
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(100));
            if stream.write_all(b"X").is_err() {
                closed = true;
                break;
            }
            stream.set_nonblocking(true).unwrap();
            let mut byte = [0u8; 1];
            let read = stream.read(&mut byte);
            stream.set_nonblocking(false).unwrap();
            match read {
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
                // End of stream, a 408, or a reset: the server gave up on the request.
                _ => {
                    closed = true;
                    break;
                }
            }
        }
        let waited = started.elapsed();
        assert!(closed, "still open after {waited:?}");
        assert!(waited < Duration::from_secs(3), "closed after {waited:?}");
    }

    #[test]
    fn oversized_requests_are_refused_and_the_server_stays_up() {
        let (_dir, addr) = start(Limits::default());
        let long_line = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(1 << 20));
        let answer = send(addr, long_line.as_bytes());
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{answer}"
        );
        let big_header = format!(
            "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
            "b".repeat(64 * 1024)
        );
        let answer = send(addr, big_header.as_bytes());
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 431"),
            "{answer}"
        );
        let body = send(
            addr,
            b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nConnection: close\r\n\r\n",
        );
        assert!(body.starts_with("HTTP/1.1 413"), "{body}");
        assert!(get(addr, "/").starts_with("HTTP/1.1 200"));
    }
}
