//! Locking by itself: after the idle time, and when the computer has been asleep. The same
//! thread writes the day's automatic backup while a vault is open.
//!
//! Sleep is detected without any platform service: on Linux, `CLOCK_MONOTONIC` stops while
//! the system is suspended and `CLOCK_BOOTTIME` does not, so a growing gap between them
//! means the machine slept. A screen lock is heard on D-Bus where the desktop reports it:
//! `ActiveChanged(true)` from the `org.freedesktop.ScreenSaver` / `org.gnome.ScreenSaver`
//! interfaces on the session bus, and logind's `Lock` signal on the system bus. Where neither
//! bus is there, the idle timer still locks within the auto-lock time.

use std::time::Duration;

use tauri::{AppHandle, Emitter, Manager};

use attune_vault::progress::Step;

use crate::dto::LockedEvent;
use crate::state::AppState;
use crate::work;

const TICK: Duration = Duration::from_secs(2);
/// A jump larger than this between ticks counts as a suspend.
const SLEEP_THRESHOLD: Duration = Duration::from_secs(5);
/// The day's automatic backup waits for this long a pause in use: it holds the session while
/// it copies and checks the vault (seconds on a large one), so it must not run while the first
/// screens after unlocking load, or while someone types.
const BACKUP_AFTER_IDLE: Duration = Duration::from_secs(20);

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

fn lock_and_tell(app: &AppHandle, reason: &str) {
    if app.state::<AppState>().lock(reason) {
        let _ = app.emit(
            "locked",
            LockedEvent {
                reason: reason.into(),
            },
        );
    }
}

/// Listen for the desktop's screen-lock signals, each bus on its own thread. Best effort:
/// a missing bus or a refused match rule just means that signal is not heard.
#[cfg(target_os = "linux")]
fn spawn_screen_lock_listeners(app: AppHandle) {
    use zbus::blocking::{Connection, MessageIterator};
    use zbus::message::Type;
    use zbus::MatchRule;

    fn listen(app: AppHandle, system: bool) -> zbus::Result<()> {
        let conn = if system {
            Connection::system()?
        } else {
            Connection::session()?
        };
        let rule = if system {
            MatchRule::builder()
                .msg_type(Type::Signal)
                .interface("org.freedesktop.login1.Session")?
                .member("Lock")?
                .build()
        } else {
            MatchRule::builder()
                .msg_type(Type::Signal)
                .member("ActiveChanged")?
                .build()
        };
        for msg in MessageIterator::for_match_rule(rule, &conn, Some(16))? {
            let Ok(msg) = msg else { continue };
            let header = msg.header();
            let locked = if system {
                true
            } else {
                let iface = header.interface().map(|i| i.as_str().to_owned());
                matches!(
                    iface.as_deref(),
                    Some("org.freedesktop.ScreenSaver") | Some("org.gnome.ScreenSaver")
                ) && msg.body().deserialize::<bool>().unwrap_or(false)
            };
            if locked {
                lock_and_tell(&app, "screen_lock");
            }
        }
        Ok(())
    }

    for system in [false, true] {
        let app = app.clone();
        let _ = std::thread::Builder::new()
            .name("attune-screenlock".into())
            .spawn(move || {
                let _ = listen(app, system);
            });
    }
}

#[cfg(not(target_os = "linux"))]
fn spawn_screen_lock_listeners(_app: AppHandle) {}

pub fn spawn(app: AppHandle) {
    spawn_screen_lock_listeners(app.clone());
    std::thread::Builder::new()
        .name("attune-autolock".into())
        .spawn(move || {
            let mut slept = suspended_so_far();
            // The automatic backup runs on a thread of its own, so this one keeps checking for
            // idleness and suspend while it is written (locking stops it).
            let mut backup: Option<std::thread::JoinHandle<()>> = None;
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
                } else if state.idle_for() >= BACKUP_AFTER_IDLE
                    && backup.as_ref().is_none_or(|h| h.is_finished())
                {
                    // Once a day while unlocked (a no-op on every other tick).
                    let app = app.clone();
                    backup = std::thread::Builder::new()
                        .name("attune-autobackup".into())
                        .spawn(move || {
                            #[cfg(target_os = "linux")]
                            yield_to_the_window();
                            // Its progress goes to the window's small status line.
                            let report = |s: Step| {
                                work::emit(&app, work::AUTO_BACKUP_OP, s.phase, s.done, s.total)
                            };
                            let state = app.state::<AppState>();
                            if let Some(end) = state.auto_backup_if_due(&report) {
                                work::emit(&app, work::AUTO_BACKUP_OP, end, 1, 1);
                            }
                        })
                        .ok();
                }
            }
        })
        .expect("start the auto-lock thread");
}

/// Lowers the calling thread's scheduling priority. The automatic backup is background work:
/// on a two-core school laptop it must not take the CPU from the threads that draw the window
/// and answer it. On Linux both the policy and the nice value belong to the thread, so this
/// changes the backup's thread alone (and the thread ends with the backup).
///
/// First choice is `SCHED_IDLE`, the kernel's class for work that runs only when nothing else
/// wants the processor: a thread of the window waking up takes the core from it at once. With
/// nice +10 alone (the weight of about a tenth of a normal thread) the window's frames still
/// waited up to 200 ms during the backup's copy and read-back on a busy two-core machine. Where
/// the policy is refused (a sandbox), nice +10 is the fallback. The sections where it holds the
/// session's lock are short (starting, auditing), so a slower backup never keeps the window
/// waiting long.
#[cfg(target_os = "linux")]
fn yield_to_the_window() {
    // SAFETY: sched_setscheduler and setpriority on this thread's own id change only this
    // thread's policy and nice value; a failure leaves them as they were, which is harmless.
    unsafe {
        let tid = libc::gettid();
        let param = libc::sched_param { sched_priority: 0 };
        libc::sched_setscheduler(tid, libc::SCHED_IDLE, &param);
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    /// This thread's nice value, as the kernel reports it (`/proc/thread-self/stat`, field 19).
    fn nice_of_this_thread() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(16).unwrap().parse().unwrap()
    }

    /// This thread's scheduling policy, as the kernel reports it (field 41).
    fn policy_of_this_thread() -> i32 {
        let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(38).unwrap().parse().unwrap()
    }

    #[test]
    fn the_backup_thread_yields_and_no_other_thread_does() {
        let before = (nice_of_this_thread(), policy_of_this_thread());
        assert_eq!(before.1, libc::SCHED_OTHER);
        let lowered = std::thread::spawn(|| {
            super::yield_to_the_window();
            (nice_of_this_thread(), policy_of_this_thread())
        })
        .join()
        .unwrap();
        assert_eq!(lowered.0, (before.0 + 10).min(19));
        assert_eq!(
            lowered.1,
            libc::SCHED_IDLE,
            "the backup runs only when the CPU is free"
        );
        assert_eq!(
            (nice_of_this_thread(), policy_of_this_thread()),
            before,
            "only the backup's thread is lowered"
        );
    }
}
