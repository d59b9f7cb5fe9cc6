//! `telelua`: runs Lua scripts like the `lua` command, plus fuel/memory/snapshot options.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::process::ExitCode;

use telelua::Host;
use telelua::Registry;
use telelua::{ExitRequest, HostValue, Profile, StepResult, Vm};

/// The usage text after `usage: PROGNAME`.
const USAGE: &str = " [options] [script [args]]
Available options are:
  -e stat   execute string 'stat'
  -i        enter interactive mode after executing 'script'
  -l mod    require library 'mod' into global 'mod'
  -l g=mod  require library 'mod' into global 'g'
  -v        show version information
  -E        ignore environment variables
  -W        turn warnings on
  --        stop handling options
  -         stop handling options and execute stdin
  --sandbox            run with the sandbox library profile
  --fuel N             total fuel budget (error 'fuel exhausted' when spent)
  --dump FILE          print the bytecode of FILE
  --snapshot-every N   every N fuel units, save the VM to bytes, drop it, restore and continue
  --fork-every N       every N fuel units, capture the VM as an in-memory image, drop it,
                       fork the image and continue
  --save-at N --save FILE   stop after N fuel units and write a snapshot to FILE
  --resume FILE        continue a run saved with --save
  --max-memory BYTES   memory budget (error 'not enough memory' beyond it; k/m/g suffixes)
  --stats              print the fuel used, peak memory and a digest of the final state's
                       snapshot to stderr when the run ends
  --record FILE        run the script and write its journal (inputs, outputs, fuel and a
                       digest of the state after every step) to FILE
  --replay FILE        replay a journal: the same output, fuel and states, or the first
                       divergence; with a script, replay against it loaded again
";

#[path = "telelua/interrupt.rs"]
mod interrupt;
#[path = "telelua/record.rs"]
mod record;

/// How much fuel the CLI gives each `step`.
const STEP_FUEL: u64 = 1_000_000;

/// A `-e` or `-l` option, run in command-line order before the script.
enum Pre {
    /// `-e stat`: a chunk to run.
    Code(String),
    /// `-l [g=]mod`: `g = require(mod)` (`g` is `mod` without `g=`).
    Library(String),
}

struct Options {
    execute: Vec<Pre>,
    /// `-E`: no `LUA_INIT`, and `package.path`/`cpath` ignore `LUA_PATH`/`LUA_CPATH`.
    ignore_env: bool,
    interactive: bool,
    version: bool,
    warnings: bool,
    sandbox: bool,
    fuel: Option<u64>,
    stats: bool,
    max_memory: Option<u64>,
    dump: Option<String>,
    snapshot_every: Option<u64>,
    fork_every: Option<u64>,
    save_at: Option<u64>,
    save: Option<String>,
    resume: Option<String>,
    record: Option<String>,
    replay: Option<String>,
    script: Option<String>,
    script_index: usize,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut o = Options {
        execute: Vec::new(),
        ignore_env: false,
        interactive: false,
        version: false,
        warnings: false,
        sandbox: false,
        fuel: None,
        dump: None,
        snapshot_every: None,
        fork_every: None,
        stats: false,
        max_memory: None,
        save_at: None,
        save: None,
        resume: None,
        record: None,
        replay: None,
        script: None,
        script_index: args.len(),
    };
    let mut i = 1;
    let value = |i: usize, name: &str| -> Result<String, String> {
        args.get(i + 1)
            .cloned()
            .ok_or_else(|| format!("'{name}' needs argument"))
    };
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-e" => {
                o.execute.push(Pre::Code(value(i, "-e")?));
                i += 2;
                continue;
            }
            "-l" => {
                o.execute.push(Pre::Library(value(i, "-l")?));
                i += 2;
                continue;
            }
            "-i" => o.interactive = true,
            "-v" => o.version = true,
            "-E" => o.ignore_env = true,
            "-W" => o.warnings = true,
            "--sandbox" => o.sandbox = true,
            "--fuel" => {
                o.fuel = Some(
                    value(i, a)?
                        .parse()
                        .map_err(|_| format!("bad number for '{a}'"))?,
                );
                i += 2;
                continue;
            }
            "--dump" => {
                o.dump = Some(value(i, a)?);
                i += 2;
                continue;
            }
            "--snapshot-every" | "--fork-every" | "--save-at" => {
                let n: u64 = value(i, a)?
                    .parse()
                    .map_err(|_| format!("bad number for '{a}'"))?;
                if n == 0 {
                    return Err(format!("'{a}' needs a positive number"));
                }
                match a {
                    "--snapshot-every" => o.snapshot_every = Some(n),
                    "--fork-every" => o.fork_every = Some(n),
                    _ => o.save_at = Some(n),
                }
                i += 2;
                continue;
            }
            "--save" => {
                o.save = Some(value(i, a)?);
                i += 2;
                continue;
            }
            "--resume" => {
                o.resume = Some(value(i, a)?);
                i += 2;
                continue;
            }
            "--record" => {
                o.record = Some(value(i, a)?);
                i += 2;
                continue;
            }
            "--replay" => {
                o.replay = Some(value(i, a)?);
                i += 2;
                continue;
            }
            "--stats" => o.stats = true,
            "--max-memory" => {
                o.max_memory =
                    Some(parse_bytes(&value(i, a)?).ok_or_else(|| format!("bad size for '{a}'"))?);
                i += 2;
                continue;
            }
            "--" => {
                if i + 1 < args.len() {
                    o.script = Some(args[i + 1].clone());
                    o.script_index = i + 1;
                }
                return Ok(o);
            }
            "-" => {
                o.script = Some("-".into());
                o.script_index = i;
                return Ok(o);
            }
            _ if a.starts_with("-e") && a.len() > 2 => {
                o.execute.push(Pre::Code(a[2..].to_string()))
            }
            _ if a.starts_with("-l") && a.len() > 2 => {
                o.execute.push(Pre::Library(a[2..].to_string()))
            }
            _ if a.starts_with('-') => return Err(format!("unrecognized option '{a}'")),
            _ => {
                o.script = Some(a.to_string());
                o.script_index = i;
                return Ok(o);
            }
        }
        i += 1;
    }
    Ok(o)
}

/// Snapshot behaviour of a run.
struct Snap {
    /// `--snapshot-every`: round trip through bytes.
    every: Option<u64>,
    /// `--fork-every`: round trip through an in-memory image and a fork of it.
    fork_every: Option<u64>,
    save_at: Option<u64>,
    save: Option<String>,
    warnings: bool,
    sandbox: bool,
    max_memory: Option<u64>,
    /// `--stats`: printed when the process ends (also by `os.exit`).
    stats: bool,
}

/// Host services for a VM of this process (output to our stdout).
fn make_host(warnings: bool, sandbox: bool) -> Host {
    host_with_env(warnings, sandbox, false)
}

/// [`make_host`] for a new VM, whose libraries ignore the environment with `-E`.
fn host_with_env(warnings: bool, sandbox: bool, ignore_env: bool) -> Host {
    Host {
        stdout: Box::new(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        )),
        warnings_on: warnings,
        // Like `lua`: real time (the library default is a frozen virtual clock) and stdin.
        clock: Box::new(telelua::SystemClock::new()),
        stdin: Box::new(std::io::BufReader::new(std::io::stdin())),
        // Only standalone VMs have `require`/`loadfile`/`dofile`; a sandbox snapshot resumed
        // here still cannot read files.
        read_files: !sandbox,
        ignore_env,
        ..Host::default()
    }
}

/// What a run ended with.
enum Outcome {
    /// With the values the chunk returned.
    Ok(Vec<telelua::Value>),
    Failed,
    Saved,
}

/// Runs the loaded chunk to completion (or to the `--save-at` point).
/// With `--stats`, a digest of the VM's snapshot where the script's run ended, before the
/// VM is closed (closing collects everything, which resets the collector's counters): a run
/// through snapshots or forks must end in the same state, down to those counters, as an
/// uninterrupted one (`tests/scripts.rs` compares the line).
fn end_digest(vm: &Vm, stats: bool) -> Option<String> {
    stats.then(|| match vm.save() {
        Ok(bytes) => format!("{:016x}", telelua::record::digest(&bytes)),
        // (Not the error's text: it can name a temporary file, which differs between runs.)
        Err(_) => "none (the VM cannot be saved where its run ended)".to_string(),
    })
}

/// Flushes the script's output and, with `--stats` (`digest` from [`end_digest`]), reports
/// the state digest and the fuel used (after the output, so the lines are always last on
/// stderr).
fn finish(vm: &Vm, digest: Option<String>) {
    vm.with_host(|h| {
        let _ = h.stdout.flush();
    });
    if let Some(digest) = digest {
        eprintln!("{}: state digest: {digest}", progname());
        eprintln!("{}: peak memory: {}", progname(), vm.memory_peak());
        eprintln!("{}: fuel used: {}", progname(), vm.fuel_used());
    }
}

/// Parses a byte count with an optional k/m/g suffix (powers of 1024).
fn parse_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let (digits, mult) = match s.char_indices().last()? {
        (i, 'k' | 'K') => (&s[..i], 1u64 << 10),
        (i, 'm' | 'M') => (&s[..i], 1 << 20),
        (i, 'g' | 'G') => (&s[..i], 1 << 30),
        _ => (s, 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(mult)
}

/// Closes the VM as `lua.c` closes its state at exit (pending finalizers and those of every
/// object still marked run, under the same fuel and snapshot options); not after `--save`.
fn close(vm: &mut Vm, outcome: &Outcome, fuel_left: &mut Option<u64>, snap: &Snap) {
    // (With the fuel budget spent there is none to close with: "fuel exhausted" once.)
    if matches!(outcome, Outcome::Saved) || *fuel_left == Some(0) || !vm.begin_close() {
        return;
    }
    let snap = Snap {
        save_at: None,
        save: None,
        ..*snap
    };
    run(vm, fuel_left, &snap);
}

/// `os.exit`, as `lua.c`'s: closes the VM first if asked (`lua_close`, under the same fuel
/// and snapshot options), then ends the process with the status.
fn exit(vm: &mut Vm, request: ExitRequest, fuel_left: &mut Option<u64>, snap: &Snap) -> ! {
    let digest = end_digest(vm, snap.stats);
    if request.close && vm.begin_close() {
        let snap = Snap {
            save_at: None,
            save: None,
            ..*snap
        };
        run(vm, fuel_left, &snap);
    }
    finish(vm, digest);
    std::process::exit(request.code)
}

fn run(vm: &mut Vm, fuel_left: &mut Option<u64>, snap: &Snap) -> Outcome {
    let ctrl_c = interrupt::Armed::new();
    loop {
        let mut budget = match fuel_left {
            Some(0) => {
                report(vm, "fuel exhausted", "");
                return Outcome::Failed;
            }
            Some(n) => (*n).min(STEP_FUEL),
            None => STEP_FUEL,
        };
        if let Some(n) = snap.every {
            budget = budget.min(n);
        }
        if let Some(n) = snap.fork_every {
            budget = budget.min(n);
        }
        if let Some(at) = snap.save_at {
            let used = vm.fuel_used();
            if used >= at {
                return save_to_file(vm, snap);
            }
            budget = budget.min(at - used);
        }
        let before = vm.fuel_used();
        let r = vm.step(budget);
        if let Some(n) = fuel_left {
            *n = n.saturating_sub(vm.fuel_used() - before);
        }
        match r {
            StepResult::OutOfFuel => {
                if snap.every.is_some() {
                    let restored = vm.save().and_then(|bytes| {
                        Vm::restore_with(
                            &bytes,
                            Registry::standard(),
                            make_host(snap.warnings, snap.sandbox),
                            None,
                        )
                    });
                    if !replace(vm, restored, "snapshot round trip", snap) {
                        return Outcome::Failed;
                    }
                }
                if snap.fork_every.is_some() {
                    // The image is dropped here and the old VM when the fork replaces it: the
                    // fork must depend on neither.
                    let forked = vm
                        .image()
                        .and_then(|image| image.fork_with(make_host(snap.warnings, snap.sandbox)));
                    if !replace(vm, forked, "fork round trip", snap) {
                        return Outcome::Failed;
                    }
                }
                // (After the round trips: a snapshot does not keep the raise.)
                if ctrl_c.take() {
                    vm.raise_error("interrupted!");
                }
            }
            StepResult::Finished(values) => return Outcome::Ok(values),
            StepResult::Yielded(_) => {
                report(vm, "attempt to yield from outside a coroutine", "");
                return Outcome::Failed;
            }
            StepResult::Error(e) => {
                report(vm, &e.message, &e.traceback);
                return Outcome::Failed;
            }
            // The CLI registers no waiting host functions: `os.exit` is the only wait.
            StepResult::Waiting { kind } => {
                if let Some(request) = vm.exit_request() {
                    exit(vm, request, fuel_left, snap);
                }
                report(vm, &format!("the script waits for the host ({kind})"), "");
                return Outcome::Failed;
            }
        }
    }
}

/// Puts a restored or forked VM in place of `vm`; false (after reporting) when it failed.
fn replace(vm: &mut Vm, new: Result<Vm, telelua::SnapshotError>, what: &str, snap: &Snap) -> bool {
    match new {
        Ok(mut v) => {
            v.set_memory_limit(snap.max_memory);
            *vm = v;
            true
        }
        // A VM holding an open file cannot be saved (files are host resources): this round
        // trip is skipped and the VM continues as it is, until a later one can be made.
        Err(telelua::SnapshotError::OpenFile(_)) => true,
        Err(e) => {
            report(vm, &format!("{what} failed: {e}"), "");
            false
        }
    }
}

fn save_to_file(vm: &Vm, snap: &Snap) -> Outcome {
    vm.with_host(|h| {
        let _ = h.stdout.flush();
    });
    let Some(path) = &snap.save else {
        eprintln!("{}: --save-at needs --save FILE", progname());
        return Outcome::Failed;
    };
    match vm
        .save()
        .map_err(|e| e.to_string())
        .and_then(|b| std::fs::write(path, b).map_err(|e| e.to_string()))
    {
        Ok(()) => Outcome::Saved,
        Err(e) => {
            eprintln!("{}: cannot save snapshot to {path}: {e}", progname());
            Outcome::Failed
        }
    }
}

/// The name messages start with: `argv[0]` as the command was invoked, as `lua.c`'s
/// `progname` (so `./telelua`, `telelua` on the `PATH` and a link named `lua` each report
/// under their own name); `telelua` when the system gives none.
static PROGNAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();

fn progname() -> &'static str {
    PROGNAME.get().map_or("telelua", String::as_str)
}

/// The `-v` line. It ends as `lua.c`'s copyright line does (the official `main.lua` checks
/// for "PUC-Rio" before the next line): the language is Lua 5.4.4, by Lua.org, PUC-Rio.
fn banner() -> String {
    format!(
        "telelua {}  Lua 5.4.4 (the language) Copyright (C) 1994-2022 Lua.org, PUC-Rio",
        env!("CARGO_PKG_VERSION")
    )
}

thread_local! {
    /// The interactive loop is running (`lua.c` clears `progname` meanwhile).
    static IN_REPL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn report(vm: &Vm, msg: &str, traceback: &str) {
    vm.with_host(|h| {
        let _ = h.stdout.flush();
    });
    let mut err = std::io::stderr();
    // (The interactive loop's messages have no program name, as `lua.c`'s.)
    if IN_REPL.get() {
        let _ = writeln!(err, "{msg}");
    } else {
        let _ = writeln!(err, "{}: {msg}", progname());
    }
    if !traceback.is_empty() {
        let _ = writeln!(err, "{traceback}");
    }
}

fn load_and_run(
    vm: &mut Vm,
    source: &[u8],
    name: &str,
    args: &[HostValue],
    fuel: &mut Option<u64>,
    snap: &Snap,
) -> Outcome {
    if let Err(e) = vm.load_with_args(source, name, args) {
        report(vm, &e.message, "");
        return Outcome::Failed;
    }
    run(vm, fuel, snap)
}

/// Runs the script: its arguments are the `arg` table's elements when it starts (earlier
/// `-e` chunks may have changed them), as `lua.c`'s `pushargs` reads them.
fn load_script(
    vm: &mut Vm,
    source: &[u8],
    name: &str,
    fuel: &mut Option<u64>,
    snap: &Snap,
) -> Outcome {
    if let Err(e) = vm.load_with_arg_table(source, name) {
        report(vm, &e.message, "");
        return Outcome::Failed;
    }
    run(vm, fuel, snap)
}

/// `lua.c`'s `handle_luainit`: runs `LUA_INIT_5_4` (else `LUA_INIT`) before anything else
/// on the command line: the named file when it starts with `@`, else the variable's text as
/// a chunk named `LUA_INIT`.
fn lua_init(vm: &mut Vm, fuel: &mut Option<u64>, snap: &Snap) -> Outcome {
    use std::os::unix::ffi::OsStringExt;
    let Some((init, var)) = ["LUA_INIT_5_4", "LUA_INIT"]
        .into_iter()
        .find_map(|v| std::env::var_os(v).map(|s| (s.into_vec(), v)))
    else {
        return Outcome::Ok(Vec::new());
    };
    match init.strip_prefix(b"@") {
        Some(path) => {
            let path = String::from_utf8_lossy(path).into_owned();
            match std::fs::read(&path) {
                Ok(src) => {
                    let src = telelua::file_source(&src);
                    load_and_run(vm, &src, &format!("@{path}"), &[], fuel, snap)
                }
                Err(e) => {
                    eprintln!("{}: cannot open {path}: {e}", progname());
                    Outcome::Failed
                }
            }
        }
        None => load_and_run(vm, &init, &format!("={var}"), &[], fuel, snap),
    }
}

/// The interactive loop, like `lua`'s: an input line is first tried as an expression whose
/// values are printed, then as a statement; incomplete input continues on the next line.
fn repl(vm: &mut Vm, fuel: &mut Option<u64>, snap: &Snap) {
    let stdin = std::io::stdin();
    // Input that is not a terminal is echoed after the prompt, as `lua5.4` built with
    // readline (Debian's, the reference) does, so the output reads like the session
    // (readline ends the echo with a line break unless nothing at all was shown).
    let echo = !stdin.is_terminal();
    let mut input = stdin.lock().lines();
    let mut next_line = move |prompt: &str| {
        let line = input.next()?.ok()?;
        if echo && !(prompt.is_empty() && line.is_empty()) {
            println!("{line}");
        }
        Some(line)
    };
    // `_PROMPT` and `_PROMPT2` through `tostring` unless nil, as `lua.c`'s `get_prompt`.
    let prompt = |vm: &mut Vm, first: bool| {
        let (name, default) = if first {
            ("_PROMPT", "> ")
        } else {
            ("_PROMPT2", ">> ")
        };
        let code = format!("local p = {name} if p ~= nil then return tostring(p) end");
        let p = match vm.eval::<Option<telelua::Bytes>>(&code) {
            Ok(Some(p)) => String::from_utf8_lossy(&p.0).into_owned(),
            _ => default.to_string(),
        };
        print!("{p}");
        let _ = std::io::stdout().flush();
        p
    };
    loop {
        let shown = prompt(vm, true);
        let Some(first) = next_line(&shown) else {
            println!();
            return;
        };
        let line = match first.strip_prefix('=') {
            Some(rest) => format!("return {rest}"),
            None => first,
        };
        // An expression: print its values (if any) with the global `print`, whose failure
        // is reported as `lua.c`'s `l_print` words it.
        let expr = format!(
            "return (function(...) if select('#', ...) > 0 then {L_PRINT} end end)({}\n)",
            line.strip_prefix("return ").unwrap_or(&line)
        );
        let mut chunk = if vm.load(expr.as_bytes(), "=stdin").is_ok() {
            expr
        } else {
            line
        };
        // A statement, possibly spanning several lines.
        loop {
            match vm.load(chunk.as_bytes(), "=stdin") {
                Err(e) if e.message.ends_with("<eof>") => {
                    let shown = prompt(vm, false);
                    match next_line(&shown) {
                        Some(more) => {
                            chunk.push('\n');
                            chunk.push_str(&more);
                        }
                        _ => return,
                    }
                }
                _ => break,
            }
        }
        IN_REPL.set(true);
        if let Outcome::Ok(values) = load_and_run(vm, chunk.as_bytes(), "=stdin", &[], fuel, snap) {
            // A statement that returns values (`return` over several lines).
            if !values.is_empty() {
                print_results(vm, values, fuel);
            }
        }
        IN_REPL.set(false);
        vm.with_host(|h| {
            let _ = h.stdout.flush();
        });
    }
}

/// `lua.c`'s `l_print` in Lua: the values `...` printed with the global `print`, whose failure
/// is worded as there.
const L_PRINT: &str = "local ok, e = pcall(print, ...) \
    if not ok then error(\"error calling 'print' (\" .. tostring(e) .. \")\", 0) end";

/// Prints what an interactive chunk returned with the global `print`, whose failure is
/// reported as `lua.c`'s `l_print` words it.
fn print_results(vm: &mut Vm, values: Vec<telelua::Value>, fuel: &mut Option<u64>) {
    let call = vm
        .load_function(L_PRINT.as_bytes(), "=stdin")
        .and_then(|f| vm.start_call(f, telelua::Variadic(values)));
    let call = match call {
        Ok(call) => call,
        Err(e) => return report(vm, &e.to_string(), ""),
    };
    loop {
        let budget = fuel.map_or(STEP_FUEL, |n| n.min(STEP_FUEL));
        let before = vm.fuel_used();
        let r = vm.step_call(&call, budget);
        if let Some(n) = fuel {
            *n = n.saturating_sub(vm.fuel_used() - before);
        }
        match r {
            StepResult::OutOfFuel if *fuel != Some(0) => {}
            StepResult::OutOfFuel => return report(vm, "fuel exhausted", ""),
            StepResult::Error(e) => return report(vm, &e.message, &e.traceback),
            _ => return,
        }
    }
}

fn main() -> ExitCode {
    // (Arguments that are not UTF-8 arrive with U+FFFD in place of the bad bytes: `args()`
    // would panic.)
    let args: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if let Some(name) = args.first().filter(|a| !a.is_empty()) {
        let _ = PROGNAME.set(name.clone());
    }
    let opts = match parse(&args) {
        Ok(o) => o,
        Err(msg) => {
            eprintln!("{}: {msg}", progname());
            eprint!("usage: {}{USAGE}", progname());
            return ExitCode::from(1);
        }
    };
    if let Some(path) = &opts.dump {
        let src = match std::fs::read(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{}: cannot open {path}: {e}", progname());
                return ExitCode::from(1);
            }
        };
        let src = telelua::file_source(&src);
        return match telelua::disassemble(&src, &format!("@{path}")) {
            Ok(listing) => {
                print!("{listing}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{}: {e}", progname());
                ExitCode::from(1)
            }
        };
    }
    let profile = if opts.sandbox {
        Profile::Sandbox
    } else {
        Profile::Standalone
    };
    let script_args: Vec<String> = args.iter().skip(opts.script_index + 1).cloned().collect();
    let make = || {
        let host = host_with_env(opts.warnings, opts.sandbox, opts.ignore_env);
        let mut vm = Vm::with_profile(profile, host);
        vm.set_memory_limit(opts.max_memory);
        vm.set_main_message_handler(true);
        vm
    };
    if let Some(path) = &opts.replay {
        let script = opts.script.as_deref().map(|s| (s, &script_args[..]));
        return record::replay_file(make, path, script);
    }
    if let Some(path) = &opts.record {
        let Some(script) = opts.script.as_deref() else {
            eprintln!("{}: --record needs a script", progname());
            return ExitCode::from(1);
        };
        let step = opts.fuel.unwrap_or(STEP_FUEL).min(STEP_FUEL);
        return record::record(make, script, &script_args, step, path);
    }
    let snap = Snap {
        every: opts.snapshot_every,
        fork_every: opts.fork_every,
        save_at: opts.save_at,
        save: opts.save.clone(),
        warnings: opts.warnings,
        sandbox: opts.sandbox,
        max_memory: opts.max_memory,
        stats: opts.stats,
    };
    let mut fuel = opts.fuel;
    if let Some(path) = &opts.resume {
        let restored = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                Vm::restore_with(
                    &b,
                    Registry::standard(),
                    make_host(opts.warnings, opts.sandbox),
                    None,
                )
                .map_err(|e| e.to_string())
            });
        let mut vm = match restored {
            Ok(mut vm) => {
                vm.set_memory_limit(opts.max_memory);
                vm
            }
            Err(e) => {
                eprintln!("{}: cannot resume from {path}: {e}", progname());
                return ExitCode::from(1);
            }
        };
        let outcome = run(&mut vm, &mut fuel, &snap);
        let digest = end_digest(&vm, opts.stats);
        close(&mut vm, &outcome, &mut fuel, &snap);
        finish(&vm, digest);
        return match outcome {
            Outcome::Failed => ExitCode::from(1),
            _ => ExitCode::SUCCESS,
        };
    }
    let mut vm = make();
    if opts.version {
        println!("{}", banner());
    }
    // The `arg` table: interpreter and options at negative indices, script at 0.
    // telelua's own options (`lua` has none of them) are left out: a run with them must be
    // the same program as one without — a run saved and resumed, or round-tripped, is
    // compared with a plain one — so the same heap, count and fuel.
    let script_index = opts.script_index.min(args.len());
    let mut kept = Vec::with_capacity(args.len());
    let mut dropped = 0;
    let mut i = 0;
    while i < args.len() {
        let own = match args[i].as_str() {
            "--sandbox" | "--stats" => Some(1),
            "--fuel" | "--dump" | "--snapshot-every" | "--fork-every" | "--save-at" | "--save"
            | "--resume" | "--max-memory" | "--record" | "--replay" => Some(2),
            _ => None,
        };
        if let (true, Some(n)) = (i < script_index, own) {
            let n = n.min(script_index - i);
            dropped += n;
            i += n;
            continue;
        }
        kept.push(HostValue::Str(args[i].as_bytes().to_vec()));
        i += 1;
    }
    let all = kept;
    let first = -((script_index - dropped) as i64);
    vm.set_global_list("arg", first, &all);
    let mut outcome = Outcome::Ok(Vec::new());
    if !opts.ignore_env {
        outcome = lua_init(&mut vm, &mut fuel, &snap);
    }
    for pre in &opts.execute {
        if !matches!(outcome, Outcome::Ok(_)) {
            break;
        }
        outcome = match pre {
            Pre::Code(chunk) => load_and_run(
                &mut vm,
                chunk.as_bytes(),
                "=(command line)",
                &[],
                &mut fuel,
                &snap,
            ),
            Pre::Library(spec) => {
                // `lua.c`'s `dolibrary`: `g=mod` or `mod` alone.
                let (global, module) = spec.split_once('=').unwrap_or((spec, spec));
                let args = [global, module].map(|s| HostValue::Str(s.as_bytes().to_vec()));
                let code = b"local global, module = ...\n_ENV[global] = require(module)";
                load_and_run(&mut vm, code, "=(command line)", &args, &mut fuel, &snap)
            }
        };
    }
    if matches!(outcome, Outcome::Ok(_)) {
        match opts.script.as_deref() {
            Some("-") => {
                let mut src = Vec::new();
                let _ = std::io::stdin().read_to_end(&mut src);
                let src = telelua::file_source(&src);
                outcome = load_script(&mut vm, &src, "=stdin", &mut fuel, &snap);
            }
            Some(path) => match std::fs::read(path) {
                Ok(src) => {
                    let src = telelua::file_source(&src);
                    outcome = load_script(&mut vm, &src, &format!("@{path}"), &mut fuel, &snap)
                }
                Err(e) => {
                    eprintln!("{}: cannot open {path}: {e}", progname());
                    outcome = Outcome::Failed;
                }
            },
            None => {
                if opts.execute.is_empty() && !opts.version && !opts.interactive {
                    if std::io::stdin().is_terminal() {
                        println!("{}", banner());
                        repl(&mut vm, &mut fuel, &snap);
                    } else {
                        let mut src = Vec::new();
                        let _ = std::io::stdin().read_to_end(&mut src);
                        outcome = load_and_run(&mut vm, &src, "=stdin", &[], &mut fuel, &snap);
                    }
                }
            }
        }
    }
    if matches!(outcome, Outcome::Ok(_)) && opts.interactive {
        if opts.script.is_none() && !opts.version {
            println!("{}", banner());
        }
        repl(&mut vm, &mut fuel, &snap);
    }
    let ok = !matches!(outcome, Outcome::Failed);
    let digest = end_digest(&vm, opts.stats);
    close(&mut vm, &outcome, &mut fuel, &snap);
    finish(&vm, digest);
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
