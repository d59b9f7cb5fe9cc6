//! Ctrl-C in the `telelua` command, as in `lua.c`: SIGINT while a chunk runs raises
//! "interrupted!" where the script is (a `pcall` catches it); uncaught, it ends the run with
//! status 1. Also shows that `print` flushes each line (the line is read through a pipe
//! while the script still runs).

use std::io::{BufRead, BufReader, Read};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_telelua");

/// Runs `code` with `-e` after `options`, waits for its first output line, sends SIGINT: (the first line,
/// the rest of stdout, stderr, status).
fn interrupt(options: &[&str], code: &str) -> (String, String, String, Option<i32>) {
    let mut child = Command::new(BIN)
        .arg0("telelua")
        .args(options)
        .args(["-e", code])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    (first, rest, err, status.code())
}

#[test]
fn ctrl_c_is_caught_by_pcall_and_the_script_goes_on() {
    // (Also when the VM is saved and restored, or forked, between steps.)
    let modes: [&[&str]; 3] = [
        &[],
        &["--snapshot-every", "10007"],
        &["--fork-every", "3001"],
    ];
    for options in modes {
        let code = "print(12); print(pcall(function() while true do end end)); print(42)";
        let (first, rest, err, status) = interrupt(options, code);
        assert_eq!(first, "12\n");
        assert_eq!(rest, "false\tinterrupted!\n42\n", "{options:?}");
        assert_eq!(err, "");
        assert_eq!(status, Some(0));
    }
}

#[test]
fn ctrl_c_uncaught_ends_the_run_with_a_traceback() {
    let (first, rest, err, status) =
        interrupt(&[], "print(1); local x = 0; while true do x = x + 1 end");
    assert_eq!(first, "1\n");
    assert_eq!(rest, "");
    assert_eq!(
        err,
        "telelua: interrupted!\nstack traceback:\n\t(command line):1: in main chunk\n\t[C]: in ?\n"
    );
    assert_eq!(status, Some(1));
}

#[test]
fn ctrl_c_stops_a_long_library_call() {
    // (`lua.c` cannot stop this search until it returns; telelua's is preemptible.)
    let (first, _, err, status) = interrupt(
        &[],
        "print(15); string.find(string.rep('a', 100000), '.*b')",
    );
    assert_eq!(first, "15\n");
    assert!(err.starts_with("telelua: interrupted!\n"), "{err}");
    assert_eq!(status, Some(1));
}
