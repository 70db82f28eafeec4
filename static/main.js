// Starts the page's WebAssembly, and in the published folder its offline copy. A file of its
// own, not an inline script: the page's Content-Security-Policy allows only its own scripts.
// `cargo xtask dist` rewrites the two paths below to the files' content-hashed names.
import init from "./pkg/web.js";

init({ module_or_path: new URL("pkg/web_bg.wasm", import.meta.url) }).catch((error) => {
  const app = document.getElementById("app");
  app.setAttribute("role", "alert");
  app.className = "crashed";
  app.textContent = "The page could not start (" + error + "). " +
    "If pkg/web.js or pkg/web_bg.wasm is missing, run `cargo xtask build-web` (or `cargo xtask serve`).";
});

// The published folder names a service worker (`<meta name="service-worker">`): it keeps the
// page and its model for use offline. The development server does not, so a rebuild shows at once.
const worker = document.querySelector('meta[name="service-worker"]');
if (worker && "serviceWorker" in navigator) {
  navigator.serviceWorker.register(worker.content).catch((error) => {
    console.warn("The page will not work offline: " + error);
  });
}
