// Tauri's isolation pattern: every IPC message from the window passes through this hook,
// inside a sandboxed iframe, before it is encrypted and sent to Rust. It is the place to
// validate or refuse messages. For now it passes every message through unchanged; the
// Rust commands check their own arguments and the session's role.
window.__TAURI_ISOLATION_HOOK__ = (payload) => payload;
