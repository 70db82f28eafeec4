// Starts the page's WebAssembly. A file of its own, not an inline script: the server's
// Content-Security-Policy allows only the page's own scripts.
import init from "./pkg/web.js";

init().catch((error) => {
  const app = document.getElementById("app");
  app.setAttribute("role", "alert");
  app.className = "crashed";
  app.textContent = "The page could not start (" + error + "). " +
    "If pkg/web.js or pkg/web_bg.wasm is missing, run `cargo xtask build-web` (or `cargo xtask serve`).";
});
