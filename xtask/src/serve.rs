//! The static file server for the page: tower-http's `ServeDir` in an axum router, over hyper's
//! HTTP/1 connections, on 127.0.0.1 by default.
//!
//! It is meant to stay up when a client misbehaves: request heads are capped in size and must
//! arrive within a timeout (idle and slow connections are closed), request bodies are capped,
//! connections are capped in number and in lifetime (a client that never reads its answer lets
//! go of its slot), no path leaves the served folder, through `..` or through a symbolic link,
//! and an overlong path is answered 414 (a segment no file system holds, 404).
//!
//! What it sends is what a public host should: the gzip or brotli copy a browser accepts
//! ([`crate::precompress`], refreshed when stale), a strong ETag per file and encoding (with
//! 304 for `If-None-Match`), `X-Content-Type-Options: nosniff` and a Content-Security-Policy
//! that allows the page's own files and its WebAssembly, nothing inline.

use crate::precompress::{self, Encoding};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
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
    /// so every answered path can be checked against it. Its files' compressed copies are
    /// brought up to date first.
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
        precompress::refresh(&root).map_err(|error| io::Error::other(format!("{error:#}")))?;
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

/// The Content-Security-Policy the page is served with: its own scripts, styles and model,
/// WebAssembly compiled from them, and nothing inline or from elsewhere (the favicon is an
/// empty `data:` image).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The longest request path answered, in bytes; longer gets 414.
pub const MAX_PATH_BYTES: usize = 2048;

/// The longest path segment a file system holds; a longer one is answered 404, as no such file
/// can exist.
const MAX_SEGMENT_BYTES: usize = 255;

/// What the middleware share: the folder, and the ETags computed so far.
struct Served {
    root: PathBuf,
    tags: EntityTags,
}

/// `ServeDir` for the files (and their compressed copies), behind the path checks, fresh
/// compressed copies and ETags, with the page's security headers.
fn router(root: PathBuf) -> Router {
    let served = Arc::new(Served {
        root,
        tags: EntityTags::default(),
    });
    let files = ServeDir::new(&served.root)
        .precompressed_br()
        .precompressed_gzip();
    let header =
        |name, value| SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value));
    Router::new()
        .fallback_service(files)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&served),
            entity_tags,
        ))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&served),
            check_path,
        ))
        .layer(header(header::CACHE_CONTROL, "no-cache"))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::VARY, "accept-encoding"))
}

/// Answers 414 for an overlong path and 404 for an overlong segment; forbids a request whose
/// path resolves outside the served folder (`ServeDir` refuses `..` itself but follows
/// symbolic links: this resolves them and compares); brings the requested file's compressed
/// copies up to date when it changed since they were made. The file it settled on travels
/// with the request ([`Answered`]) for [`entity_tags`].
async fn check_path(
    State(served): State<Arc<Served>>,
    mut request: Request,
    next: Next,
) -> Response {
    let raw = request.uri().path();
    if raw.len() > MAX_PATH_BYTES {
        return (StatusCode::URI_TOO_LONG, "request path too long\n").into_response();
    }
    let Some(path) = resolve(&served.root, raw) else {
        return (StatusCode::BAD_REQUEST, "bad request path\n").into_response();
    };
    if path.iter().any(|segment| segment.len() > MAX_SEGMENT_BYTES) {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    // A folder is answered with its index.html, which may be a link of its own.
    let index = path.join("index.html");
    for candidate in [&path, &index] {
        if let Ok(real) = tokio::fs::canonicalize(candidate).await
            && !real.starts_with(&served.root)
        {
            return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
        }
    }
    let file = if path.is_dir() { index } else { path };
    // A compressed copy is answered only beside its file (never for a file since removed), and
    // only when it, too, stays inside the folder.
    if !file.is_file() {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    for encoding in Encoding::ALL {
        if let Ok(real) = tokio::fs::canonicalize(encoding.copy_of(&file)).await
            && !real.starts_with(&served.root)
        {
            return (StatusCode::FORBIDDEN, "forbidden\n").into_response();
        }
    }
    if precompress::is_compressible(&file)
        && Encoding::ALL
            .iter()
            .any(|e| precompress::is_stale(&file, &e.copy_of(&file)))
    {
        let refreshing = file.clone();
        if let Ok(Err(error)) =
            tokio::task::spawn_blocking(move || precompress::refresh_file(&refreshing)).await
        {
            eprintln!("compressing {}: {error:#}", file.display());
        }
    }
    request.extensions_mut().insert(Answered(file));
    next.run(request).await
}

/// The file a request is answered from (a folder's `index.html`), as [`check_path`] resolved
/// and checked it.
#[derive(Clone)]
struct Answered(PathBuf);

/// Strong ETags: a hash of the bytes sent (each compressed copy has its own), remembered per
/// file until its size or modification time changes.
#[derive(Default)]
struct EntityTags(Mutex<HashMap<PathBuf, (u64, SystemTime, HeaderValue)>>);

impl EntityTags {
    /// The ETag of `file`'s current bytes, when they are the ones stamped `expected` (taken
    /// before they were sent); `None` when the file changed or cannot be read.
    async fn of(&self, file: &Path, expected: Option<(u64, SystemTime)>) -> Option<HeaderValue> {
        let current = stamp(file).await?;
        if expected != Some(current) {
            return None;
        }
        if let Some((len, modified, tag)) = self.0.lock().ok()?.get(file)
            && (*len, *modified) == current
        {
            return Some(tag.clone());
        }
        let bytes = tokio::fs::read(file).await.ok()?;
        let digest = tokio::task::spawn_blocking(move || Sha256::digest(&bytes))
            .await
            .ok()?;
        if stamp(file).await != Some(current) {
            return None;
        }
        let tag = HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..16]))).ok()?;
        self.0
            .lock()
            .ok()?
            .insert(file.to_path_buf(), (current.0, current.1, tag.clone()));
        Some(tag)
    }
}

/// Whether an `If-None-Match` header matches `tag` (weak comparison, as RFC 9110 asks for
/// this header; `*` matches any current file).
fn none_match(headers: &HeaderMap, tag: &HeaderValue) -> bool {
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let Ok(wanted) = tag.to_str() else {
        return false;
    };
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|candidate| candidate.trim() == "*" || strip(candidate) == wanted)
}

/// The size and modification time of `file`, if it is there.
async fn stamp(file: &Path) -> Option<(u64, SystemTime)> {
    let metadata = tokio::fs::metadata(file).await.ok()?;
    Some((metadata.len(), metadata.modified().ok()?))
}

/// Adds the ETag of what a successful GET or HEAD sends, and turns the answer into 304 Not
/// Modified when the browser already holds those bytes. With `If-None-Match` the
/// `If-Modified-Since` date is not asked (RFC 9110 13.1.3: the tag decides), and a `Range`
/// under `If-Range` is answered whole (always correct, never a slice of another version).
async fn entity_tags(
    State(served): State<Arc<Served>>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers_mut();
    if headers.contains_key(header::IF_NONE_MATCH) {
        headers.remove(header::IF_MODIFIED_SINCE);
    }
    if headers.contains_key(header::IF_RANGE) {
        headers.remove(header::RANGE);
        headers.remove(header::IF_RANGE);
    }
    let conditional = request.headers().clone();
    let method = request.method().clone();
    let Some(Answered(file)) = request.extensions().get::<Answered>().cloned() else {
        return next.run(request).await;
    };
    // Each form's stamp before the answer is made: a tag is given only for bytes that did not
    // change while they were sent.
    let mut before = Vec::new();
    for form in [None, Some(Encoding::Gzip), Some(Encoding::Brotli)] {
        let copy = form.map_or(file.clone(), |e| e.copy_of(&file));
        before.push((form, stamp(&copy).await));
    }
    let mut response = next.run(request).await;
    let ok = matches!(
        response.status(),
        StatusCode::OK | StatusCode::PARTIAL_CONTENT
    );
    if !ok || !(method == Method::GET || method == Method::HEAD) {
        return response;
    }
    let encoding = response
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .and_then(|token| Encoding::ALL.into_iter().find(|e| e.token() == token));
    let sent = encoding.map_or(file.clone(), |e| e.copy_of(&file));
    let stamped = before
        .iter()
        .find(|(form, _)| *form == encoding)
        .and_then(|(_, stamp)| *stamp);
    let Some(tag) = served.tags.of(&sent, stamped).await else {
        return response;
    };
    response.headers_mut().insert(header::ETAG, tag.clone());
    if response.status() == StatusCode::OK && none_match(&conditional, &tag) {
        let mut not_modified = StatusCode::NOT_MODIFIED.into_response();
        for name in [
            header::ETAG,
            header::CONTENT_ENCODING,
            header::LAST_MODIFIED,
        ] {
            if let Some(value) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        return not_modified;
    }
    response
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
        String::from_utf8_lossy(&send_bytes(addr, request)).into_owned()
    }

    /// [`send`], the answer as bytes.
    fn send_bytes(addr: SocketAddr, request: &[u8]) -> Vec<u8> {
        let mut stream = TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        // The server may close before reading everything; what it said is what counts.
        let _ = stream.write_all(request);
        let mut response = Vec::new();
        let _ = stream.read_to_end(&mut response);
        response
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

    /// The value of `name` in a raw answer's head (case-insensitive), if any.
    fn header_of<'a>(answer: &'a str, name: &str) -> Option<&'a str> {
        let head = answer.split("\r\n\r\n").next()?;
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then_some(value.trim())
        })
    }

    fn get_with(addr: SocketAddr, path: &str, headers: &str) -> String {
        String::from_utf8_lossy(&get_bytes(addr, path, headers)).into_owned()
    }

    fn get_bytes(addr: SocketAddr, path: &str, headers: &str) -> Vec<u8> {
        send_bytes(
            addr,
            format!("GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n")
                .as_bytes(),
        )
    }

    /// The body of a raw answer.
    fn body(answer: &[u8]) -> &[u8] {
        let at = answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
        &answer[at..]
    }

    #[test]
    fn compressed_copies_are_negotiated_tagged_and_kept_fresh() {
        let (dir, addr) = start(Limits::default());
        let page_bytes = get_bytes(addr, "/", "Accept-Encoding: br, gzip\r\n");
        let page = String::from_utf8_lossy(&page_bytes).into_owned();
        assert_eq!(header_of(&page, "content-encoding"), Some("br"), "{page}");
        assert_eq!(header_of(&page, "vary"), Some("accept-encoding"), "{page}");
        let on_disk = std::fs::read(dir.path().join("site/index.html.br")).unwrap();
        assert_eq!(body(&page_bytes), on_disk);
        let gzip = get_with(addr, "/", "Accept-Encoding: gzip\r\n");
        assert_eq!(header_of(&gzip, "content-encoding"), Some("gzip"));
        let plain = get(addr, "/");
        assert_eq!(header_of(&plain, "content-encoding"), None);

        // Each encoding has its own strong ETag, and a browser holding it gets 304.
        let tags: Vec<&str> = [&page, &gzip, &plain]
            .iter()
            .map(|answer| header_of(answer, "etag").expect("an ETag"))
            .collect();
        assert!(
            tags.iter()
                .all(|t| t.starts_with('"') && !t.starts_with("W/"))
        );
        assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2]);
        let again = get_with(addr, "/", &format!("If-None-Match: {}\r\n", tags[2]));
        assert!(again.starts_with("HTTP/1.1 304"), "{again}");
        let any = get_with(addr, "/", "If-None-Match: *\r\n");
        assert!(any.starts_with("HTTP/1.1 304"), "{any}");
        let other = get_with(addr, "/", "If-None-Match: \"other\"\r\n");
        assert!(other.starts_with("HTTP/1.1 200"), "{other}");

        // A rebuilt page: its copies and its tag follow.
        std::thread::sleep(Duration::from_millis(20));
        std::fs::write(dir.path().join("site/index.html"), "<h1>rebuilt</h1>").unwrap();
        let rebuilt = get_bytes(addr, "/", "Accept-Encoding: gzip\r\n");
        let mut text = String::new();
        flate2::read::GzDecoder::new(body(&rebuilt))
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "<h1>rebuilt</h1>");
        let rebuilt = String::from_utf8_lossy(&rebuilt);
        assert_ne!(header_of(&rebuilt, "etag"), Some(tags[1]));
    }

    #[test]
    fn conditions_follow_the_tag_and_removed_files_stay_removed() {
        let (dir, addr) = start(Limits::default());
        let plain = get(addr, "/");
        let tag = header_of(&plain, "etag").unwrap().to_string();
        // A date in the future would say "not modified"; the tag says it is, so 200.
        let answer = get_with(
            addr,
            "/",
            "If-None-Match: \"other\"\r\nIf-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n",
        );
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        // A range under an outdated If-Range is answered whole.
        let answer = get_with(addr, "/", "Range: bytes=0-3\r\nIf-Range: \"old\"\r\n");
        assert!(
            answer.starts_with("HTTP/1.1 200") && answer.ends_with("<h1>hi</h1>"),
            "{answer}"
        );
        let answer = get_with(addr, "/", &format!("If-None-Match: {tag}\r\n"));
        assert!(answer.starts_with("HTTP/1.1 304"), "{answer}");
        // A removed file is not answered from its compressed copy.
        std::fs::remove_file(dir.path().join("site/index.html")).unwrap();
        let gone = get_with(addr, "/index.html", "Accept-Encoding: br, gzip\r\n");
        assert!(gone.starts_with("HTTP/1.1 404"), "{gone}");
    }

    #[test]
    fn security_headers_and_long_paths() {
        let (_dir, addr) = start(Limits::default());
        let page = get(addr, "/");
        assert_eq!(header_of(&page, "x-content-type-options"), Some("nosniff"));
        assert_eq!(
            header_of(&page, "content-security-policy"),
            Some(CONTENT_SECURITY_POLICY)
        );
        let long_segment = get(addr, &format!("/{}", "a".repeat(300)));
        assert!(long_segment.starts_with("HTTP/1.1 404"), "{long_segment}");
        let long_path = get(addr, &"/abc".repeat(1000));
        assert!(long_path.starts_with("HTTP/1.1 414"), "{long_path}");
        assert!(get(addr, "/").starts_with("HTTP/1.1 200"));
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
