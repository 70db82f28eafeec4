//! A small static file server for the page: HTTP/1.1 GET and HEAD on 127.0.0.1, one thread per
//! connection, content types by extension, and no way out of the served folder.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;

/// Why a request path does not name a file under the served folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not an origin-form path ("/…"), or not valid percent-encoded UTF-8: 400.
    Malformed,
    /// Tries to leave the served folder (`..`, a drive or a backslash): 403.
    OutsideRoot,
}

/// Maps a request target ("/pkg/web.js?v=1") to a path under `root`; "/" and folders mean
/// their `index.html`. The mapping is lexical: `..` segments are refused, even encoded.
pub fn resolve(root: &Path, target: &str) -> Result<PathBuf, Refusal> {
    let path = target.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/') {
        return Err(Refusal::Malformed);
    }
    let decoded = percent_decode(path).ok_or(Refusal::Malformed)?;
    let mut resolved = root.to_path_buf();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => return Err(Refusal::OutsideRoot),
            s if s.contains(['\\', ':', '\0']) => return Err(Refusal::OutsideRoot),
            s => resolved.push(s),
        }
    }
    if decoded.ends_with('/') || resolved.is_dir() {
        resolved.push("index.html");
    }
    Ok(resolved)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The `Content-Type` for a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// A bound server; [`StaticServer::spawn`] or [`StaticServer::run`] starts answering.
pub struct StaticServer {
    listener: TcpListener,
    root: Arc<PathBuf>,
}

impl StaticServer {
    /// Binds 127.0.0.1:`port` (0 picks a free port) to serve `root`.
    pub fn bind(root: impl Into<PathBuf>, port: u16) -> io::Result<Self> {
        Ok(Self {
            listener: TcpListener::bind(("127.0.0.1", port))?,
            root: Arc::new(root.into()),
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
    pub fn run(self) {
        for stream in self.listener.incoming().flatten() {
            let root = Arc::clone(&self.root);
            thread::spawn(move || {
                // A client hanging up mid-answer is not the server's problem.
                let _ = answer(&root, stream);
            });
        }
    }

    /// Serves in a background thread and returns the page's URL.
    pub fn spawn(self) -> String {
        let url = self.url();
        thread::spawn(move || self.run());
        url
    }
}

/// Reads one request and answers it; the connection closes afterwards.
fn answer(root: &Path, stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Headers are not needed; read them so the client sees a clean close.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut stream = stream;
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"GET or HEAD only\n",
            true,
        );
    }
    let with_body = method == "GET";
    match resolve(root, target) {
        Err(Refusal::Malformed) => respond(
            &mut stream,
            "400 Bad Request",
            "text/plain",
            b"bad request path\n",
            with_body,
        ),
        Err(Refusal::OutsideRoot) => respond(
            &mut stream,
            "403 Forbidden",
            "text/plain",
            b"forbidden\n",
            with_body,
        ),
        Ok(path) => match std::fs::read(&path) {
            Ok(body) => respond(&mut stream, "200 OK", content_type(&path), &body, with_body),
            Err(_) => respond(
                &mut stream,
                "404 Not Found",
                "text/plain",
                b"not found\n",
                with_body,
            ),
        },
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
    with_body: bool,
) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if with_body {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn served_folder() -> PathBuf {
        let root = std::env::temp_dir().join(format!("xtask-serve-{}", std::process::id()));
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::write(root.join("index.html"), "<h1>hi</h1>").unwrap();
        std::fs::write(root.join("pkg/web_bg.wasm"), b"\0asm").unwrap();
        root
    }

    #[test]
    fn paths_resolve_under_the_root_and_never_outside_it() {
        let root = served_folder();
        assert_eq!(resolve(&root, "/"), Ok(root.join("index.html")));
        assert_eq!(
            resolve(&root, "/pkg/web.js?v=2#x"),
            Ok(root.join("pkg/web.js"))
        );
        assert_eq!(resolve(&root, "/pkg"), Ok(root.join("pkg/index.html")));
        assert_eq!(resolve(&root, "/a%20b.txt"), Ok(root.join("a b.txt")));
        assert_eq!(resolve(&root, "//etc/passwd"), Ok(root.join("etc/passwd")));
        for escape in [
            "/../secret",
            "/pkg/../../secret",
            "/%2e%2e/secret",
            "/%2E%2E%2fsecret",
            "/..%5csecret",
            "/C:/Windows",
        ] {
            assert_eq!(
                resolve(&root, escape),
                Err(Refusal::OutsideRoot),
                "{escape}"
            );
        }
        for malformed in ["", "secret", "http://example.com/", "/%zz", "/%ff"] {
            assert_eq!(
                resolve(&root, malformed),
                Err(Refusal::Malformed),
                "{malformed}"
            );
        }
    }

    #[test]
    fn content_types_follow_the_extension() {
        assert_eq!(
            content_type(Path::new("pkg/web_bg.wasm")),
            "application/wasm"
        );
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
        assert_eq!(
            content_type(Path::new("model.bin")),
            "application/octet-stream"
        );
    }

    fn get(url_addr: SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(url_addr).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        String::from_utf8_lossy(&response).into_owned()
    }

    #[test]
    fn answers_get_head_404_and_403_over_tcp() {
        let server = StaticServer::bind(served_folder(), 0).unwrap();
        let addr = server.addr();
        server.spawn();
        let page = get(addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert!(page.starts_with("HTTP/1.1 200 OK\r\n"), "{page}");
        assert!(page.contains("Content-Type: text/html") && page.ends_with("<h1>hi</h1>"));
        let wasm = get(addr, "HEAD /pkg/web_bg.wasm HTTP/1.1\r\n\r\n");
        assert!(wasm.contains("application/wasm") && wasm.contains("Content-Length: 4"));
        assert!(wasm.ends_with("\r\n\r\n"), "HEAD has no body");
        assert!(get(addr, "GET /nope HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 404"));
        assert!(get(addr, "GET /%2e%2e/x HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 403"));
        assert!(get(addr, "POST / HTTP/1.1\r\n\r\n").starts_with("HTTP/1.1 405"));
    }
}
