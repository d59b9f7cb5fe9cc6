//! Ctrl-C as `lua.c` handles it: while a chunk runs, the first SIGINT makes the running
//! script raise "interrupted!" where it is (a `pcall` can catch it); from then on, or while
//! no chunk runs (at the interactive prompt), SIGINT ends the process as by default. The
//! handlers only set flags; the run loop looks at them between steps.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

/// The two flags the handlers see.
struct Flags {
    /// A SIGINT arrived while armed and has not been raised in the script yet.
    hit: Arc<AtomicBool>,
    /// SIGINT takes its default action (not armed, or already raised once).
    default: Arc<AtomicBool>,
}

static FLAGS: OnceLock<Option<Flags>> = OnceLock::new();

/// Installs the handlers once (disarmed). Without them (registration failed) SIGINT keeps
/// its default action.
fn flags() -> Option<&'static Flags> {
    FLAGS
        .get_or_init(|| {
            let hit = Arc::new(AtomicBool::new(false));
            let default = Arc::new(AtomicBool::new(true));
            use signal_hook::consts::SIGINT;
            // (In this order: the default action is taken before `hit` could be set.)
            signal_hook::flag::register_conditional_default(SIGINT, default.clone()).ok()?;
            signal_hook::flag::register(SIGINT, hit.clone()).ok()?;
            Some(Flags { hit, default })
        })
        .as_ref()
}

/// Armed while it lives: a run of Lua code (`lua.c`'s `docall`).
pub struct Armed(());

impl Armed {
    pub fn new() -> Armed {
        if let Some(f) = flags() {
            f.hit.store(false, Ordering::SeqCst);
            f.default.store(false, Ordering::SeqCst);
        }
        Armed(())
    }

    /// Whether a SIGINT arrived since the last call: then the caller raises "interrupted!"
    /// and the next SIGINT ends the process (`lua.c` resets the handler in `laction`).
    pub fn take(&self) -> bool {
        let Some(f) = flags() else { return false };
        if !f.hit.swap(false, Ordering::SeqCst) {
            return false;
        }
        f.default.store(true, Ordering::SeqCst);
        true
    }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if let Some(f) = flags() {
            f.default.store(true, Ordering::SeqCst);
        }
    }
}
