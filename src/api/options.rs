//! `VmOptions`: how a VM is made (new, restored from bytes, or forked from an image).

use super::host::Registrations;
use crate::stdlib::Profile;
use crate::vm::state::{Clock, Host, VirtualClock};

/// The libraries a VM can be given, by the global name each one opens.
pub const LIBRARIES: &[&str] = &[
    "coroutine",
    "debug",
    "string",
    "table",
    "math",
    "utf8",
    "os",
    "io",
    "package",
];

/// Options for a new VM, a restore or a fork: a builder.
///
/// ```
/// use telelua::{VmOptions, Profile};
/// let mut vm = VmOptions::new()
///     .memory_limit(16 << 20)          // 16 MB
///     .profile(Profile::Sandbox)       // the default
///     .without_library("os")
///     .seed(42)                        // math.random's seed
///     .build();
/// let n: i64 = vm.eval("return math.random(1, 1000)").unwrap();
/// assert!((1..=1000).contains(&n));
/// ```
pub struct VmOptions {
    pub(crate) memory_limit: Option<u64>,
    pub(crate) profile: Profile,
    pub(crate) without: Vec<String>,
    pub(crate) hash_key: Option<u64>,
    pub(crate) seed: Option<i64>,
    pub(crate) main_yieldable: bool,
    pub(crate) yield_across_natives: Option<bool>,
    pub(crate) host: Host,
    pub(crate) registrations: Registrations,
}

impl Default for VmOptions {
    fn default() -> Self {
        VmOptions::new()
    }
}

impl VmOptions {
    /// The defaults: sandbox profile, no memory limit, the frozen virtual clock, the fixed
    /// hash key, seed 0, output to the process's stdout/stderr, no input.
    pub fn new() -> VmOptions {
        VmOptions {
            memory_limit: None,
            profile: Profile::Sandbox,
            without: Vec::new(),
            hash_key: None,
            seed: None,
            main_yieldable: false,
            yield_across_natives: None,
            host: Host::default(),
            registrations: Registrations::default(),
        }
    }

    /// The memory budget in bytes: over it the VM collects garbage, then raises the Lua
    /// error "not enough memory".
    pub fn memory_limit(mut self, bytes: u64) -> Self {
        self.memory_limit = Some(bytes);
        self
    }

    /// Sets or removes the memory budget (`None`: unlimited).
    pub fn memory_budget(mut self, bytes: Option<u64>) -> Self {
        self.memory_limit = bytes;
        self
    }

    /// Which libraries: [`Profile::Sandbox`] (the default) or [`Profile::Standalone`] (what
    /// the `lua` command offers: io, os, require, debug, reading files).
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        if profile == Profile::Standalone {
            self.host.read_files = true;
        }
        self
    }

    /// Leaves out one library of the profile (a name from [`LIBRARIES`]: its global and its
    /// `package.loaded` entry are removed when the VM is made).
    pub fn without_library(mut self, name: &str) -> Self {
        self.without.push(name.to_string());
        self
    }

    /// The clock behind `os.time`, `os.clock` and `os.date` (default: [`VirtualClock`], which
    /// never moves, so runs are reproducible).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.host.clock = Box::new(clock);
        self
    }

    /// The real clock of this machine (as the `lua` command has).
    pub fn system_clock(self) -> Self {
        self.clock(crate::stdlib::os::SystemClock::new())
    }

    /// A virtual clock frozen at `epoch` (seconds since 1970).
    pub fn virtual_clock(self, epoch: i64) -> Self {
        self.clock(VirtualClock { epoch })
    }

    /// The key of the string and table hash (part of the VM's state; it never changes
    /// iteration order). Hosts facing hostile table keys choose their own.
    pub fn hash_key(mut self, key: u64) -> Self {
        self.hash_key = Some(key);
        self
    }

    /// Seeds `math.random` as `math.randomseed(seed)` does (default 0).
    pub fn seed(mut self, seed: i64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Where `print` and `io.write` go (default: the process's stdout).
    pub fn stdout(mut self, w: impl std::io::Write + 'static) -> Self {
        self.host.stdout = Box::new(w);
        self
    }

    /// Where diagnostics and `io.stderr` go (default: the process's stderr).
    pub fn stderr(mut self, w: impl std::io::Write + 'static) -> Self {
        self.host.stderr = Box::new(w);
        self
    }

    /// What `io.read` reads (standalone profile; default: nothing).
    pub fn stdin(mut self, r: impl std::io::BufRead + 'static) -> Self {
        self.host.stdin = Box::new(r);
        self
    }

    /// Calls `f` with each piece of output `print` and `io.write` make (a `print` call
    /// arrives as one piece, its newline included).
    pub fn print(self, f: impl FnMut(&[u8]) + 'static) -> Self {
        self.stdout(CallbackWriter(f))
    }

    /// Calls `f` with each message `warn` makes, control messages (`@on`, `@off`) included,
    /// as Lua's `lua_setwarnf` does.
    pub fn warn(mut self, f: impl FnMut(&[u8]) + 'static) -> Self {
        self.host.warn = Some(Box::new(f));
        self
    }

    /// Whether warnings start on (`warn("@on")`), for the default warning function.
    pub fn warnings(mut self, on: bool) -> Self {
        self.host.warnings_on = on;
        self
    }

    /// Whether the main chunk may `coroutine.yield` to the host (default: no, an error as in
    /// the `lua` command).
    pub fn main_yieldable(mut self, yes: bool) -> Self {
        self.main_yieldable = yes;
        self
    }

    /// Whether a coroutine may yield across a native that waits on a call: from a
    /// `table.sort` comparator, a `gsub` callback, `__tostring` called by `tostring`, a
    /// metamethod a native reached, a message handler... The default follows the profile:
    /// yes for [`Profile::Sandbox`] (the library's default: an agent can wait anywhere, every
    /// native being a saved continuation), no for [`Profile::Standalone`], which behaves as
    /// the `lua` command ("attempt to yield across a C-call boundary", and
    /// `coroutine.isyieldable()` false inside such a call). Kept by snapshots.
    pub fn yield_across_natives(mut self, yes: bool) -> Self {
        self.yield_across_natives = Some(yes);
        self
    }

    /// Whether `require`, `loadfile` and `dofile` may read the host's files (set by
    /// [`Profile::Standalone`]).
    pub fn read_files(mut self, yes: bool) -> Self {
        self.host.read_files = yes;
        self
    }

    /// Registers the host functions, wait kinds and userdata types of `other` too (to give a
    /// restored or forked VM what the original had).
    pub fn registrations(mut self, other: &Registrations) -> Self {
        self.registrations.extend(other);
        self
    }

    /// Makes the VM.
    pub fn build(self) -> super::Vm {
        super::Vm::from_options(self)
    }

    /// Restores a VM saved by [`super::Vm::save`] with these options (their registrations must
    /// cover every host function, wait kind and userdata type the snapshot names).
    ///
    /// # Errors
    /// Any problem with the bytes, or a name not registered: never a panic.
    pub fn restore(self, bytes: &[u8]) -> super::Result<super::Vm> {
        super::Vm::restore_from(bytes, self)
    }
}

/// A `Write` that hands every write to a callback.
struct CallbackWriter<F>(F);

impl<F: FnMut(&[u8])> std::io::Write for CallbackWriter<F> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.0)(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
