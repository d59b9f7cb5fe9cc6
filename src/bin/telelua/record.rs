//! `--record FILE` and `--replay FILE`: a run's journal (see `telelua::record`), written while
//! the script runs and replayed later, byte for byte, without its stdin or clock.

use std::io::Write;
use std::process::ExitCode;

use telelua::record::{replay, replay_from, Journal, Recorder};
use telelua::{ExitRequest, HostValue, StepResult, Vm};

/// Builds the VM a recorded or replayed script runs in: the script's source loaded, with
/// `arg` holding only the script and its arguments (so the recording's and the replay's
/// command lines, which differ, build the same state).
fn script_vm(
    make: impl FnOnce() -> Vm,
    script: &str,
    script_args: &[String],
) -> Result<Vm, String> {
    let mut vm = make();
    let src = std::fs::read(script).map_err(|e| format!("cannot open {script}: {e}"))?;
    let src = telelua::file_source(&src);
    let mut all = vec![HostValue::Str(script.as_bytes().to_vec())];
    all.extend(
        script_args
            .iter()
            .map(|a| HostValue::Str(a.as_bytes().to_vec())),
    );
    vm.set_global_list("arg", 0, &all);
    let args: Vec<HostValue> = all[1..].to_vec();
    vm.load_with_args(&src, &format!("@{script}"), &args)
        .map_err(|e| e.message)?;
    Ok(vm)
}

/// Runs `script` under a recorder, steps of `step_fuel`, closing the VM at the end as the
/// plain run does; writes the journal to `path` whatever the outcome.
pub fn record(
    make: impl FnOnce() -> Vm,
    script: &str,
    script_args: &[String],
    step_fuel: u64,
    path: &str,
) -> ExitCode {
    let vm = match script_vm(make, script, script_args) {
        Ok(vm) => vm,
        Err(e) => {
            eprintln!("{}: {e}", super::progname());
            return ExitCode::from(1);
        }
    };
    let mut rec = match Recorder::start(vm) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}: cannot record: {e}", super::progname());
            return ExitCode::from(1);
        }
    };
    // Closed as `lua.c` closes its state: at the end, or when `os.exit(code, true)` asks
    // (also from a finalizer while closing: a nested close).
    let mut end = run(&mut rec, step_fuel);
    let mut status = None;
    let mut closed = false;
    loop {
        let close = match end {
            End::Exit(request) => {
                status = Some(request.code);
                request.close
            }
            End::Finished => !closed,
            End::Failed => false,
        };
        if !close || !rec.vm().begin_close() {
            break;
        }
        closed = true;
        end = run(&mut rec, step_fuel);
    }
    let ok = !matches!(end, End::Failed);
    let journal = rec.finish().and_then(|(vm, j)| {
        vm.with_host(|h| {
            let _ = h.stdout.flush();
        });
        j.to_bytes()
    });
    match journal
        .map_err(|e| e.to_string())
        .and_then(|b| std::fs::write(path, b).map_err(|e| format!("cannot write {path}: {e}")))
    {
        // The low byte, as the system keeps of `exit`'s status.
        Ok(()) if status.is_some() => ExitCode::from(status.unwrap_or(0) as u8),
        Ok(()) if ok => ExitCode::SUCCESS,
        Ok(()) => ExitCode::from(1),
        Err(e) => {
            eprintln!("{}: {e}", super::progname());
            ExitCode::from(1)
        }
    }
}

/// How a recorded run ended.
enum End {
    Finished,
    /// Reported.
    Failed,
    /// `os.exit`.
    Exit(ExitRequest),
}

/// Steps the recorder until the script ends.
fn run(rec: &mut Recorder, step_fuel: u64) -> End {
    loop {
        match rec.step(step_fuel) {
            StepResult::OutOfFuel => {}
            StepResult::Finished(_) => return End::Finished,
            StepResult::Error(e) => {
                rec.vm().with_host(|h| {
                    let _ = h.stdout.flush();
                });
                eprintln!("{}: {}", super::progname(), e.message);
                if !e.traceback.is_empty() {
                    eprintln!("{}", e.traceback);
                }
                return End::Failed;
            }
            StepResult::Yielded(_) => {
                eprintln!(
                    "{}: attempt to yield from outside a coroutine",
                    super::progname()
                );
                return End::Failed;
            }
            StepResult::Waiting { kind } => {
                if let Some(request) = rec.vm().exit_request() {
                    return End::Exit(request);
                }
                eprintln!(
                    "{}: the script waits for the host ({kind})",
                    super::progname()
                );
                return End::Failed;
            }
        }
    }
}

/// Replays the journal at `path`: from its own initial state, or — given the script — from
/// the script loaded again (a changed script shows as a divergence). Prints the replayed
/// output; a divergence is reported with where it happened.
pub fn replay_file(
    make: impl FnOnce() -> Vm,
    path: &str,
    script: Option<(&str, &[String])>,
) -> ExitCode {
    let journal = std::fs::read(path)
        .map_err(|e| format!("cannot open {path}: {e}"))
        .and_then(|b| Journal::from_bytes(&b).map_err(|e| format!("{path}: {e}")));
    let journal = match journal {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{}: {e}", super::progname());
            return ExitCode::from(1);
        }
    };
    let replayed = match script {
        None => replay(&journal, telelua::VmOptions::new()),
        Some((script, args)) => match script_vm(make, script, args) {
            Ok(vm) => replay_from(&journal, vm),
            Err(e) => {
                eprintln!("{}: {e}", super::progname());
                return ExitCode::from(1);
            }
        },
    };
    match replayed {
        Ok(r) => {
            let mut out = std::io::stdout();
            let _ = out.write_all(&r.output);
            let _ = out.flush();
            eprintln!(
                "{}: replayed {} steps of {path}: identical",
                super::progname(),
                r.steps
            );
            ExitCode::SUCCESS
        }
        Err(d) => {
            eprintln!("{}: {d}", super::progname());
            ExitCode::from(1)
        }
    }
}
