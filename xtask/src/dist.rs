//! `cargo xtask dist`: the page as a folder that any static host serves as it is (GitHub
//! Pages, Netlify, an S3 bucket, `python3 -m http.server`), usable offline and installable once
//! loaded.
//!
//! Every file but `index.html` and `sw.js` is named by a hash of its content
//! (`model-3f9c2a81d0.bin`), so a host may let browsers cache them forever and a new release is
//! never mixed with an old one; `index.html` references them. Beside each sits its gzip and
//! brotli copy for hosts that negotiate them. `sw.js`, a service worker, keeps the page and its
//! model in the browser's cache and answers from it when the network is gone;
//! `manifest.webmanifest` and two icons make the page installable. The Content-Security-Policy
//! the development server sends as a header travels in a `<meta>` tag, as a plain host sends no
//! such header.

use crate::precompress;
use crate::{build_web, model, paths, serve};
use anyhow::{Context, Result, bail, ensure};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The default output folder, beside `static/`.
pub fn default_dir() -> PathBuf {
    paths::workspace_root().join("dist")
}

/// What `dist` wrote.
#[derive(Debug)]
pub struct Written {
    pub folder: PathBuf,
    /// Every file the page needs, in the order the service worker caches them.
    pub files: Vec<String>,
    /// The page's files as they are, and as a host that negotiates brotli sends them (the
    /// brotli copy where there is one).
    pub bytes: u64,
    pub brotli_bytes: u64,
}

/// Ensures the model, builds the page, and writes the published folder to `out`.
pub fn dist(out: &Path) -> Result<Written> {
    model::ensure_model()?;
    build_web::build_web()?;
    assemble(&paths::static_dir(), out)
}

/// `name` with a hash of `bytes` before its extension: `style.css` → `style-1a2b3c4d5e.css`.
fn hashed_name(name: &str, bytes: &[u8]) -> String {
    let hash = hex::encode(&Sha256::digest(bytes)[..5]);
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}-{hash}.{extension}"),
        None => format!("{name}-{hash}"),
    }
}

/// `text` with `from` replaced by `to`, which must occur exactly once (a template that changed
/// shape is an error, not a page that silently loads the wrong file).
fn replace_once(text: &str, from: &str, to: &str, file: &str) -> Result<String> {
    let count = text.matches(from).count();
    ensure!(
        count == 1,
        "{file} holds {from:?} {count} times, expected once: cargo xtask dist cannot rewrite it"
    );
    Ok(text.replacen(from, to, 1))
}

/// The folder being written: each file added under its hashed name.
struct Staging {
    dir: tempfile::TempDir,
    files: Vec<String>,
}

impl Staging {
    /// Writes `bytes` as `name` with its hash, and returns the name written.
    fn add(&mut self, name: &str, bytes: &[u8]) -> Result<String> {
        let hashed = hashed_name(name, bytes);
        self.add_as(&hashed, bytes)?;
        Ok(hashed)
    }

    /// Writes `bytes` as `name` exactly.
    fn add_as(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        self.files.push(name.to_string());
        Ok(())
    }
}

/// Writes the published folder for the built page in `site` (`index.html`, `style.css`,
/// `main.js`, `pkg/`, `model.bin`, `model.tail.bin`) to `out`, replacing an earlier one.
pub fn assemble(site: &Path, out: &Path) -> Result<Written> {
    let read = |relative: &str| -> Result<Vec<u8>> {
        let path = site.join(relative);
        std::fs::read(&path).with_context(|| {
            format!(
                "reading {} (run `cargo xtask build-web`, and train the model)",
                path.display()
            )
        })
    };
    let text = |relative: &str| -> Result<String> {
        String::from_utf8(read(relative)?).with_context(|| format!("{relative} is not UTF-8"))
    };
    let parent = out.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let mut staging = Staging {
        dir: tempfile::Builder::new()
            .prefix(".dist.")
            .tempdir_in(parent)
            .with_context(|| format!("writing in {}", parent.display()))?,
        files: Vec::new(),
    };

    let wasm = staging.add("web_bg.wasm", &read("pkg/web_bg.wasm")?)?;
    let glue = staging.add("web.js", &read("pkg/web.js")?)?;
    let model_file = staging.add("model.bin", &read("model.bin")?)?;
    let tail_file = staging.add("model.tail.bin", &read("model.tail.bin")?)?;
    let style = staging.add("style.css", &read("style.css")?)?;
    let main = text("main.js")?;
    let main = replace_once(
        &main,
        "\"./pkg/web.js\"",
        &format!("\"./{glue}\""),
        "main.js",
    )?;
    let main = replace_once(
        &main,
        "\"pkg/web_bg.wasm\"",
        &format!("\"{wasm}\""),
        "main.js",
    )?;
    let main = staging.add("main.js", main.as_bytes())?;
    let icons = [192, 512].map(|size| (size, icon_png(size)));
    let mut icon_names = Vec::new();
    for (size, png) in &icons {
        icon_names.push((*size, staging.add(&format!("icon-{size}.png"), png)?));
    }
    let manifest = staging.add("manifest.webmanifest", manifest(&icon_names).as_bytes())?;

    let page = text("index.html")?;
    let page = replace_once(
        &page,
        "href=\"style.css\"",
        &format!("href=\"{style}\""),
        "index.html",
    )?;
    let page = replace_once(
        &page,
        "href=\"model.bin\"",
        &format!("href=\"{model_file}\""),
        "index.html",
    )?;
    let page = replace_once(
        &page,
        "href=\"model.tail.bin\"",
        &format!("href=\"{tail_file}\""),
        "index.html",
    )?;
    let page = replace_once(
        &page,
        "src=\"main.js\"",
        &format!("src=\"{main}\""),
        "index.html",
    )?;
    let policy = serve::CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", "");
    ensure!(
        policy != serve::CONTENT_SECURITY_POLICY,
        "the policy's frame-ancestors (which a <meta> cannot carry) was not found"
    );
    let head = format!(
        "  <meta http-equiv=\"Content-Security-Policy\" content=\"{policy}\">\n  \
         <meta name=\"service-worker\" content=\"sw.js\">\n  \
         <meta name=\"theme-color\" content=\"#b0381e\">\n  \
         <link rel=\"manifest\" href=\"{manifest}\">\n  \
         <link rel=\"apple-touch-icon\" href=\"{}\">\n</head>",
        icon_names[0].1
    );
    let page = replace_once(&page, "</head>", &head, "index.html")?;
    staging.add_as("index.html", page.as_bytes())?;

    let worker = service_worker(&staging.files);
    staging.add_as("sw.js", worker.as_bytes())?;
    precompress::refresh(staging.dir.path())?;

    let files = staging.files.clone();
    let (mut bytes, mut brotli_bytes) = (0, 0);
    for name in &files {
        let path = staging.dir.path().join(name);
        bytes += std::fs::metadata(&path)?.len();
        // A file with no brotli copy (an image) is sent as it is.
        let brotli = precompress::Encoding::Brotli.copy_of(&path);
        brotli_bytes += std::fs::metadata(if brotli.is_file() { &brotli } else { &path })?.len();
    }
    replace_folder(staging.dir, out)?;
    Ok(Written {
        folder: out.to_path_buf(),
        files,
        bytes,
        brotli_bytes,
    })
}

/// Moves the finished folder into place. An existing `out` is replaced only when it is an
/// earlier published folder (it holds `sw.js` and `index.html`) or empty: `--out` pointed at
/// anything else is refused rather than deleted.
fn replace_folder(staging: tempfile::TempDir, out: &Path) -> Result<()> {
    if out.exists() {
        let earlier = out.join("sw.js").is_file() && out.join("index.html").is_file();
        let empty = out.is_dir() && std::fs::read_dir(out)?.next().is_none();
        if !(earlier || empty) {
            bail!(
                "{} exists and is not a folder cargo xtask dist wrote: choose another --out or remove it",
                out.display()
            );
        }
        std::fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, out)
        .with_context(|| format!("moving {} to {}", staged.display(), out.display()))
}

/// The web app manifest: the page's name, colours and icons, started in its own window.
fn manifest(icons: &[(u32, String)]) -> String {
    let icons: Vec<serde_json::Value> = icons
        .iter()
        .map(|(size, name)| {
            serde_json::json!({
                "src": name,
                "sizes": format!("{size}x{size}"),
                "type": "image/png",
                "purpose": "any maskable"
            })
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "name": "Movie recommender",
        "short_name": "Movies",
        "description": "Pick a few movies you like and get recommendations, computed in your browser.",
        "start_url": "./",
        "scope": "./",
        "display": "standalone",
        "background_color": "#f7f7f4",
        "theme_color": "#b0381e",
        "icons": icons
    }))
    .expect("a JSON value serialises")
}

/// The service worker: on install it caches every file the page needs (`files`, fetched past
/// the HTTP cache, under a cache named by the page's place and the files' hashes, so a new
/// release gets a new cache and its own old one is deleted); the
/// page itself is asked of the network first (a new release shows as soon as it is published)
/// and of the cache when the network fails; every other file, content-hashed and so never
/// stale, comes from the cache first.
fn service_worker(files: &[String]) -> String {
    let mut precache: Vec<&str> = vec!["./"];
    precache.extend(files.iter().map(String::as_str));
    let version = hex::encode(&Sha256::digest(precache.join("\n").as_bytes())[..6]);
    let list = serde_json::to_string(&precache).expect("strings serialise");
    format!(
        r#"// The movie recommender's service worker, written by `cargo xtask dist`: the page and
// its model kept for use offline.
// Named by this copy's place (two copies of the page on one site keep their own) and release.
const PREFIX = "movierec " + self.registration.scope + " ";
const CACHE = PREFIX + "{version}";
const FILES = {list};

self.addEventListener("install", (event) => {{
  // Past the browser's HTTP cache: a host's max-age must not put the last release's page here.
  const fresh = FILES.map((file) => new Request(file, {{ cache: "reload" }}));
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(fresh)).then(() => self.skipWaiting())
  );
}});

self.addEventListener("activate", (event) => {{
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith(PREFIX) && name !== CACHE)
          .map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
}});

self.addEventListener("fetch", (event) => {{
  const request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) {{
    return;
  }}
  if (request.mode === "navigate") {{
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(request, {{ ignoreSearch: true }}).then((hit) => hit || caches.match("./"))
      )
    );
    return;
  }}
  event.respondWith(caches.match(request).then((hit) => hit || fetch(request)));
}});
"#
    )
}

/// The page's icon, `size` pixels square: a film frame with its sprocket holes, white on the
/// page's accent colour, inside the safe zone a maskable icon keeps.
fn icon_png(size: u32) -> Vec<u8> {
    const ACCENT: [u8; 3] = [0xb0, 0x38, 0x1e];
    const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
    let s = size as f32;
    let inside = |x: f32, y: f32, (x0, y0, x1, y1): (f32, f32, f32, f32)| {
        x >= x0 * s && x < x1 * s && y >= y0 * s && y < y1 * s
    };
    let frame = (0.22, 0.30, 0.78, 0.70);
    let picture = (0.30, 0.38, 0.70, 0.62);
    let mut pixels = Vec::with_capacity((size * size * 3) as usize);
    for row in 0..size {
        for column in 0..size {
            let (x, y) = (column as f32 + 0.5, row as f32 + 0.5);
            // Sprocket holes: six small squares along the top and bottom strips of the frame.
            let hole = (0..6).any(|k| {
                let left = 0.26 + k as f32 * 0.085;
                inside(x, y, (left, 0.32, left + 0.045, 0.355))
                    || inside(x, y, (left, 0.645, left + 0.045, 0.68))
            });
            let white = inside(x, y, frame) && !inside(x, y, picture) && !hole;
            pixels.extend_from_slice(if white { &WHITE } else { &ACCENT });
        }
    }
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, size, size);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder
        .write_header()
        .and_then(|mut writer| writer.write_image_data(&pixels))
        .expect("encoding an image into a Vec");
    png
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A built page's files, with placeholder contents.
    fn built_site() -> tempfile::TempDir {
        let site = tempfile::tempdir().unwrap();
        for file in paths::PAGE_FILES {
            std::fs::copy(paths::static_dir().join(file), site.path().join(file)).unwrap();
        }
        std::fs::create_dir(site.path().join("pkg")).unwrap();
        std::fs::write(site.path().join("pkg/web_bg.wasm"), b"\0asm wasm").unwrap();
        std::fs::write(site.path().join("pkg/web.js"), "export default 1;").unwrap();
        std::fs::write(site.path().join("model.bin"), b"MOVIEREC model").unwrap();
        std::fs::write(site.path().join("model.tail.bin"), b"MOVIETAL tail").unwrap();
        site
    }

    #[test]
    fn every_reference_names_a_hashed_file_the_worker_caches() {
        let site = built_site();
        let out_parent = tempfile::tempdir().unwrap();
        let out = out_parent.path().join("dist");
        let written = assemble(site.path(), &out).unwrap();
        let page = std::fs::read_to_string(out.join("index.html")).unwrap();
        let main_name = written
            .files
            .iter()
            .find(|f| f.starts_with("main-"))
            .unwrap();
        let main = std::fs::read_to_string(out.join(main_name)).unwrap();
        let worker = std::fs::read_to_string(out.join("sw.js")).unwrap();
        for name in &written.files {
            assert!(out.join(name).is_file(), "{name}");
            assert_eq!(
                worker.contains(&format!("\"{name}\"")),
                name != "sw.js",
                "the worker caches {name}, not itself"
            );
            if name != "index.html" && name != "sw.js" {
                // Named by content: the name holds a 10-digit hash.
                let stem = name.rsplit_once('.').unwrap().0;
                let hash = stem.rsplit_once('-').unwrap().1;
                assert_eq!(hash.len(), 10, "{name}");
                assert_eq!(
                    out.join(format!("{name}.br")).is_file(),
                    !name.ends_with(".png"),
                    "{name}.br"
                );
            }
        }
        for prefix in [
            "style-",
            "model-",
            "model.tail-",
            "main-",
            "manifest-",
            "icon-192-",
        ] {
            let name = written
                .files
                .iter()
                .find(|f| f.starts_with(prefix))
                .unwrap();
            assert!(
                page.contains(&format!("\"{name}\"")),
                "index.html names {name}"
            );
        }
        for prefix in ["web-", "web_bg-"] {
            let name = written
                .files
                .iter()
                .find(|f| f.starts_with(prefix))
                .unwrap();
            assert!(main.contains(&format!("{name}\"")), "main.js names {name}");
        }
        assert!(
            !main.contains("\"./pkg/") && !main.contains("\"pkg/"),
            "{main}"
        );
        assert!(page.contains("Content-Security-Policy") && page.contains("service-worker"));

        // Again over the earlier folder: replaced; over a folder of something else: refused.
        std::fs::write(site.path().join("style.css"), "body { color: red }").unwrap();
        let again = assemble(site.path(), &out).unwrap();
        assert_ne!(again.files, written.files, "a changed file gets a new name");
        let other = out_parent.path().join("photos");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("holiday.jpg"), b"jpg").unwrap();
        let refused = assemble(site.path(), &other).unwrap_err().to_string();
        assert!(
            refused.contains("not a folder cargo xtask dist wrote"),
            "{refused}"
        );
        assert!(other.join("holiday.jpg").exists());
    }

    #[test]
    fn icons_are_pngs_of_their_size() {
        for size in [192, 512] {
            let png = icon_png(size);
            let decoder = png::Decoder::new(std::io::Cursor::new(png));
            let reader = decoder.read_info().unwrap();
            assert_eq!((reader.info().width, reader.info().height), (size, size));
        }
    }
}
