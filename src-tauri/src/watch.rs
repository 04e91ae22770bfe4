//! Locking by itself: after the idle time, and when the computer has been asleep. The same
//! thread writes the day's automatic backup while a vault is open.
//!
//! Sleep is detected without any platform service: on Linux, `CLOCK_MONOTONIC` stops while
//! the system is suspended and `CLOCK_BOOTTIME` does not, so a growing gap between them
//! means the machine slept. (A screen lock is not reported this way; the idle timer covers
//! it within the auto-lock time.)

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};

use crate::dto::LockedEvent;
use crate::state::AppState;

const TICK: Duration = Duration::from_secs(2);
/// A jump larger than this between ticks counts as a suspend.
const SLEEP_THRESHOLD: Duration = Duration::from_secs(5);

#[cfg(target_os = "linux")]
fn suspended_so_far() -> Option<Duration> {
    fn read(clock: libc::clockid_t) -> Option<Duration> {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes into the timespec we own.
        let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
        (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
    }
    Some(read(libc::CLOCK_BOOTTIME)?.saturating_sub(read(libc::CLOCK_MONOTONIC)?))
}

#[cfg(not(target_os = "linux"))]
fn suspended_so_far() -> Option<Duration> {
    None
}

pub fn spawn(app: AppHandle) {
    std::thread::Builder::new()
        .name("attune-autolock".into())
        .spawn(move || {
            let mut slept = suspended_so_far();
            loop {
                std::thread::sleep(TICK);
                let state = app.state::<AppState>();
                let now_slept = suspended_so_far();
                let woke = match (slept, now_slept) {
                    (Some(a), Some(b)) => b.saturating_sub(a) > SLEEP_THRESHOLD,
                    _ => false,
                };
                slept = now_slept;
                let reason = if woke && state.lock("suspend") {
                    Some("suspend")
                } else if state.lock_if_idle() {
                    Some("idle")
                } else {
                    None
                };
                if let Some(reason) = reason {
                    let _ = app.emit(
                        "locked",
                        LockedEvent {
                            reason: reason.into(),
                        },
                    );
                }
            }
        })
        .expect("start the auto-lock thread");
}
