//! Deterministic record and replay: a [`Journal`] of everything a host fed a VM, and a replay
//! that runs it again and checks every step byte for byte.
//!
//! # Design
//! A VM is deterministic: the same state, inputs and fuel schedule give the same outputs, fuel
//! and snapshot bytes. So a run is reproduced by its initial snapshot plus its *inputs*, in
//! order: the fuel of every step, the values the host delivered, calls it started, the results
//! of every host function and wait resume (taken from the recording at replay, so the host's
//! own state is not needed), clock readings and stdin bytes. [`Recorder`] wraps a VM and
//! writes these down as they happen; after every step it also notes the step's result, the
//! VM's total fuel, the output it wrote and a digest of its snapshot bytes. [`replay`] restores
//! the initial snapshot, feeds the inputs back and compares each step with the recording,
//! stopping at the first difference with a [`Divergence`] that says what differed and where.
//!
//! Host functions are replaced at replay by stubs that return the recorded outcome (values,
//! a wait, or an error) and charge the recorded fuel. Values cross as plain data
//! ([`Message`]: nil, booleans, numbers, strings, tables of those); a host function whose
//! results are not plain data (a function, coroutine or userdata) cannot be recorded, and
//! the recorder says so. Anything else the host does to the VM between steps through
//! [`Recorder::vm`] (setting globals, writing tables through handles) is caught by comparing
//! snapshot digests, and recorded as the whole state; dropped handles are recorded as the
//! slots they release.
//!
//! What replay cannot see: changes a host function makes to the VM besides its results (for
//! example tables it writes through a [`super::Context`], or handles it creates). A replay
//! reports them as a divergence of state after the step, never silently.

pub use super::record_scheduler::{
    replay_scheduler, SchedulerEntry, SchedulerJournal, SchedulerRecorder,
    SCHEDULER_JOURNAL_VERSION,
};

use std::cell::RefCell;
use std::io::{BufRead, Read, Write};
use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::context::{Access, Context};
use super::convert::{IntoLuaMulti, Variadic};
use super::error::{Error, Result};
use super::handle::{Handle, Thread};
use super::host::Registrations;
use super::message::{self, Message};
use super::options::VmOptions;
use super::vm::{Call, Vm};
use super::StepResult;
use crate::vm::cont::Cont;
use crate::vm::error::{LuaError, LuaResult};
use crate::vm::native::{Action, HostFunction, HostWait, HostWaitKind, NativeCtx};
use crate::vm::state::{Clock, Host};
use crate::vm::value::Value as VmValue;

/// Format version of a serialized [`Journal`].
pub const JOURNAL_VERSION: u32 = 1;

/// Which coroutine chain a step or delivery is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Task {
    /// The main chunk.
    Main,
    /// A call started by [`Recorder::start_call`]: its handle slot and serial.
    Call(u32, u64),
}

/// How a host function or wait resume answered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Outcome {
    /// It returned these values.
    Return(Vec<Message>),
    /// It suspended the script in this wait.
    Wait(HostWait<Message>),
    /// It raised `error(value)`.
    ErrorValue(Message),
    /// It raised a message positioned at the calling Lua function.
    ErrorRuntime(String),
    /// It raised an operation's error.
    ErrorOp(String),
    /// It raised `bad argument #arg to 'name' (msg)`.
    ErrorBadArg(u64, String),
    /// It asked for a collection before retrying (memory budget).
    RetryAfterGc,
}

/// One reading of the clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reading {
    /// `Clock::now`.
    Now(f64),
    /// `Clock::cpu_time`.
    CpuTime(f64),
    /// `Clock::utc_offset`.
    UtcOffset(i64),
    /// `Clock::zone_name`.
    ZoneName(String),
}

/// One thing that happened, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Entry {
    /// A step of `fuel` began.
    Step {
        /// Which chain it ran.
        task: Task,
        /// The fuel it was given.
        fuel: u64,
    },
    /// The step ended.
    Stepped {
        /// The step's result (its `Debug` form).
        result: String,
        /// The VM's total fuel used after it.
        fuel_used: u64,
        /// What the script wrote (stdout, stderr and warnings) during it.
        #[serde(with = "serde_bytes")]
        output: Vec<u8>,
        /// Digest of the VM's snapshot bytes after it.
        state: u64,
    },
    /// The host delivered values.
    Deliver {
        /// To which chain.
        task: Task,
        /// The values.
        values: Vec<Message>,
    },
    /// The host started a call of the global function `name`.
    StartCall {
        /// The global's name.
        name: String,
        /// The arguments.
        args: Vec<Message>,
        /// The call's handle (slot, serial), for the steps that follow.
        call: Task,
    },
    /// The host forgot a call.
    CancelCall {
        /// The call.
        call: Task,
    },
    /// A host function ran.
    Host {
        /// Its registered name.
        name: String,
        /// Its arguments, when they are plain data (to locate a divergence early).
        args: Option<Vec<Message>>,
        /// The fuel it used.
        fuel: i64,
        /// Its answer.
        outcome: Outcome,
    },
    /// A wait kind's resume function ran.
    Resume {
        /// The kind.
        kind: String,
        /// Whether the host had delivered values.
        delivered: bool,
        /// The fuel it used.
        fuel: i64,
        /// Its answer.
        outcome: Outcome,
    },
    /// The clock was read.
    Clock(Reading),
    /// The script consumed these bytes of stdin.
    Stdin(#[serde(with = "serde_bytes")] Vec<u8>),
    /// Handles the host dropped: (slot, serial) released.
    Released(Vec<(u32, u64)>),
    /// The host changed the VM between steps outside the journal: its whole state after.
    State(#[serde(with = "serde_bytes")] Vec<u8>),
}

/// A recorded run: the initial snapshot and every input and step, in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    /// [`JOURNAL_VERSION`].
    pub version: u32,
    /// The VM's snapshot when recording started.
    #[serde(with = "serde_bytes")]
    pub initial: Vec<u8>,
    /// The VM's memory budget.
    pub memory_limit: Option<u64>,
    /// Host functions registered when recording started (replay stubs them).
    pub functions: Vec<String>,
    /// Wait kinds registered when recording started, with their versions.
    pub wait_kinds: Vec<(String, u32)>,
    /// What happened.
    pub entries: Vec<Entry>,
}

impl Journal {
    /// The journal as bytes (MessagePack).
    ///
    /// # Errors
    /// Encoding failures.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        rmp_serde::to_vec(self).map_err(|e| Error::msg(format!("cannot encode the journal: {e}")))
    }

    /// A journal from bytes made by [`Journal::to_bytes`].
    ///
    /// # Errors
    /// Bytes that are not a journal of this version: never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Journal> {
        let j: Journal = rmp_serde::from_slice(bytes)
            .map_err(|e| Error::msg(format!("not a telelua journal: {e}")))?;
        if j.version != JOURNAL_VERSION {
            return Err(Error::msg(format!(
                "journal version {} (this build reads {JOURNAL_VERSION})",
                j.version
            )));
        }
        Ok(j)
    }

    /// Number of steps recorded.
    pub fn steps(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e, Entry::Step { .. }))
            .count()
    }
}

/// A 64-bit FNV-1a digest (stable across builds and machines, unlike std's hashers).
pub fn digest(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The journal being written, shared with the wrappers installed in the VM's host.
#[derive(Default)]
struct Log {
    entries: Vec<Entry>,
    /// The first thing that could not be recorded.
    unrecordable: Option<String>,
}

type SharedLog = Rc<RefCell<Log>>;

/// The host services a recorder or replay replaced, put back when it ends.
struct Saved {
    functions: Rc<crate::vm::state::HostFunctions>,
    wait_kinds: Rc<crate::vm::state::WaitKinds>,
    clock: Box<dyn Clock>,
    stdin: Box<dyn BufRead>,
    stdout: Box<dyn Write>,
    stderr: Box<dyn Write>,
    warn: Option<Box<dyn FnMut(&[u8])>>,
}

/// Takes the host's services out, leaving defaults in their place.
fn take_services(host: &mut Host) -> Saved {
    Saved {
        functions: std::mem::take(&mut host.functions),
        wait_kinds: std::mem::take(&mut host.wait_kinds),
        clock: std::mem::replace(
            &mut host.clock,
            Box::new(crate::vm::state::VirtualClock::default()),
        ),
        stdin: std::mem::replace(&mut host.stdin, Box::new(std::io::empty())),
        stdout: std::mem::replace(&mut host.stdout, Box::new(std::io::sink())),
        stderr: std::mem::replace(&mut host.stderr, Box::new(std::io::sink())),
        warn: host.warn.take(),
    }
}

fn put_back(host: &mut Host, s: Saved) {
    host.functions = s.functions;
    host.wait_kinds = s.wait_kinds;
    host.clock = s.clock;
    host.stdin = s.stdin;
    host.stdout = s.stdout;
    host.stderr = s.stderr;
    host.warn = s.warn;
}

// ---------------------------------------------------------------------------------------------
// Converting what crosses the boundary

/// Copies values out as plain data, or says why they are not.
fn messages<'gc>(
    cx: &Context<'gc>,
    vals: &[VmValue<'gc>],
) -> std::result::Result<Vec<Message>, String> {
    vals.iter()
        .map(|v| message::copy_out_plain(cx, *v).map_err(|e| e.to_string()))
        .collect()
}

/// What an action of a host function or resume means, as plain data.
fn outcome_of<'gc>(
    nc: &NativeCtx<'gc, '_>,
    r: &LuaResult<'gc, Action<'gc>>,
) -> std::result::Result<Outcome, String> {
    let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
    match r {
        Ok(Action::Return) => Ok(Outcome::Return(messages(&cx, nc.args())?)),
        Ok(Action::Wait {
            cont: Cont::Host { wait, .. },
        }) => Ok(Outcome::Wait(HostWait {
            kind: wait.kind.clone(),
            version: wait.version,
            state: wait.state.clone(),
            values: messages(&cx, &wait.values)?,
        })),
        Ok(_) => Err("it answered with a call, a yield or a preemption".into()),
        Err(LuaError::Value(v)) => Ok(Outcome::ErrorValue(
            messages(&cx, &[*v])?.pop().unwrap_or(Message::Nil),
        )),
        Err(LuaError::Runtime(m)) => Ok(Outcome::ErrorRuntime(m.clone())),
        Err(LuaError::Op(m)) => Ok(Outcome::ErrorOp(m.clone())),
        Err(LuaError::BadArg { arg, msg }) => Ok(Outcome::ErrorBadArg(*arg as u64, msg.clone())),
        Err(LuaError::RetryAfterGc) => Ok(Outcome::RetryAfterGc),
        Err(_) => Err("it raised an error that is not plain data".into()),
    }
}

/// Replays an outcome in `nc`, charging `fuel`.
fn apply<'gc>(
    nc: &mut NativeCtx<'gc, '_>,
    fuel: i64,
    outcome: &Outcome,
) -> LuaResult<'gc, Action<'gc>> {
    nc.charge(fuel);
    let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
    match outcome {
        Outcome::Return(vals) => {
            nc.clear();
            for v in vals {
                let v = message::build(&cx, v);
                nc.push(v);
            }
            Ok(Action::Return)
        }
        Outcome::Wait(w) => {
            nc.clear();
            Ok(Action::Wait {
                cont: Cont::Host {
                    wait: Box::new(HostWait {
                        kind: w.kind.clone(),
                        version: w.version,
                        state: w.state.clone(),
                        values: w.values.iter().map(|v| message::build(&cx, v)).collect(),
                    }),
                    delivered: false,
                },
            })
        }
        Outcome::ErrorValue(v) => Err(LuaError::Value(message::build(&cx, v))),
        Outcome::ErrorRuntime(m) => Err(LuaError::Runtime(m.clone())),
        Outcome::ErrorOp(m) => Err(LuaError::Op(m.clone())),
        Outcome::ErrorBadArg(arg, msg) => Err(LuaError::BadArg {
            arg: *arg as usize,
            msg: msg.clone(),
        }),
        Outcome::RetryAfterGc => Err(LuaError::RetryAfterGc),
    }
}

// ---------------------------------------------------------------------------------------------
// Recording wrappers

/// Records the entry `make` builds from what a host function or resume answered; when the
/// answer is not plain data, keeps the first such reason (prefixed with `who`) so `finish`
/// can refuse the journal.
fn note<'gc>(
    log: &SharedLog,
    nc: &NativeCtx<'gc, '_>,
    r: &LuaResult<'gc, Action<'gc>>,
    make: impl FnOnce(Outcome) -> Entry,
    who: impl FnOnce() -> String,
) {
    let outcome = outcome_of(nc, r);
    let mut log = log.borrow_mut();
    match outcome {
        Ok(outcome) => log.entries.push(make(outcome)),
        Err(why) => {
            if log.unrecordable.is_none() {
                log.unrecordable = Some(format!("{}: {why}", who()));
            }
        }
    }
}

struct RecordingFunction {
    name: &'static str,
    inner: Rc<dyn HostFunction>,
    log: SharedLog,
}

impl HostFunction for RecordingFunction {
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
        let args = {
            let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
            messages(&cx, nc.args()).ok()
        };
        let before = nc.fuel.remaining();
        let r = self.inner.call(nc);
        let fuel = before - nc.fuel.remaining();
        note(
            &self.log,
            nc,
            &r,
            |outcome| Entry::Host {
                name: self.name.to_string(),
                args,
                fuel,
                outcome,
            },
            || format!("host function '{}'", self.name),
        );
        r
    }
}

struct RecordingKind {
    kind: String,
    inner: Rc<dyn HostWaitKind>,
    log: SharedLog,
}

impl HostWaitKind for RecordingKind {
    fn version(&self) -> u32 {
        self.inner.version()
    }

    fn resume<'gc>(
        &self,
        nc: &mut NativeCtx<'gc, '_>,
        wait: HostWait<VmValue<'gc>>,
        delivered: bool,
    ) -> LuaResult<'gc, Action<'gc>> {
        let before = nc.fuel.remaining();
        let r = self.inner.resume(nc, wait, delivered);
        let fuel = before - nc.fuel.remaining();
        note(
            &self.log,
            nc,
            &r,
            |outcome| Entry::Resume {
                kind: self.kind.clone(),
                delivered,
                fuel,
                outcome,
            },
            || format!("wait kind '{}'", self.kind),
        );
        r
    }
}

struct RecordingClock {
    inner: Box<dyn Clock>,
    log: SharedLog,
}

impl RecordingClock {
    fn note<T>(&self, v: T, reading: impl FnOnce(&T) -> Reading) -> T {
        self.log
            .borrow_mut()
            .entries
            .push(Entry::Clock(reading(&v)));
        v
    }
}

impl Clock for RecordingClock {
    fn now(&self) -> f64 {
        self.note(self.inner.now(), |v| Reading::Now(*v))
    }
    fn cpu_time(&self) -> f64 {
        self.note(self.inner.cpu_time(), |v| Reading::CpuTime(*v))
    }
    fn utc_offset(&self, t: i64) -> i64 {
        self.note(self.inner.utc_offset(t), |v| Reading::UtcOffset(*v))
    }
    fn zone_name(&self, t: i64) -> String {
        self.note(self.inner.zone_name(t), |v| Reading::ZoneName(v.clone()))
    }
}

struct RecordingStdin {
    inner: Box<dyn BufRead>,
    log: SharedLog,
}

impl Read for RecordingStdin {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.log
                .borrow_mut()
                .entries
                .push(Entry::Stdin(buf[..n].to_vec()));
        }
        Ok(n)
    }
}

impl BufRead for RecordingStdin {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }
    fn consume(&mut self, amt: usize) {
        if amt > 0 {
            // The bytes are still in the inner buffer (`fill_buf` returned them).
            if let Ok(b) = self.inner.fill_buf() {
                let b = b[..amt.min(b.len())].to_vec();
                self.log.borrow_mut().entries.push(Entry::Stdin(b));
            }
        }
        self.inner.consume(amt);
    }
}

/// A writer shared between the host and a [`Tee`], so the recorder can hand it back.
type SharedWriter = Rc<RefCell<Box<dyn Write>>>;

/// A warning function shared the same way.
type SharedWarn = Rc<RefCell<Option<Box<dyn FnMut(&[u8])>>>>;

/// A writer that keeps a copy of what the script writes (and passes it on).
struct Tee {
    inner: Option<SharedWriter>,
    log: Output,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = match &self.inner {
            Some(w) => w.borrow_mut().write(buf)?,
            None => buf.len(),
        };
        self.log.borrow_mut().extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &self.inner {
            Some(w) => w.borrow_mut().flush(),
            None => Ok(()),
        }
    }
}

/// Output capture shared by the writers (kept outside `Log` so a write during a host
/// function's recording never borrows the log twice).
type Output = Rc<RefCell<Vec<u8>>>;

/// The host's own output services while a recorder passes writes on to them.
struct Passed {
    stdout: SharedWriter,
    stderr: SharedWriter,
    warn: SharedWarn,
}

impl Passed {
    /// Gives the services back to `saved`.
    fn restore(self, saved: &mut Saved) {
        let sink = || -> Box<dyn Write> { Box::new(std::io::sink()) };
        saved.stdout = std::mem::replace(&mut *self.stdout.borrow_mut(), sink());
        saved.stderr = std::mem::replace(&mut *self.stderr.borrow_mut(), sink());
        saved.warn = self.warn.borrow_mut().take();
    }
}

/// Installs output capture in `host`, passing writes on to `saved`'s services when `pass`.
fn capture_output(host: &mut Host, saved: &mut Saved, out: &Output, pass: bool) -> Passed {
    let sink = || -> Box<dyn Write> { Box::new(std::io::sink()) };
    let passed = Passed {
        stdout: Rc::new(RefCell::new(std::mem::replace(&mut saved.stdout, sink()))),
        stderr: Rc::new(RefCell::new(std::mem::replace(&mut saved.stderr, sink()))),
        warn: Rc::new(RefCell::new(saved.warn.take())),
    };
    host.stdout = Box::new(Tee {
        inner: pass.then(|| passed.stdout.clone()),
        log: out.clone(),
    });
    host.stderr = Box::new(Tee {
        inner: pass.then(|| passed.stderr.clone()),
        log: out.clone(),
    });
    let log = out.clone();
    let warn = passed.warn.clone();
    host.warn = Some(Box::new(move |m: &[u8]| {
        log.borrow_mut().extend_from_slice(m);
        if pass {
            if let Some(w) = warn.borrow_mut().as_mut() {
                w(m);
            }
        }
    }));
    passed
}

// ---------------------------------------------------------------------------------------------
// The recorder

/// Records a VM's run into a [`Journal`] (see the module docs). Drive the VM through the
/// recorder's methods; use [`Recorder::vm`] for anything else (it is recorded as state).
///
/// ```
/// use telelua::{record::{replay, Recorder}, StepResult, VmOptions};
/// let mut vm = VmOptions::new().build();
/// vm.register("roll", |_cx, ()| Ok(4));
/// vm.load(b"local s = 0 for i = 1, 100 do s = s + roll() end print(s)", "=dice").unwrap();
/// let mut rec = Recorder::start(vm).unwrap();
/// while let StepResult::OutOfFuel = rec.step(50) {}
/// let (_vm, journal) = rec.finish().unwrap();
/// // No `roll` needed to replay: its results are in the journal.
/// let replayed = replay(&journal, VmOptions::new()).unwrap();
/// assert_eq!(replayed.output, b"400\n");
/// ```
pub struct Recorder {
    vm: Vm,
    log: SharedLog,
    output: Output,
    saved: Option<(Saved, Passed)>,
    /// Digest of the VM's state after the last recorded operation.
    state: u64,
    /// The host has had the VM since (see [`Recorder::vm`]).
    touched: bool,
    journal: Journal,
}

impl Recorder {
    /// Starts recording `vm` from its current state. The VM's output still goes where it went.
    ///
    /// # Errors
    /// If the VM cannot be saved.
    pub fn start(vm: Vm) -> Result<Recorder> {
        let initial = vm.save()?;
        let log: SharedLog = Rc::default();
        let output: Output = Rc::default();
        let (functions, wait_kinds, saved) = vm.with_host(|host| {
            let mut saved = take_services(host);
            // (Sorted: the map's order follows addresses, which differ between runs.)
            let mut functions: Vec<String> = saved
                .functions
                .keys()
                .map(|k| k.name().to_string())
                .collect();
            functions.sort();
            let kinds: Vec<(String, u32)> = saved
                .wait_kinds
                .iter()
                .map(|(k, v)| (k.to_string(), v.version()))
                .collect();
            for (key, f) in saved.functions.iter() {
                Rc::make_mut(&mut host.functions).insert(
                    *key,
                    Rc::new(RecordingFunction {
                        name: key.name(),
                        inner: f.clone(),
                        log: log.clone(),
                    }),
                );
            }
            for (kind, k) in saved.wait_kinds.iter() {
                Rc::make_mut(&mut host.wait_kinds).insert(
                    kind.clone(),
                    Rc::new(RecordingKind {
                        kind: kind.to_string(),
                        inner: k.clone(),
                        log: log.clone(),
                    }),
                );
            }
            let clock = std::mem::replace(
                &mut saved.clock,
                Box::new(crate::vm::state::VirtualClock::default()),
            );
            host.clock = Box::new(RecordingClock {
                inner: clock,
                log: log.clone(),
            });
            let stdin = std::mem::replace(&mut saved.stdin, Box::new(std::io::empty()));
            host.stdin = Box::new(RecordingStdin {
                inner: stdin,
                log: log.clone(),
            });
            let passed = capture_output(host, &mut saved, &output, true);
            (functions, kinds, (saved, passed))
        });
        let mut functions = functions;
        functions.sort();
        let mut wait_kinds = wait_kinds;
        wait_kinds.sort();
        let limit = vm.memory_limit();
        Ok(Recorder {
            vm,
            log,
            output,
            saved: Some(saved),
            state: digest(&initial),
            touched: false,
            journal: Journal {
                version: JOURNAL_VERSION,
                initial,
                memory_limit: limit,
                functions,
                wait_kinds,
                entries: Vec::new(),
            },
        })
    }

    /// The VM, for anything the recorder has no method for (reading results, setting
    /// globals, tables through handles). What the host changes is recorded as the VM's
    /// whole state before the next recorded operation, so keep such changes rare.
    pub fn vm(&mut self) -> &mut Vm {
        self.touched = true;
        &mut self.vm
    }

    fn push(&self, e: Entry) {
        self.log.borrow_mut().entries.push(e);
    }

    /// Before an operation: records dropped handles, and the state if the host changed it.
    fn sync(&mut self) -> Result<()> {
        let released: Vec<(u32, u64)> = self.vm.releases().borrow().clone();
        if !released.is_empty() {
            self.push(Entry::Released(released));
            self.touched = true;
        }
        if self.touched {
            self.touched = false;
            let bytes = self.vm.save()?;
            let d = digest(&bytes);
            if d != self.state {
                self.state = d;
                self.push(Entry::State(bytes));
            }
        }
        self.output.borrow_mut().clear();
        Ok(())
    }

    /// [`Vm::step`], recorded.
    pub fn step(&mut self, fuel: u64) -> StepResult {
        self.run(Task::Main, None, fuel)
    }

    /// [`Vm::step_call`], recorded.
    pub fn step_call(&mut self, call: &Call, fuel: u64) -> StepResult {
        self.run(task_of(call), Some(call), fuel)
    }

    fn run(&mut self, task: Task, call: Option<&Call>, fuel: u64) -> StepResult {
        if let Err(e) = self.sync() {
            return StepResult::Error(super::RuntimeError {
                message: format!("recording: {e}"),
                traceback: String::new(),
            });
        }
        self.push(Entry::Step { task, fuel });
        let r = match call {
            None => self.vm.step(fuel),
            Some(c) => self.vm.step_call(c, fuel),
        };
        let state = match self.vm.save() {
            Ok(bytes) => digest(&bytes),
            Err(_) => 0,
        };
        self.state = state;
        let output = std::mem::take(&mut *self.output.borrow_mut());
        self.push(Entry::Stepped {
            result: format!("{r:?}"),
            fuel_used: self.vm.fuel_used(),
            output,
            state,
        });
        r
    }

    /// [`Vm::deliver`], recorded (the values must be plain data).
    ///
    /// # Errors
    /// As [`Vm::deliver`], or values that are not plain data.
    pub fn deliver(&mut self, values: impl IntoLuaMulti) -> Result<()> {
        self.deliver_to(Task::Main, None, values)
    }

    /// [`Vm::deliver_call`], recorded.
    ///
    /// # Errors
    /// As [`Recorder::deliver`].
    pub fn deliver_call(&mut self, call: &Call, values: impl IntoLuaMulti) -> Result<()> {
        self.deliver_to(task_of(call), Some(call), values)
    }

    fn deliver_to(
        &mut self,
        task: Task,
        call: Option<&Call>,
        values: impl IntoLuaMulti,
    ) -> Result<()> {
        self.sync()?;
        let values = plain(&self.vm, values)?;
        match call {
            None => self.vm.deliver(Variadic(values.clone()))?,
            Some(c) => self.vm.deliver_call(c, Variadic(values.clone()))?,
        }
        self.push(Entry::Deliver { task, values });
        self.touched = true;
        Ok(())
    }

    /// [`Vm::start_call`] of the global function `name`, recorded (arguments plain data).
    ///
    /// # Errors
    /// As [`Vm::start_call`], or arguments that are not plain data.
    pub fn start_call(&mut self, name: &str, args: impl IntoLuaMulti) -> Result<Call> {
        self.sync()?;
        let args = plain(&self.vm, args)?;
        let f: super::Function = self.vm.global(name)?;
        let call = self.vm.start_call(&f, Variadic(args.clone()))?;
        drop(f);
        self.push(Entry::StartCall {
            name: name.to_string(),
            args,
            call: task_of(&call),
        });
        self.touched = true;
        Ok(call)
    }

    /// [`Vm::cancel_call`], recorded.
    pub fn cancel_call(&mut self, call: &Call) {
        if self.sync().is_ok() {
            self.vm.cancel_call(call);
            self.push(Entry::CancelCall {
                call: task_of(call),
            });
            self.touched = true;
        }
    }

    /// Ends the recording: the VM (with its own host services back) and the journal.
    ///
    /// # Errors
    /// If something could not be recorded (a host function answered with a non-plain value);
    /// the error says which.
    pub fn finish(mut self) -> Result<(Vm, Journal)> {
        self.sync()?;
        let log = std::mem::take(&mut *self.log.borrow_mut());
        if let Some((mut saved, passed)) = self.saved.take() {
            passed.restore(&mut saved);
            self.vm.with_host(|host| put_back(host, saved));
        }
        if let Some(why) = log.unrecordable {
            return Err(Error::msg(format!("cannot record this run: {why}")));
        }
        self.journal.entries = log.entries;
        Ok((self.vm, self.journal))
    }
}

/// The task a call's handle names.
fn task_of(call: &Call) -> Task {
    let (slot, serial) = (call.0).0.id();
    Task::Call(slot, serial)
}

/// A call handle for a recorded task (one that releases nothing when dropped).
fn call_of(task: Task) -> Option<Call> {
    match task {
        Task::Main => None,
        Task::Call(slot, serial) => Some(Call(Thread(Handle::named(slot, serial)))),
    }
}

/// Converts host values to plain data in `vm`.
fn plain(vm: &Vm, values: impl IntoLuaMulti) -> Result<Vec<Message>> {
    vm.enter(|cx| {
        let vals = values.into_lua_multi(cx)?;
        vals.iter()
            .map(|v| message::copy_out_plain(cx, v.0))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// Replay

/// Where and how a replay first differed from its recording.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// The step (1-based) during or after which it differed (0: before the first step).
    pub step: usize,
    /// The VM's total fuel used when it was noticed.
    pub fuel: u64,
    /// The index of the journal entry being replayed.
    pub entry: usize,
    /// What differed.
    pub what: String,
}

impl std::fmt::Display for Divergence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "replay diverged at step {} (fuel {}, journal entry {}): {}",
            self.step, self.fuel, self.entry, self.what
        )
    }
}

impl std::error::Error for Divergence {}

/// A replay that matched its recording.
pub struct Replayed {
    /// The VM in its final state.
    pub vm: Vm,
    /// Steps replayed.
    pub steps: usize,
    /// Everything the script wrote.
    pub output: Vec<u8>,
}

/// The replay's position in the journal, shared with the stubs in the VM's host.
struct Cursor {
    entries: Vec<Entry>,
    pos: usize,
    step: usize,
    /// The first difference a stub found inside a step.
    diverged: Option<String>,
}

type SharedCursor = Rc<RefCell<Cursor>>;

impl Cursor {
    /// The next entry if `want` accepts it; otherwise notes a divergence (`doing` says what
    /// the replay was doing) and returns `None`.
    fn take<T>(&mut self, doing: &str, want: impl FnOnce(&Entry) -> Option<T>) -> Option<T> {
        if self.diverged.is_some() {
            return None;
        }
        let got = self.entries.get(self.pos).and_then(want);
        match got {
            Some(t) => {
                self.pos += 1;
                Some(t)
            }
            None => {
                self.diverged = Some(format!(
                    "the script {doing}, where the recording has {}",
                    describe(self.entries.get(self.pos))
                ));
                None
            }
        }
    }
}

/// A journal entry in words.
fn describe(e: Option<&Entry>) -> String {
    match e {
        None => "nothing more".into(),
        Some(Entry::Step { fuel, .. }) => format!("the start of a step of {fuel} fuel"),
        Some(Entry::Stepped { result, .. }) => format!("the end of the step ({result})"),
        Some(Entry::Deliver { .. }) => "a delivery".into(),
        Some(Entry::StartCall { name, .. }) => format!("a call of '{name}'"),
        Some(Entry::CancelCall { .. }) => "a cancelled call".into(),
        Some(Entry::Host { name, .. }) => format!("a call of host function '{name}'"),
        Some(Entry::Resume { kind, .. }) => format!("a resume of wait kind '{kind}'"),
        Some(Entry::Clock(r)) => format!("a clock reading ({r:?})"),
        Some(Entry::Stdin(b)) => format!("a read of {} bytes of stdin", b.len()),
        Some(Entry::Released(_)) => "dropped handles".into(),
        Some(Entry::State(_)) => "a change the host made to the VM".into(),
    }
}

/// The error a stub raises to stop a diverged replay.
fn stop<'gc>() -> LuaError<'gc> {
    LuaError::Runtime("replay diverged".into())
}

struct ReplayFunction {
    name: &'static str,
    cursor: SharedCursor,
}

impl HostFunction for ReplayFunction {
    fn call<'gc>(&self, nc: &mut NativeCtx<'gc, '_>) -> LuaResult<'gc, Action<'gc>> {
        let args = {
            let cx = Context::new(nc.ctx, nc.ctx.state.host.borrow().handle_releases.clone());
            messages(&cx, nc.args()).ok()
        };
        let mut c = self.cursor.borrow_mut();
        let doing = format!("called host function '{}'", self.name);
        let Some((recorded, fuel, outcome)) = c.take(&doing, |e| match e {
            Entry::Host {
                name,
                args,
                fuel,
                outcome,
            } if name == self.name => Some((args.clone(), *fuel, outcome.clone())),
            _ => None,
        }) else {
            return Err(stop());
        };
        if recorded.is_some() && recorded != args {
            c.diverged = Some(format!(
                "host function '{}' was called with {:?}, where the recording has {:?}",
                self.name,
                args.unwrap_or_default(),
                recorded.unwrap_or_default()
            ));
            return Err(stop());
        }
        drop(c);
        apply(nc, fuel, &outcome)
    }
}

struct ReplayKind {
    kind: String,
    version: u32,
    cursor: SharedCursor,
}

impl HostWaitKind for ReplayKind {
    fn version(&self) -> u32 {
        self.version
    }

    fn resume<'gc>(
        &self,
        nc: &mut NativeCtx<'gc, '_>,
        _wait: HostWait<VmValue<'gc>>,
        delivered: bool,
    ) -> LuaResult<'gc, Action<'gc>> {
        let doing = format!("resumed a wait of kind '{}'", self.kind);
        let taken = self.cursor.borrow_mut().take(&doing, |e| match e {
            Entry::Resume {
                kind,
                delivered: d,
                fuel,
                outcome,
            } if *kind == self.kind && *d == delivered => Some((*fuel, outcome.clone())),
            _ => None,
        });
        match taken {
            Some((fuel, outcome)) => apply(nc, fuel, &outcome),
            None => Err(stop()),
        }
    }
}

struct ReplayClock {
    cursor: SharedCursor,
}

impl ReplayClock {
    fn take<T: Default>(&self, what: &str, f: impl FnOnce(&Reading) -> Option<T>) -> T {
        self.cursor
            .borrow_mut()
            .take(&format!("read the clock ({what})"), |e| match e {
                Entry::Clock(r) => f(r),
                _ => None,
            })
            .unwrap_or_default()
    }
}

impl Clock for ReplayClock {
    fn now(&self) -> f64 {
        self.take("now", |r| match r {
            Reading::Now(v) => Some(*v),
            _ => None,
        })
    }
    fn cpu_time(&self) -> f64 {
        self.take("cpu time", |r| match r {
            Reading::CpuTime(v) => Some(*v),
            _ => None,
        })
    }
    fn utc_offset(&self, _t: i64) -> i64 {
        self.take("UTC offset", |r| match r {
            Reading::UtcOffset(v) => Some(*v),
            _ => None,
        })
    }
    fn zone_name(&self, _t: i64) -> String {
        self.take("zone name", |r| match r {
            Reading::ZoneName(v) => Some(v.clone()),
            _ => None,
        })
    }
}

/// Stdin at replay: the recorded bytes, chunk by chunk as they were consumed. A read where
/// the recording consumed nothing sees the end of input (a replay that goes on to read more
/// than the recording did differs in output or state, which the step check reports).
struct ReplayStdin {
    cursor: SharedCursor,
    buf: Vec<u8>,
    at: usize,
}

impl ReplayStdin {
    fn refill(&mut self) {
        if self.at < self.buf.len() {
            return;
        }
        let mut c = self.cursor.borrow_mut();
        if let Some(Entry::Stdin(b)) = c.entries.get(c.pos) {
            self.buf = b.clone();
            self.at = 0;
            c.pos += 1;
        }
    }
}

impl Read for ReplayStdin {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        self.refill();
        let n = out.len().min(self.buf.len() - self.at);
        out[..n].copy_from_slice(&self.buf[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl BufRead for ReplayStdin {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.refill();
        Ok(&self.buf[self.at..])
    }
    fn consume(&mut self, amt: usize) {
        self.at = (self.at + amt).min(self.buf.len());
    }
}

/// Host functions and wait kinds that answer from the journal.
fn stubs(journal: &Journal, cursor: &SharedCursor) -> Registrations {
    let mut r = Registrations::default();
    for name in &journal.functions {
        let def = super::host::interned_def(name);
        r.add_function(
            name,
            Rc::new(ReplayFunction {
                name: def.name,
                cursor: cursor.clone(),
            }),
        );
    }
    for (kind, version) in &journal.wait_kinds {
        // (Interned as a host's registered names are: the journal names only what the
        // recording host registered.)
        r.wait_kinds.push((
            crate::snapshot::intern_name(kind),
            Rc::new(ReplayKind {
                kind: kind.clone(),
                version: *version,
                cursor: cursor.clone(),
            }),
        ));
    }
    r
}

/// Puts the stubs, the replayed clock and stdin, and output capture into a VM's host.
fn install_replay(vm: &mut Vm, stubs: &Registrations, cursor: &SharedCursor, output: &Output) {
    let (registrations, registry) = vm.registrations_mut();
    registrations.extend(stubs);
    let mut dummy = Host::default();
    stubs.install(registry, &mut dummy);
    vm.with_host(|host| {
        let mut saved = take_services(host);
        host.functions = saved.functions.clone();
        host.wait_kinds = saved.wait_kinds.clone();
        Rc::make_mut(&mut host.functions).extend(Rc::make_mut(&mut dummy.functions).drain());
        Rc::make_mut(&mut host.wait_kinds).extend(Rc::make_mut(&mut dummy.wait_kinds).drain());
        host.clock = Box::new(ReplayClock {
            cursor: cursor.clone(),
        });
        host.stdin = Box::new(ReplayStdin {
            cursor: cursor.clone(),
            buf: Vec::new(),
            at: 0,
        });
        let _ = capture_output(host, &mut saved, output, false);
    });
}

/// What a replay carries from entry to entry.
struct Replay {
    cursor: SharedCursor,
    output: Output,
    stubs: Registrations,
    /// What restoring a recorded state needs (userdata types, host functions).
    registrations: Registrations,
    memory_limit: Option<u64>,
}

impl Replay {
    fn new(journal: &Journal) -> Replay {
        let cursor: SharedCursor = Rc::new(RefCell::new(Cursor {
            entries: journal.entries.clone(),
            pos: 0,
            step: 0,
            diverged: None,
        }));
        let stubs = stubs(journal, &cursor);
        Replay {
            cursor,
            output: Rc::default(),
            stubs,
            registrations: Registrations::default(),
            memory_limit: journal.memory_limit,
        }
    }

    /// A VM restored from recorded bytes, with the replay's services.
    fn restore(&self, bytes: &[u8], opts: VmOptions) -> Result<Vm> {
        let mut vm = opts
            .registrations(&self.registrations)
            .registrations(&self.stubs)
            .memory_budget(self.memory_limit)
            .restore(bytes)?;
        install_replay(&mut vm, &self.stubs, &self.cursor, &self.output);
        Ok(vm)
    }
}

/// Replays `journal` from its initial snapshot. `opts` supplies what restoring needs besides
/// host functions and wait kinds (which the journal answers for): userdata types, and any
/// options. Every step must give the recorded result, fuel, output and state.
///
/// # Errors
/// The first [`Divergence`] (also for a snapshot that does not restore).
pub fn replay(journal: &Journal, opts: VmOptions) -> std::result::Result<Replayed, Divergence> {
    let mut r = Replay::new(journal);
    r.registrations = opts.registrations.clone();
    let vm = r.restore(&journal.initial, opts).map_err(|e| {
        divergence(
            0,
            0,
            0,
            format!("the initial snapshot does not restore: {e}"),
        )
    })?;
    r.run(vm)
}

/// Replays `journal` against `vm` instead of the recorded initial state: the host built it
/// again the way it built the recorded one (say, from a script that may have changed since).
/// A difference in the starting state shows as a divergence at the first step it affects.
///
/// # Errors
/// The first [`Divergence`].
pub fn replay_from(journal: &Journal, mut vm: Vm) -> std::result::Result<Replayed, Divergence> {
    let mut r = Replay::new(journal);
    r.registrations = vm.registrations().clone();
    vm.set_memory_limit(journal.memory_limit);
    install_replay(&mut vm, &r.stubs, &r.cursor, &r.output);
    r.run(vm)
}

fn divergence(step: usize, fuel: u64, entry: usize, what: String) -> Divergence {
    Divergence {
        step,
        fuel,
        entry,
        what,
    }
}

impl Replay {
    fn run(&self, mut vm: Vm) -> std::result::Result<Replayed, Divergence> {
        let (cursor, output) = (&self.cursor, &self.output);
        let mut all_output = Vec::new();
        loop {
            let (entry, at, step) = {
                let c = cursor.borrow();
                match c.entries.get(c.pos) {
                    None => break,
                    Some(e) => (e.clone(), c.pos, c.step),
                }
            };
            let fail = |vm: &Vm, what: String| divergence(step, vm.fuel_used(), at, what);
            cursor.borrow_mut().pos += 1;
            match entry {
                Entry::Step { task, fuel } => {
                    cursor.borrow_mut().step += 1;
                    let step = step + 1;
                    output.borrow_mut().clear();
                    let r = match call_of(task) {
                        None => vm.step(fuel),
                        Some(c) => vm.step_call(&c, fuel),
                    };
                    let fail = |vm: &Vm, at: usize, what: String| {
                        divergence(step, vm.fuel_used(), at, what)
                    };
                    let mut c = cursor.borrow_mut();
                    if let Some(what) = c.diverged.take() {
                        return Err(fail(&vm, c.pos, what));
                    }
                    let at = c.pos;
                    let Some(Entry::Stepped {
                        result,
                        fuel_used,
                        output: recorded,
                        state,
                    }) = c.entries.get(at).cloned()
                    else {
                        return Err(fail(
                        &vm,
                        at,
                        format!(
                            "the step ended ({r:?}) before the script did what the recording has next: {}",
                            describe(c.entries.get(at))
                        ),
                    ));
                    };
                    c.pos += 1;
                    drop(c);
                    let out = std::mem::take(&mut *output.borrow_mut());
                    if out != recorded {
                        return Err(fail(
                            &vm,
                            at,
                            format!(
                                "output differs: {:?}, where the recording has {:?}",
                                String::from_utf8_lossy(&out),
                                String::from_utf8_lossy(&recorded)
                            ),
                        ));
                    }
                    let got = format!("{r:?}");
                    if got != result {
                        return Err(fail(
                            &vm,
                            at,
                            format!("result {got}, where the recording has {result}"),
                        ));
                    }
                    if vm.fuel_used() != fuel_used {
                        return Err(fail(
                            &vm,
                            at,
                            format!(
                                "fuel used {}, where the recording has {fuel_used}",
                                vm.fuel_used()
                            ),
                        ));
                    }
                    let now = vm.save().map(|b| digest(&b)).unwrap_or(0);
                    if now != state {
                        return Err(fail(
                            &vm,
                            at,
                            "the VM's state (snapshot bytes) differs from the recording's".into(),
                        ));
                    }
                    all_output.extend_from_slice(&out);
                }
                Entry::Deliver { task, values } => {
                    let r = match call_of(task) {
                        None => vm.deliver(Variadic(values)),
                        Some(c) => vm.deliver_call(&c, Variadic(values)),
                    };
                    r.map_err(|e| fail(&vm, format!("the delivery failed: {e}")))?;
                }
                Entry::StartCall { name, args, call } => {
                    let f: super::Function = vm
                        .global(&name)
                        .map_err(|e| fail(&vm, format!("cannot call '{name}': {e}")))?;
                    let c = vm
                        .start_call(&f, Variadic(args))
                        .map_err(|e| fail(&vm, format!("cannot call '{name}': {e}")))?;
                    if task_of(&c) != call {
                        return Err(fail(
                            &vm,
                            format!("the call of '{name}' got another handle"),
                        ));
                    }
                    // The recording's host kept the handle; so does this replay (the call is
                    // named by its slot, and the slot stays held as it did).
                    std::mem::forget(c);
                    drop(f);
                }
                Entry::CancelCall { call } => {
                    if let Some(c) = call_of(call) {
                        vm.cancel_call(&c);
                    }
                }
                Entry::Released(slots) => vm.releases().borrow_mut().extend(slots),
                Entry::State(bytes) => {
                    vm = self.restore(&bytes, VmOptions::new()).map_err(|e| {
                        fail(&vm, format!("a recorded state does not restore: {e}"))
                    })?;
                }
                other => {
                    return Err(fail(
                        &vm,
                        format!(
                            "the recording has {} between steps, where the replay has nothing",
                            describe(Some(&other))
                        ),
                    ))
                }
            }
        }
        let steps = cursor.borrow().step;
        // Plain host services back (the stubs stay: they have nothing more to answer).
        vm.with_host(|host| {
            let mut d = Host::default();
            let mut plain = take_services(&mut d);
            plain.functions = std::mem::take(&mut host.functions);
            plain.wait_kinds = std::mem::take(&mut host.wait_kinds);
            put_back(host, plain);
        });
        Ok(Replayed {
            vm,
            steps,
            output: all_output,
        })
    }
}
